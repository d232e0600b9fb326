"""The run's identity: its id, controller or worker, its folders, the dynamic and the named pipelines.

Decided once at configure and read-only after: every area reads it, none changes it.
Under xdist every worker has the controller's run id (``xdist_support`` sends it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from .paths import shown_path
from .options import value
from .runtime import dynamics
from .score.source import SPEC_SUFFIXES
from .stamps import new_run_id, utc_now


@dataclass(frozen=True, slots=True)
class SymphonyRun:
    run_id: str
    is_worker: bool
    dynamic: str  # --symphony-dynamic
    selected: tuple[str, ...]  # --symphony: the pipelines named
    rootpath: Path
    symphony_dir: Path
    run_dir: Path  # <symphony_dir>/runs/<run id>
    spec_roots: tuple[Path, ...]  # ini symphony_paths, resolved
    max_spec_bytes: int
    started_at: str

    @classmethod
    def from_config(cls, config: pytest.Config) -> "SymphonyRun":
        workerinput = getattr(config, "workerinput", None)
        run_id = str(workerinput["symphony_run_id"]) if workerinput is not None else new_run_id()
        root = config.rootpath
        symphony_dir = (root / (value(config, "symphony_dir") or ".symphony")).resolve()
        return cls(
            run_id=run_id,
            is_worker=workerinput is not None,
            dynamic=config.getoption("symphony_dynamic") or dynamics.DEFAULT,
            selected=tuple(split_names(config.getoption("symphony"))),
            rootpath=root,
            symphony_dir=symphony_dir,
            run_dir=symphony_dir / "runs" / run_id,
            spec_roots=tuple((root / p).resolve() for p in value(config, "symphony_paths")),
            max_spec_bytes=int(value(config, "symphony_max_spec_bytes")),
            started_at=utc_now(),
        )

    @property
    def history_path(self) -> Path:
        """The SQLite history (``telemetry.writer`` opens it; named here so reading it needs no writer)."""
        return self.symphony_dir / "history.sqlite"

    def is_spec(self, path: Path) -> bool:
        """A spec file under ini ``symphony_paths``."""
        return path.suffix in SPEC_SUFFIXES and any(path == r or r in path.parents for r in self.spec_roots)

    def relative(self, path: str | Path) -> str:
        """``path`` as shown to the user: relative to the rootdir when under it."""
        return shown_path(path, self.rootpath, resolve=False)


def split_names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]
