"""What a fixer may read: the workspace's current files, specs and settings.

One :class:`FixContext` per round: fixers see the files as the last round left them
(read once, cached), never a stale text.  Every path is relative to the rootdir in POSIX
form, as violations give it; a path outside the rootdir is never read for fixing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..atomic import Text, read_text
from ..bdd.placement import FeatureIndex
from ..conformity.settings import Settings
from ..conformity.sources import find_module, walk_files
from ..score.loader import load_spec
from ..score.model import Sequence
from ..score.source import SPEC_SUFFIXES

__all__ = ["FixContext", "inside_root"]


def inside_root(rel: str) -> bool:
    """Whether a violation's path names a file under the rootdir (not a built-in pipeline's)."""
    if not rel or rel.startswith("symphony:"):
        return False
    p = PurePosixPath(rel)
    return not p.is_absolute() and ".." not in p.parts and not (len(rel) > 1 and rel[1] == ":")


@dataclass
class FixContext:
    root: Path
    settings: Settings
    unsafe: bool = False
    hook: Any = None  # the pytest hook relay, for pytest_symphony_autofix
    registry: Any = None  # the session's HandlerRegistry (regenerating manifests needs it)
    _texts: dict[str, Text | None] = field(default_factory=dict)
    _specs: dict[str, Sequence | None] = field(default_factory=dict)
    _by_id: dict[str, list[tuple[str, Sequence]]] | None = None
    feature_index: FeatureIndex | None = None  # the features folders' files, indexed (fixers.bdd builds it once)

    def path(self, rel: str) -> Path:
        return self.root / rel

    def rel(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()

    def text(self, rel: str) -> Text | None:
        """The file's current text (None: no such file)."""
        if rel not in self._texts:
            try:
                self._texts[rel] = read_text(self.root / rel)
            except (UnicodeDecodeError, IsADirectoryError):
                self._texts[rel] = None
        return self._texts[rel]

    # -- specs -------------------------------------------------------------------------------
    def sequence(self, rel: str) -> Sequence | None:
        """The sequence the spec at ``rel`` describes (None when it does not load)."""
        if rel not in self._specs:
            result = load_spec(self.root / rel, display_path=rel, max_bytes=self.settings.max_spec_bytes)
            self._specs[rel] = result.sequence
        return self._specs[rel]

    def sequences(self) -> dict[str, list[tuple[str, Sequence]]]:
        """Sequence id -> (spec path, sequence) of every spec under ini ``symphony_paths``."""
        if self._by_id is None:
            found: dict[str, list[tuple[str, Sequence]]] = {}
            seen: set[Path] = set()
            for entry in self.settings.spec_paths:
                for path in walk_files((self.root / entry).resolve(), SPEC_SUFFIXES):
                    if path in seen:
                        continue
                    seen.add(path)
                    rel = self.rel(path)
                    seq = self.sequence(rel)
                    if seq is not None:
                        found.setdefault(seq.id, []).append((rel, seq))
            self._by_id = found
        return self._by_id

    # -- where new things go -----------------------------------------------------------------
    def handler_module(self) -> str | None:
        """The file of the first module in ini ``symphony_handlers``, when it is under the rootdir."""
        for entry in self.settings.handler_modules:
            name = entry.rpartition("=")[2]
            path = find_module(name, self.root)
            if path is not None:
                try:
                    return self.rel(path)
                except ValueError:
                    continue
        return None

    def features_dirs(self) -> list[str]:
        """Every configured features folder (ini ``symphony_features``), relative to the rootdir."""
        return [f.strip("/") or "." for f in self.settings.features] or ["features"]

    def step_defs_dir(self) -> str:
        return (self.settings.step_defs[0] if self.settings.step_defs else "step_defs").strip("/") or "step_defs"
