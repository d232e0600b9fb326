"""Getting a history back: a broken file moved aside, a run's JSON Lines loaded into SQLite.

- :func:`move_aside` renames an unusable ``history.sqlite`` (and its ``-wal``/``-shm``)
  to ``history.sqlite.corrupt-<time>`` (``.newer-<time>`` for one written by a newer
  version), under a lock file so two sessions never both replace the file.
- :func:`import_run` loads the records of one run folder's ``telemetry.jsonl`` that the
  history lacks (each record's ``seq`` says which; see :mod:`.runs`), and ends the run:
  with the end its ``run.json`` recorded, or else as *interrupted* at its last record.
- :func:`import_pending` does that for every run folder whose run has no end in the
  history and whose writer is gone: a killed or stalled run is never under-counted.

A live writer holds an exclusive ``flock`` on its ``telemetry.jsonl``; a run folder
whose file is locked belongs to a session that is still running and is left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .records import utc_now

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

JSONL_NAME = "telemetry.jsonl"
RUN_FILE = "run.json"
#: Run folders are named by run id: ``20261124T031500Z-1a2b3c``.
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")


@dataclass(frozen=True)
class ImportResult:
    run_id: str
    stored: int  # records loaded now
    unreadable: int  # JSONL lines that were not whole records (a torn last line)
    ended: str  # "ended" (its own end) or "interrupted"


# --------------------------------------------------------------------------- locks


def lock_exclusive(fd: int) -> bool:
    """Take a non-blocking exclusive lock on ``fd``; False when another process holds it."""
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks: treat as free
        return True
    return True


@contextlib.contextmanager
def history_lock(history_path: Path) -> Iterator[None]:
    """Hold ``<history>.lock`` while deciding to replace the history file (blocking)."""
    lock_path = history_path.with_name(history_path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        if fcntl is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def is_live(run_dir: Path) -> bool:
    """Whether a session is still writing this run folder (its JSONL is locked).

    Without ``flock`` (Windows) every folder counts as finished; an import is still exact
    (records are stored by ``seq``), a live run is only marked interrupted until it ends.
    """
    if fcntl is None:  # pragma: no cover
        return False
    try:
        fd = os.open(run_dir / JSONL_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        return not lock_exclusive(fd)
    finally:
        os.close(fd)  # closing drops the lock we may have taken


# ----------------------------------------------------------------------- move aside


def move_aside(path: Path, reason: str) -> Path:
    """Rename ``path`` (file, folder or link) and its SQLite side files out of the way."""
    stamp = utc_now().replace(":", "").replace("-", "")[:15]
    kind = "newer" if reason == "newer" else "corrupt"
    target = path.with_name(f"{path.name}.{kind}-{stamp}")
    n = 1
    while os.path.lexists(target):
        n += 1
        target = path.with_name(f"{path.name}.{kind}-{stamp}-{n}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if os.path.lexists(side):
            with contextlib.suppress(OSError):
                os.replace(side, target.with_name(target.name + suffix))
    return target


# --------------------------------------------------------------------------- import


def read_run(run_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("run_id") else None


def read_records(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The whole records of a JSONL file, each with its ``seq``; and how many lines were not."""
    records: list[dict[str, Any]] = []
    bad = 0
    try:
        handle = open(path, "rb")
    except OSError:
        return records, 0
    with handle:
        for position, raw in enumerate(handle, start=1):
            try:
                record = json.loads(raw)
            except ValueError:
                bad += 1
                continue
            if not isinstance(record, dict):
                bad += 1
                continue
            record.setdefault("seq", position)  # lines written before records carried seq
            records.append(record)
    return records, bad


def import_run(store: Any, run_dir: Path, *, end_if_unended: bool = True) -> ImportResult:
    """Load the records of ``run_dir`` that ``store`` lacks, and give the run an end."""
    run_id = run_dir.name
    records, bad = read_records(run_dir / JSONL_NAME)
    run = read_run(run_dir) or {"run_id": run_id}
    run = {**run, "run_id": run_id}
    run.setdefault("started_at", records[0].get("started_at") if records else None)
    end: dict[str, Any] | None = None
    ended = "running"
    if run.get("ended_at"):
        end, ended = {"ended_at": run["ended_at"], "exit_status": run.get("exit_status")}, "ended"
    elif end_if_unended:
        last = max((r.get("ended_at") or "" for r in records), default="") or _mtime(run_dir)
        end, ended = {"ended_at": last, "exit_status": None, "interrupted": True}, "interrupted"
    run_fields = {k: v for k, v in run.items() if k not in ("ended_at", "exit_status")}
    stored = store.store_run_records(run_fields, [{**r, "run_id": run_id} for r in records], end=end)
    return ImportResult(run_id, stored, bad, ended)


def _mtime(run_dir: Path) -> str | None:
    from datetime import datetime, timezone

    try:
        moment = (run_dir / JSONL_NAME).stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(moment, timezone.utc).isoformat()


def pending_runs(runs_dir: Path, finished: set[str], exclude: set[str]) -> list[Path]:
    """Run folders with records whose run has no end in the history, oldest first."""
    try:
        children = sorted(runs_dir.iterdir())
    except OSError:
        return []
    return [
        child
        for child in children
        if RUN_ID.match(child.name)
        and child.name not in finished
        and child.name not in exclude
        and (child / JSONL_NAME).is_file()
    ]


def import_pending(store: Any, runs_dir: Path, *, exclude: set[str]) -> list[ImportResult]:
    """Load every run folder whose run never finished storing and whose session is gone."""
    results = []
    for run_dir in pending_runs(runs_dir, store.finished_run_ids(), exclude):
        if is_live(run_dir):
            continue
        results.append(import_run(store, run_dir))
    return results


__all__ = [
    "JSONL_NAME",
    "RUN_FILE",
    "RUN_ID",
    "ImportResult",
    "history_lock",
    "import_pending",
    "import_run",
    "is_live",
    "lock_exclusive",
    "move_aside",
    "pending_runs",
    "read_records",
    "read_run",
]
