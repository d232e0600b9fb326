"""Putting built files into ``dist/`` so that a rollback can put ``dist/`` back exactly.

Packages build into a staging folder of the run; only a successful build's files move
into ``dist/``.  A file they replace (the same version built before) is moved aside
first, so undoing the changes removes the new files and moves the old ones back: after a
failed run ``dist/`` holds what it held before, byte for byte, and so matches the
``artifact-manifest.json`` that is there.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

__all__ = ["DistChange", "publish", "undo"]


@dataclass(frozen=True)
class DistChange:
    path: Path  #: the file now in ``dist/``
    backup: Path | None  #: where the file it replaced was moved; None when it is new


def publish(files: Iterable[Path], dist_dir: Path, backup_dir: Path) -> list[DistChange]:
    """Move ``files`` into ``dist_dir``; a file of the same name there is moved into ``backup_dir`` first."""
    dist_dir = Path(dist_dir)
    dist_dir.mkdir(parents=True, exist_ok=True)
    changes: list[DistChange] = []
    for src in files:
        dest = dist_dir / Path(src).name
        backup = None
        if dest.exists() or dest.is_symlink():
            backup_dir.mkdir(parents=True, exist_ok=True)
            backup = backup_dir / f"{len(list(backup_dir.iterdir()))}-{dest.name}"
            shutil.move(str(dest), str(backup))
        shutil.move(str(src), str(dest))
        changes.append(DistChange(dest, backup))
    return changes


def undo(changes: Iterable[DistChange]) -> list[Path]:
    """Take the changes back, newest first; returns the files removed (those that were new)."""
    removed: list[Path] = []
    for change in reversed(list(changes)):
        change.path.unlink(missing_ok=True)
        if change.backup is not None and change.backup.exists():
            shutil.move(str(change.backup), str(change.path))
        else:
            removed.append(change.path)
    return removed
