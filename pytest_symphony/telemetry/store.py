"""The SQLite run history: ``.symphony/history.sqlite``.

Only the controller process writes it, but two pytest sessions may run at once
(two terminals, CI shards on one disk), so:

* the file uses WAL journal mode (readers never block the writer);
* every write is one ``BEGIN IMMEDIATE`` transaction, which takes the write lock
  up front and therefore waits on ``busy_timeout`` instead of failing with
  "database is locked" half-way through;
* ``busy_timeout`` is generous (10 s by default);
* opening a file whose schema is current only reads: a reader (a report-only run)
  never takes the write lock, so it never waits on a writing run.

Failures surface as :class:`HistoryError` naming the file, refined into
:class:`HistoryCorruptError` (not a usable history: the caller may move it aside),
:class:`HistoryVersionError` (written by a newer version) and
:class:`HistoryBusyError` (the lock was held past the busy timeout).

The schema is versioned: ``schema_version`` holds one row with the version of
the file, :data:`MIGRATIONS` lists the steps from version 0 (an empty file) to
the newest, and :meth:`HistoryStore.open` applies the missing ones inside one
transaction.  To extend the schema append a migration (SQL text with one or more
statements, or a function taking the ``sqlite3.Connection`` that must not commit);
never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from . import values
from .attempt_rows import insert_attempts
from .checkpoints import CheckpointsMixin
from .findings import FindingsMixin
from .merge import MergeMixin
from .queries import QueriesMixin
from .records import AttemptRecord, RunRecord, normalize_timestamp
from .run_cells import build_ended
from .runs import RunsMixin, upsert_run
from .store_errors import HistoryBusyError, HistoryCorruptError, HistoryError, HistoryVersionError
from .schema import MIGRATIONS, TABLES, statements

DEFAULT_BUSY_TIMEOUT_S = 10.0


def schema_version_newest() -> int:
    """The version a file has once every known migration is applied (:data:`MIGRATIONS`, read here
    so that a test may extend it)."""
    return len(MIGRATIONS)


def _execute(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> None:
    conn.execute(sql, params)


# --------------------------------------------------------------------------- store


class HistoryStore(FindingsMixin, RunsMixin, CheckpointsMixin, MergeMixin, QueriesMixin):
    """The run history in one SQLite file.

    Use as a context manager or call :meth:`open` / :meth:`close`; every method
    opens the file on first use.  All ``sqlite3`` failures surface as
    :class:`HistoryError` naming the file.
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT_S):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._conn: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    # ----------------------------------------------------------------- lifecycle

    def __enter__(self) -> HistoryStore:
        return self.open()

    def __exit__(self, *_exc_info: object) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def open(self) -> HistoryStore:
        """Create the file (and its directories) if needed, set it up and migrate it.

        A file at the newest schema is only read here: no write lock is taken.
        """
        if self._conn is not None:
            return self
        if self.path.is_dir():
            raise HistoryCorruptError(f"the history file {self.path} is a directory, not a SQLite file")
        if self.path.is_symlink() and not self.path.exists():
            raise HistoryCorruptError(
                f"the history file {self.path} is a symbolic link to nothing ({self.path.readlink()})"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"cannot create the directory for the history file {self.path}: {exc}") from exc
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                str(self.path), timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if self._current_version(conn, tables) != schema_version_newest():
                self._enable_wal(conn)
                self._migrate(conn)
            self._check_tables(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, sqlite3.Error):
                raise self._error("open", exc) from exc
            raise
        self._conn = conn
        return self

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def _current_version(self, conn: sqlite3.Connection, tables: set[str]) -> int:
        """The file's schema version, read without a lock (0 for a new, empty file)."""
        if "schema_version" not in tables:
            if tables:
                raise HistoryCorruptError(
                    f"the history file {self.path} is a SQLite file of something else (tables "
                    f"{', '.join(sorted(tables)[:5])}), not a pytest-symphony history"
                )
            return 0
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        current = int(row[0]) if row and row[0] is not None else 0
        if current > schema_version_newest():
            raise self._too_new(current)
        return current

    def _too_new(self, current: int) -> HistoryVersionError:
        return HistoryVersionError(
            f"the history file {self.path} has schema version {current}, but this "
            f"pytest-symphony only knows versions up to {schema_version_newest()}; upgrade "
            f"pytest-symphony, or move the file away to start a new history"
        )

    def _check_tables(self, conn: sqlite3.Connection) -> None:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = sorted(TABLES - tables)
        if missing:
            raise HistoryCorruptError(f"the history file {self.path} lacks the table(s) {', '.join(missing)}")

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        # Switching to WAL needs a moment of exclusive access; when another process
        # is setting the same new file up at that instant SQLite may answer "locked"
        # without consulting busy_timeout, so retry until the timeout.
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.001
        while True:
            try:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        if str(mode).lower() != "wal":
            raise HistoryError(
                f"the history file {self.path} could not be switched to WAL journal mode "
                f"(SQLite reports {mode!r}); put it on a local file system"
            )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        newest = schema_version_newest()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
            if current > newest:
                raise self._too_new(current)
            for index in range(current, newest):
                migration = MIGRATIONS[index]
                try:
                    if callable(migration):
                        migration(conn)
                    else:
                        for statement in statements(migration):
                            conn.execute(statement)
                except sqlite3.Error as exc:
                    raise HistoryCorruptError(
                        f"migrating the history file {self.path} from schema version "
                        f"{index} to {index + 1} failed: {exc}"
                    ) from exc
            if current != newest:
                conn.execute("DELETE FROM schema_version")
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (newest,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def schema_version(self) -> int:
        row = self._query("SELECT max(version) FROM schema_version")[0]
        return int(row[0] or 0)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.open()
        assert self._conn is not None
        return self._conn

    def _error(self, action: str, exc: BaseException) -> HistoryError:
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            hint, kind = "; check that the file and its directory are writable", HistoryError
        elif "not a database" in text or "malformed" in text or "no such table" in text or "no such column" in text:
            hint, kind = (
                "; the file is not a usable SQLite history, move it away to start a new one",
                HistoryCorruptError,
            )
        elif "locked" in text or "busy" in text:
            hint, kind = "; another process held it longer than the busy timeout", HistoryBusyError
        else:
            hint, kind = "", HistoryError
        reason = f"cannot {action} the history file {self.path}: {exc}"
        return kind(reason + hint, reason)

    def _write(self, action: str, work: Callable[[sqlite3.Connection], None]) -> None:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction; every failure is a HistoryError."""
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._error(action, exc) from exc
        except (OverflowError, ValueError, TypeError) as exc:  # a value SQLite cannot bind
            raise HistoryError(f"cannot {action} the history file {self.path}: {type(exc).__name__}: {exc}") from exc

    def write(self, action: str, work: Callable[[sqlite3.Connection], None]) -> None:
        """``work`` in one write transaction, for tables a layer above owns (the delivery tables)."""
        self._write(action, work)

    def read(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """``work(connection)`` for reading, in the store's read snapshot rules."""
        try:
            return work(self._connection())
        except sqlite3.Error as exc:
            raise self._error("read", exc) from exc

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        conn = self._connection()
        try:
            cursor = conn.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()
        except sqlite3.Error as exc:
            raise self._error("read", exc) from exc

    @contextmanager
    def snapshot(self) -> Iterator[HistoryStore]:
        """Read inside one transaction: every query sees the same state of the file.

        (WAL readers never block the writers of another run, and do not see their
        commits until the block ends.)
        """
        conn = self._connection()
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise self._error("read", exc) from exc
        try:
            yield self
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """A read-only query as plain tuples: the fast path for reports over large histories."""
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error("read", exc) from exc

    # ----------------------------------------------------------------- writes

    def begin_run(self, run: RunRecord) -> None:
        """Record a run (again: the fields given replace the stored ones)."""
        self._write("record the run in", lambda conn: upsert_run(conn, run, replace=True))

    def add_attempts(self, records: Iterable[AttemptRecord]) -> int:
        """Store a batch of attempts with their events, metrics and steps in one transaction.

        A record's ``kind`` is ``"beat"`` (the default) or ``"scenario"`` (BDD telemetry,
        whose optional ``steps`` list holds ``{text, status, duration_ms}``); ``target``
        names the target of an expanded beat.

        A run id not yet recorded gets a bare ``runs`` row (so no attempt is lost to
        the foreign key).  Returns the number of attempts stored.
        """
        batch = list(records)
        if not batch:
            return 0
        missing_run = [r.get("nodeid") or r.get("beat") for r in batch if not r.get("run_id")]
        if missing_run:
            raise HistoryError(f"cannot store attempts without a run_id in {self.path}: {missing_run[:5]}")

        def work(conn: sqlite3.Connection) -> None:
            insert_attempts(conn, batch)
            build_ended(conn, (values.text(r["run_id"]) for r in batch))  # attempts of a run that ended

        self._write("store attempts in", work)
        return len(batch)

    def end_run(self, run_id: str, ended_at: str | None, exit_status: int | None) -> None:
        """Mark a run finished."""
        params = (normalize_timestamp(ended_at), values.integer(exit_status), run_id)
        sql = "UPDATE runs SET ended_at = ?, exit_status = ? WHERE run_id = ?"

        def work(conn: sqlite3.Connection) -> None:
            _execute(conn, sql, params)
            build_ended(conn, [run_id])

        self._write("end the run in", work)


__all__ = [
    "DEFAULT_BUSY_TIMEOUT_S",
    "MIGRATIONS",
    "HistoryBusyError",
    "HistoryCorruptError",
    "HistoryError",
    "HistoryStore",
    "HistoryVersionError",
    "schema_version_newest",
]
