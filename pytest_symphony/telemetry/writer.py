"""The controller-side telemetry sink.

Only the controller (the xdist master, or the single process without xdist)
creates a :class:`TelemetryWriter`.  Every attempt record it receives is

* appended at once as one JSON line to ``<symphony_dir>/runs/<run_id>/telemetry.jsonl``
  (line-buffered and flushed per line, so a killed run keeps what it wrote), and
* buffered for the SQLite history ``<symphony_dir>/history.sqlite``, written in one
  transaction every ``flush_every`` records and at :meth:`close`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any, Mapping

from pytest_symphony.errors import SymphonyError

from .records import AttemptRecord, RunRecord, utc_now
from .store import HistoryStore

FLUSH_EVERY = 500
JSONL_NAME = "telemetry.jsonl"
HISTORY_NAME = "history.sqlite"


class TelemetryWriteError(SymphonyError):
    """The run's telemetry file could not be written."""


class TelemetryWriter:
    def __init__(
        self,
        symphony_dir: str | Path,
        run: RunRecord,
        *,
        flush_every: int = FLUSH_EVERY,
        history_path: str | Path | None = None,
    ):
        if not run.get("run_id"):
            raise ValueError("the run record needs a run_id")
        self.symphony_dir = Path(symphony_dir)
        self.run: RunRecord = dict(run)  # type: ignore[assignment]
        self.run_id: str = run["run_id"]
        self.run_dir = self.symphony_dir / "runs" / self.run_id
        self.jsonl_path = self.run_dir / JSONL_NAME
        self.history_path = Path(history_path) if history_path else self.symphony_dir / HISTORY_NAME
        self.flush_every = max(1, int(flush_every))
        self.count = 0  # records added
        self._pending: list[AttemptRecord] = []
        self._jsonl: IO[str] | None = None
        self._store: HistoryStore | None = None
        self._run_recorded = False
        self.closed = False

    def __repr__(self) -> str:
        return f"TelemetryWriter(run_id={self.run_id!r}, dir={str(self.symphony_dir)!r})"

    def __enter__(self) -> TelemetryWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self.closed:
            self.close(self.run.get("exit_status"))

    @property
    def pending(self) -> int:
        """Records buffered but not yet in the history."""
        return len(self._pending)

    # ----------------------------------------------------------------- writing

    def start(self) -> None:
        """Record the run in the history now (otherwise done by the first flush).

        Calling it at session start reports an unwritable history before any beat runs
        and leaves a run row (without ``ended_at``) even if the session is killed.
        """
        self._history()

    def add(self, record: Mapping[str, Any]) -> None:
        """Append one attempt record to the JSONL file and buffer it for the history."""
        if self.closed:
            raise TelemetryWriteError(f"telemetry for run {self.run_id} is already closed")
        rec: dict[str, Any] = dict(record)
        rec.setdefault("run_id", self.run_id)
        line = json.dumps(rec, default=str, ensure_ascii=False)
        try:
            if self._jsonl is None:
                self.run_dir.mkdir(parents=True, exist_ok=True)
                self._jsonl = open(self.jsonl_path, "a", encoding="utf-8", buffering=1)
            self._jsonl.write(line + "\n")  # line-buffered: on disk before the next beat
        except OSError as exc:
            raise TelemetryWriteError(
                f"cannot write the telemetry file {self.jsonl_path}: {exc}"
            ) from exc
        self.count += 1
        self._pending.append(rec)  # type: ignore[arg-type]
        if len(self._pending) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write the buffered records to the history in one transaction."""
        if not self._pending:
            return
        store = self._history()
        store.add_attempts(self._pending)  # raises HistoryError naming the file
        self._pending.clear()

    def close(self, exit_status: int | None = None) -> None:
        """Flush, mark the run ended in the history and close the files.

        The JSONL file is closed even when the history write fails; the error (a
        :class:`~pytest_symphony.errors.SymphonyError` naming the file) is raised after.
        """
        if self.closed:
            return
        self.closed = True
        self.run["ended_at"] = utc_now()
        self.run["exit_status"] = exit_status
        try:
            self.flush()
            self._history().end_run(self.run_id, self.run["ended_at"], exit_status)
        finally:
            if self._jsonl is not None:
                jsonl, self._jsonl = self._jsonl, None
                try:
                    jsonl.close()
                except OSError:
                    pass
            if self._store is not None:
                store, self._store = self._store, None
                store.close()

    def _history(self) -> HistoryStore:
        if self._store is None:
            store = HistoryStore(self.history_path)
            store.open()
            self._store = store
        if not self._run_recorded:
            self._store.begin_run(self.run)
            self._run_recorded = True
        return self._store
