"""The controller-side telemetry sink; no storage trouble ever reaches the session.

Only the controller (the xdist master, or the single process without xdist) creates a
:class:`TelemetryWriter`.  Every attempt record it receives gets ``seq`` (its place in
the run) and is

* appended at once as one JSON line to ``<symphony_dir>/runs/<run_id>/telemetry.jsonl``,
  with one ``write`` call that is undone if it fell short, so a line is whole or absent
  (a full disk leaves no torn line);
* stored in the SQLite history ``<symphony_dir>/history.sqlite`` in batches: every
  ``flush_every`` records and at least every ``flush_seconds`` (a timer thread covers a
  long beat), so a killed run loses at most a few seconds of records, and those are in
  the JSONL.

When the history is unusable the run goes on and says so with a
:class:`~pytest_symphony.warning_types.SymphonyStorageWarning`: a damaged file is moved
aside and a new one started; a lock held by another process is waited for (with
backoff) and, failing that, the records stay in the JSONL, to be loaded with
``pytest --symphony-history-import RUN_ID`` or automatically by the next run; a
read-only folder or a full disk costs the records it costs, counted in the warning.
The first time a run opens the history it also loads the records of earlier runs that
never reached it (:mod:`.recovery`) and prunes old run folders (:mod:`.retention`).
"""

from __future__ import annotations

import threading
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

from pytest_symphony.errors import SymphonyError
from pytest_symphony.warning_types import (
    HistoryBusyWarning,
    HistoryCorruptWarning,
    SymphonyStorageWarning,
    TelemetryWriteWarning,
)

from . import recovery, retention, settings as settings_mod
from .records import RunRecord, utc_now
from .run_file import RunFile
from .store import HistoryBusyError, HistoryCorruptError, HistoryError, HistoryStore, HistoryVersionError

T = TypeVar("T")

FLUSH_EVERY = 500
JSONL_NAME = recovery.JSONL_NAME
HISTORY_NAME = "history.sqlite"
#: Pauses between tries of a write the lock refused (each try waits a third of the busy timeout).
BUSY_BACKOFF_S = (0.05, 0.25)


class TelemetryWriteError(SymphonyError):
    """The writer was used after it was closed."""


class TelemetryWriter:
    def __init__(
        self,
        symphony_dir: str | Path,
        run: RunRecord,
        *,
        flush_every: int = FLUSH_EVERY,
        history_path: str | Path | None = None,
        settings: settings_mod.TelemetrySettings | None = None,
    ):
        if not run.get("run_id"):
            raise ValueError("the run record needs a run_id")
        self.symphony_dir = Path(symphony_dir)
        self.settings = settings or settings_mod.for_dir(self.symphony_dir)
        self.run: RunRecord = dict(run)  # type: ignore[assignment]
        self.run_id: str = run["run_id"]
        self.run_file = RunFile(self.symphony_dir, self.run_id, self._warn)
        self.run_dir = self.run_file.run_dir
        self.jsonl_path = self.run_file.path
        self.history_path = Path(history_path) if history_path else self.symphony_dir / HISTORY_NAME
        self.flush_every = max(1, int(flush_every))
        self.flush_seconds = float(self.settings.flush_seconds)
        self.count = 0  # records added
        self.closed = False
        self._lock = threading.RLock()  # the buffers and counters
        self._store_lock = threading.Lock()  # the history store: one user at a time
        self._pending: list[dict[str, Any]] = []
        self._store: HistoryStore | None = None
        self._history_down: str | None = None  # why the history is not written now
        self._history_started = False
        self._last_flush = time.monotonic()
        self._warned: set[str] = set()
        self._warnings: list[SymphonyStorageWarning] = []
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        #: Set each time a batch reaches the history (a tool or a test may wait on it).
        self.stored = threading.Event()

    def __repr__(self) -> str:
        return f"TelemetryWriter(run_id={self.run_id!r}, dir={str(self.symphony_dir)!r})"

    def __enter__(self) -> TelemetryWriter:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        if not self.closed:
            self.close(self.run.get("exit_status"))

    @property
    def pending(self) -> int:
        """Records buffered but not yet in the history."""
        return len(self._pending)

    # ----------------------------------------------------------------- writing

    def start(self) -> None:
        """Open the run's files and history now (otherwise the first record does)."""
        with self._lock:
            self.run_file.open(self.run)
            self._history()
        self._emit_warnings()

    def add(self, record: Mapping[str, Any]) -> None:
        """Append one attempt record to the JSONL file and buffer it for the history."""
        if self.closed:
            raise TelemetryWriteError(f"telemetry for run {self.run_id} is already closed")
        rec: dict[str, Any] = dict(record)
        rec.setdefault("run_id", self.run_id)
        with self._lock:
            self.run_file.open(self.run)
            self.count += 1
            rec["seq"] = self.count
            self.run_file.append(rec)
            self._pending.append(rec)
            full = len(self._pending) >= self.flush_every or self._due()
        self._start_flusher()
        if full:
            self._flush()  # here, not on the timer thread: handing SQLite's GIL releases to a thread costs more
        if self._warnings:
            self._emit_warnings()

    def flush(self) -> None:
        """Store the buffered records in the history now (one transaction)."""
        self._flush()
        self._emit_warnings()

    def close(self, exit_status: int | None = None) -> None:
        """Store what is left, mark the run ended, close the files.  Never raises for storage."""
        if self.closed:
            return
        self.closed = True
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join()
        with self._lock:
            self.run["ended_at"] = utc_now()
            self.run["exit_status"] = exit_status
            try:
                self._finish()
            finally:
                self._release()
        self._emit_warnings()

    # ----------------------------------------------------------------- history

    def _due(self) -> bool:
        return self.flush_seconds > 0 and time.monotonic() - self._last_flush >= self.flush_seconds

    def _start_flusher(self) -> None:
        if self._flusher is not None or self.flush_seconds <= 0 or self.closed:
            return
        self._flusher = threading.Thread(target=self._flush_loop, name="symphony-telemetry-flush", daemon=True)
        self._flusher.start()

    def _flush_loop(self) -> None:
        """Store what is pending when no flush has come for ``flush_seconds`` (a long beat).

        ``add`` flushes on its own thread every ``flush_every`` records and whenever one is
        due, so in a busy run this timer finds nothing to do and stays out of the GIL's way.
        """
        while not self._stop.wait(max(0.05, self.flush_seconds - (time.monotonic() - self._last_flush))):
            if self._due():
                self._flush()

    def _flush(self) -> None:
        """Take the pending batch under the lock; store it holding only the store's lock."""
        with self._store_lock:
            with self._lock:
                self._last_flush = time.monotonic()
                if not self._pending or self._history_down:
                    return
                batch, self._pending = self._pending, []
            if not self._store_records(batch, end=None):
                with self._lock:
                    self._pending[:0] = batch  # kept for the next try, or for close

    def _finish(self) -> None:
        """The final write: what is pending, and the run's end, in one transaction."""
        self.run_file.write_run(self.run)
        self._history_down = None  # one more try: a lock may be free now
        end = {"ended_at": self.run["ended_at"], "exit_status": self.run.get("exit_status")}
        if self._store_records(self._pending, end=end):
            self._pending.clear()
        elif self._history_down:
            self._warn_unstored()

    def _store_records(self, records: list[dict[str, Any]], end: dict[str, Any] | None) -> bool:
        """Store ``records`` (and ``end``) with retries; on failure say why, return False."""
        for _ in range(2):  # a second round after a damaged file was moved aside
            store = self._history()
            if store is None:
                return False
            try:
                self._retry_busy(lambda: store.store_run_records(self.run, records, end=end))
                self.stored.set()
                return True
            except HistoryCorruptError as exc:
                self._drop_store()
                if not self._replace_damaged(exc):
                    return False
                records = self._own_records(records)
            except HistoryBusyError as exc:
                self._down("busy", exc)
                return False
            except HistoryError as exc:
                self._down("error", exc)
                return False
        return False

    def _history(self) -> HistoryStore | None:
        """The open history, opened (and set up) on first use; None while it is down."""
        if self._store is not None:
            return self._store
        if self._history_down:
            return None
        try:
            store = self._open_store()
        except HistoryCorruptError as exc:
            if not self._replace_damaged(exc):
                return None
            return self._history()
        except HistoryBusyError as exc:
            self._down("busy", exc)
            return None
        except HistoryError as exc:
            self._down("error", exc)
            return None
        self._store = store
        if not self._history_started:
            self._history_started = True
            self._start_history(store)
        return store

    def _open_store(self) -> HistoryStore:
        busy = max(0.05, self.settings.busy_timeout_s / 3)
        return self._retry_busy(lambda: HistoryStore(self.history_path, busy_timeout=busy).open())

    def _start_history(self, store: HistoryStore) -> None:
        """Once per run: record it, load earlier runs' lost records, prune old run folders."""
        try:
            self._retry_busy(lambda: store.begin_run(self.run))
            results = recovery.import_pending(store, self.symphony_dir / "runs", exclude={self.run_id})
            retention.prune(
                self.symphony_dir / "runs",
                self.settings.keep_runs,
                protect={self.run_id},
                stored=store.finished_run_ids(),
            )
        except HistoryBusyError as exc:
            self._down("busy", exc)
            return
        except HistoryError as exc:
            self._down("error", exc)
            return
        for result in results:
            if result.unreadable:
                self._warn(
                    f"torn-{result.run_id}",
                    TelemetryWriteWarning(
                        f"{self.symphony_dir / 'runs' / result.run_id / JSONL_NAME}: {result.unreadable} line(s) were "
                        f"not whole records (cut short when run {result.run_id} was stopped) and were skipped"
                    ),
                )

    def _retry_busy(self, work: Callable[[], T]) -> T:
        for pause in BUSY_BACKOFF_S:
            try:
                return work()
            except HistoryBusyError:
                time.sleep(pause)
        return work()

    def _replace_damaged(self, exc: HistoryError) -> bool:
        """Move a damaged history aside (unless another session just did) and start a new one."""
        path = self.history_path
        try:
            with recovery.history_lock(path):
                try:
                    HistoryStore(path, busy_timeout=0.05).open().close()
                    return True  # replaced by another session meanwhile
                except HistoryCorruptError as again:
                    aside = recovery.move_aside(path, "newer" if isinstance(again, HistoryVersionError) else "corrupt")
        except (OSError, HistoryError) as err:
            self._down("error", HistoryError(f"{exc}; moving it aside failed too: {err}"))
            return False
        self._warn(
            f"corrupt-{aside.name}",
            HistoryCorruptWarning(
                f"{getattr(exc, 'reason', exc)}. It was moved aside to {aside} and a new history was started; the runs in the old file "
                "are kept there"
            ),
        )
        self._history_started = False  # the new file needs this run recorded
        return True

    def _own_records(self, pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """This run's records for a new history file: the JSONL's, and what is pending."""
        by_seq = {int(r["seq"]): r for r in recovery.read_records(self.jsonl_path)[0] if r.get("seq")}
        by_seq.update({int(r["seq"]): r for r in pending})
        return [by_seq[k] for k in sorted(by_seq)]

    def _drop_store(self) -> None:
        if self._store is not None:
            store, self._store = self._store, None
            try:
                store.close()
            except Exception:
                pass

    def _down(self, why: str, exc: HistoryError) -> None:
        self._history_down = why
        self._drop_store()
        kept = (
            f"This run's records are kept in {self.jsonl_path}"
            if self.run_file.is_open
            else "This run's records are kept in memory until it ends"
        )
        if why == "busy":
            self._warn(
                "busy", HistoryBusyWarning(f"{exc}. {kept}; they are stored when the run ends if the lock is free then")
            )
        else:
            self._warn(f"history-{type(exc).__name__}", TelemetryWriteWarning(f"{exc}. {kept}"))

    def _warn_unstored(self) -> None:
        lost = self.run_file.missed
        cls = HistoryBusyWarning if self._history_down == "busy" else TelemetryWriteWarning
        head = f"run {self.run_id} could not be stored in the history {self.history_path}"
        if lost >= self.count:
            self._warn("unstored", cls(f"{head}, nor in {self.jsonl_path}: its {self.count} record(s) are lost"))
            return
        kept = f"{self.count - lost} of its {self.count} records" if lost else f"its {self.count} records"
        self._warn(
            "unstored",
            cls(
                f"{head}; {kept} are in {self.jsonl_path}: load them with "
                f"`pytest --symphony-history-import {self.run_id}`, or the next run loads them"
                + (f" ({lost} record(s) could be written nowhere and are lost)" if lost else "")
            ),
        )

    def _release(self) -> None:
        self.run_file.close()
        self._drop_store()

    # ---------------------------------------------------------------- warnings

    def _warn(self, key: str, warning: SymphonyStorageWarning) -> None:
        with self._lock:
            if key not in self._warned:
                self._warned.add(key)
                self._warnings.append(warning)

    def _emit_warnings(self) -> None:
        """Issue queued warnings from the calling (main) thread, where pytest records them."""
        if threading.current_thread() is self._flusher:
            return
        with self._lock:
            queued, self._warnings = self._warnings, []
        for warning in queued:
            warnings.warn(warning, stacklevel=3)


__all__ = ["FLUSH_EVERY", "HISTORY_NAME", "JSONL_NAME", "TelemetryWriteError", "TelemetryWriter"]
