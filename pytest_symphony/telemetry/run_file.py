"""One run's folder as the writer keeps it: ``run.json`` and the append-only ``telemetry.jsonl``.

Each record is one ``write`` call, undone if it fell short, so a line is whole or absent (a
full disk leaves no torn line).  The JSONL is flock-ed while the run lives, which is how
other sessions tell a live run folder from one to recover (:func:`.recovery.is_live`).
Nothing here raises for storage: trouble goes to the ``warn`` callback and is counted.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any, Callable, Mapping

from pytest_symphony.warning_types import SymphonyStorageWarning, TelemetryWriteWarning

from . import recovery, retention, values

Warn = Callable[[str, SymphonyStorageWarning], None]


class RunFile:
    """``<symphony_dir>/runs/<run_id>/``: opened once, appended to line by line, closed at the end."""

    def __init__(self, symphony_dir: Path, run_id: str, warn: Warn) -> None:
        self.symphony_dir = symphony_dir
        self.run_dir = symphony_dir / "runs" / run_id
        self.path = self.run_dir / recovery.JSONL_NAME
        self.missed = 0  # records that could not be written to the JSONL
        self._warn = warn
        self._fd: int | None = None  # the JSONL file, appended to and flock-ed while the run lives
        self._size: int | None = None  # its length as this writer left it (no stat per line)
        self._opened = False

    @property
    def is_open(self) -> bool:
        """Whether lines reach the JSONL (False before the first record and after trouble or close)."""
        return self._fd is not None

    def open(self, run: Mapping[str, Any]) -> None:
        """Create the folder and the JSONL, lock it, write ``run.json``; once (later calls do nothing)."""
        if self._opened:
            return
        self._opened = True
        try:
            retention.prepare(self.symphony_dir)
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            self._warn(
                "jsonl",
                TelemetryWriteWarning(
                    f"cannot write this run's telemetry file {self.path}: {_reason(exc)}; the tests run on "
                    "and their records go to the history only"
                ),
            )
            return
        recovery.lock_exclusive(self._fd)  # marks the run folder as live for other sessions
        self.write_run(run)

    def write_run(self, run: Mapping[str, Any]) -> None:
        """``run.json``: the run record, so an import can recreate the run row and its end."""
        data = {**run, "pid": os.getpid(), "host": socket.gethostname()}
        tmp = self.run_dir / f".run.json.{os.getpid()}.tmp"
        try:
            tmp.write_text(values.dumps(data) + "\n", encoding="utf-8")
            os.replace(tmp, self.run_dir / recovery.RUN_FILE)
        except OSError:
            try:
                tmp.unlink()
            except OSError:
                pass

    def append(self, rec: dict[str, Any]) -> None:
        """One record as one whole line, or none (counted in ``missed``)."""
        if self._fd is None:
            self.missed += 1
            return
        data = (values.record_line(rec) + "\n").encode("utf-8")
        try:
            if self._size is None:  # known once, then counted: no stat per line
                self._size = os.fstat(self._fd).st_size
            written = os.write(self._fd, data)
            if written != len(data):
                raise OSError(28, f"only {written} of {len(data)} bytes were written")
            self._size += written
        except OSError as exc:
            if self._size is not None:
                try:
                    os.ftruncate(self._fd, self._size)  # the line is whole or absent
                except OSError:
                    self._size = None
            self.missed += 1
            self._warn(
                "jsonl",
                TelemetryWriteWarning(
                    f"cannot append to the telemetry file {self.path}: {_reason(exc)}; records that do not fit "
                    "stay in memory for the history (the count is in the closing warning if any are lost)"
                ),
            )

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.close(fd)  # also drops the flock: the run folder is no longer live
            except OSError:
                pass


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


__all__ = ["RunFile"]
