"""The symphony folder behaves like ``.pytest_cache``: ignored by git, and it does not grow forever.

- When pytest-symphony creates the folder it writes a ``.gitignore`` of ``*`` (and a
  ``CACHEDIR.TAG``, so backup tools skip it), as pytest does for its cache; a folder it
  made before this existed (it holds ``runs/`` or ``history.sqlite``) gets them too.  A
  folder the user made for something else is left as it is.
- Only the last ``symphony_keep_runs`` run folders (``runs/<run id>``, default 30) are
  kept; older ones are removed oldest first.  The history keeps every run's rows; a run
  folder is removed only once its records are in the history and no session writes it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable

from .recovery import JSONL_NAME, RUN_ID, is_live
from .settings import DEFAULT_KEEP_RUNS

GITIGNORE = "# Created by pytest-symphony automatically.\n*\n"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pytest-symphony.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/spec.html\n"
)
#: What only a folder of ours holds.
_OURS = ("runs", "history.sqlite")


def prepare(symphony_dir: Path) -> None:
    """Create the folder if needed; give a folder of ours its ``.gitignore``.  Raises OSError."""
    created = not symphony_dir.exists()
    symphony_dir.mkdir(parents=True, exist_ok=True)
    ours = created or any((symphony_dir / name).exists() for name in _OURS)
    if not ours:
        return
    for name, text in ((".gitignore", GITIGNORE), ("CACHEDIR.TAG", CACHEDIR_TAG)):
        path = symphony_dir / name
        if not path.exists():
            _write_new(path, text)


def _write_new(path: Path, text: str) -> None:
    """Write ``path`` only if no one did meanwhile (two sessions may start together)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def prune(runs_dir: Path, keep: int, *, protect: Iterable[str], stored: set[str]) -> list[str]:
    """Remove the oldest run folders beyond ``keep``; returns the run ids removed.

    Never removes a protected run (the current one), a folder a session still writes,
    or one whose records are not all in the history (``stored``: finished runs).
    """
    if keep <= 0:
        return []
    protected = set(protect)
    try:
        runs = sorted((p for p in runs_dir.iterdir() if RUN_ID.match(p.name) and p.is_dir()), key=_started)
    except OSError:
        return []
    removed = []
    for run_dir in runs[: max(0, len(runs) - keep)]:
        if run_dir.name in protected:
            continue
        if (run_dir / JSONL_NAME).exists() and (run_dir.name not in stored or is_live(run_dir)):
            continue
        shutil.rmtree(run_dir, ignore_errors=True)
        if not run_dir.exists():
            removed.append(run_dir.name)
    return removed


def _started(run_dir: Path) -> tuple[str, int]:
    """Order by the id's second, then by when the folder was made (ids within one second are random)."""
    try:
        made = run_dir.stat().st_mtime_ns
    except OSError:
        made = 0
    return run_dir.name[:16], made


__all__ = ["CACHEDIR_TAG", "DEFAULT_KEEP_RUNS", "GITIGNORE", "prepare", "prune"]
