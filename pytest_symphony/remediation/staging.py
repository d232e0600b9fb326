"""A throwaway copy of the workspace for ``--symphony-diff``: the fixes run there in full
(every phase, every round, every re-check), and the real files are only read.

The copy holds every file under the rootdir except version control, virtual
environments, caches and the symphony folder, of which only what the checks read comes
along: the build manifests, the run history, and the scan cache (hard-linked: its
entries are only ever replaced or unlinked, never written in place).  The conformity engine
runs on the copy with the session's settings; handler modules registered in the
session are found at their copies (:class:`StagedRegistry`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import types
from pathlib import Path
from typing import Any

from ..conformity.sources import SKIP_DIRS

__all__ = ["Staging", "StagedRegistry"]

#: Larger files are not copied (no check reads them).
MAX_COPY_BYTES = 64 * 1024 * 1024


class StagedRegistry:
    """The session's handler registry, with each module's file seen at its copy."""

    def __init__(self, registry: Any, source: Path, copy: Path) -> None:
        self._registry = registry
        self._source = Path(source).resolve()
        self._copy = Path(copy).resolve()

    def modules(self) -> dict[str, Any]:
        out = {}
        for name, module in self._registry.modules().items():
            file = getattr(module, "__file__", None)
            if file:
                try:
                    file = str(self._copy / Path(file).resolve().relative_to(self._source))
                except ValueError:
                    pass
            out[name] = types.SimpleNamespace(__file__=file, __name__=name)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._registry, name)


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class Staging:
    """A copy of ``root`` in a temporary folder; :meth:`close` removes it."""

    def __init__(self, root: Path, symphony_dir: Path) -> None:
        self.source = Path(root).resolve()
        self._tmp = tempfile.mkdtemp(prefix="symphony-diff-")
        self.root = Path(self._tmp) / self.source.name
        self._copy(Path(symphony_dir).resolve())

    def _copy(self, symphony_dir: Path) -> None:
        self.root.mkdir()
        for folder, dirs, files in os.walk(self.source):
            here = Path(folder)
            dirs[:] = [
                d
                for d in dirs
                if d not in SKIP_DIRS and not d.endswith(".egg-info") and (here / d).resolve() != symphony_dir
            ]
            target = self.root / here.relative_to(self.source)
            target.mkdir(exist_ok=True)
            for name in files:
                path = here / name
                try:
                    if path.is_file() and path.stat().st_size <= MAX_COPY_BYTES:
                        shutil.copy2(path, target / name)
                except OSError:
                    continue
        for extra in ("manifests", "history.sqlite", "cache"):
            path = symphony_dir / extra
            try:
                rel = path.relative_to(self.source)
            except ValueError:
                continue
            if path.is_dir():  # cache entries are only ever replaced or unlinked: links are safe and cheap
                shutil.copytree(
                    path, self.root / rel, dirs_exist_ok=True, copy_function=_link if extra == "cache" else shutil.copy2
                )
            elif path.is_file():
                (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, self.root / rel)

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)
