"""A run's records in the history, exactly once, whoever brings them (schema version 3).

A run's records reach the history from two places: its own writer, in batches while it
runs, and, when that could not finish (a killed run, a locked or broken history), an
import of its ``telemetry.jsonl`` later.  Each record carries ``seq``, its 1-based place
in the run; ``runs.records_stored`` is the highest ``seq`` stored.  Every batch is
stored in one transaction that reads that mark, inserts only the records after it and
moves it, so a batch and an import of the same records never store one twice.

``ended_at`` is set when a run's last records are stored with it, in the same
transaction: a run row without ``ended_at`` is running, or never finished storing.  An
import that finds no end (no ``run.json`` with one) marks the run ``interrupted`` and
gives it the time of its last record.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable, Mapping

from . import values
from .attempt_rows import insert_attempts
from .run_cells import build_ended, build_run_cells
from .records import normalize_timestamp

#: Schema version 2 -> 3.  Shipped: never edit, append a new migration instead.
MIGRATION_3 = """
ALTER TABLE runs ADD COLUMN records_stored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET records_stored = (SELECT count(*) FROM attempts a WHERE a.run_id = runs.run_id);
"""

RUN_COLUMNS = (
    "run_id", "started_at", "ended_at", "dynamic", "rootdir", "argv_json", "user", "host",
    "python", "platform", "git_commit", "exit_status", "selected_json", "resumed_from",
)  # fmt: skip


def run_row(run: Mapping[str, Any]) -> tuple[Any, ...]:
    """The ``runs`` columns of a run record, storable whatever they hold."""
    return (
        values.text(run["run_id"]),
        normalize_timestamp(run.get("started_at")),
        normalize_timestamp(run.get("ended_at")),
        values.text(run.get("dynamic")),
        values.text(run.get("rootdir")),
        values.dumps(list(run.get("argv") or []), sort_keys=True),
        values.text(run.get("user")),
        values.text(run.get("host")),
        values.text(run.get("python")),
        values.text(run.get("platform")),
        values.text(run.get("git_commit")),
        values.integer(run.get("exit_status")),
        values.dumps(list(run.get("selected") or []), sort_keys=True),
        values.text(run.get("resumed_from")),
    )


def upsert_run(conn: sqlite3.Connection, run: Mapping[str, Any], *, replace: bool) -> None:
    """Insert the run row; with ``replace``, fields given replace the stored ones."""
    action = "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in RUN_COLUMNS[1:]) if replace else "DO NOTHING"
    conn.execute(
        f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' * len(RUN_COLUMNS))}) "
        f"ON CONFLICT (run_id) {action}",
        run_row(run),
    )


class RunsMixin:
    """Storing a run's records once, and ending runs; part of the history store."""

    def store_run_records(
        self, run: Mapping[str, Any], records: Iterable[Mapping[str, Any]], *, end: Mapping[str, Any] | None = None
    ) -> int:
        """Store the records of ``run`` not stored yet (by ``seq``), in one transaction.

        ``end`` (``ended_at``, ``exit_status``, ``interrupted``) marks the run finished in the
        same transaction.  Returns how many records were stored.
        """
        batch = list(records)
        run_id = run["run_id"]
        stored = 0

        def work(conn: sqlite3.Connection) -> None:
            nonlocal stored
            upsert_run(conn, run, replace=False)
            mark = conn.execute("SELECT records_stored FROM runs WHERE run_id = ?", (run_id,)).fetchone()[0]
            fresh = [r for r in batch if int(r.get("seq") or 0) > mark]
            if fresh:
                insert_attempts(conn, fresh)
                stored = len(fresh)
                top = max(int(r.get("seq") or 0) for r in fresh)
                conn.execute("UPDATE runs SET records_stored = max(records_stored, ?) WHERE run_id = ?", (top, run_id))
            if end is not None:
                conn.execute(
                    "UPDATE runs SET ended_at = ?, exit_status = ?, interrupted = ? WHERE run_id = ?",
                    (
                        normalize_timestamp(end.get("ended_at")),
                        values.integer(end.get("exit_status")),
                        1 if end.get("interrupted") else 0,
                        run_id,
                    ),
                )
            if end is not None or fresh:
                build_ended(conn, [run_id])  # its cells, once it has ended

        self._write("store the records of run %s in" % run_id, work)  # type: ignore[attr-defined]
        return stored

    def fold_unfolded_runs(self) -> int:
        """Fold the cells of every run that has none (rows written outside the store, such as a
        benchmark's SQL copies); returns how many.  Reports read such runs' attempt rows meanwhile."""
        todo: list[str] = []

        def work(conn: sqlite3.Connection) -> None:
            todo[:] = [
                row[0]
                for row in conn.execute("SELECT run_id FROM runs WHERE run_id NOT IN (SELECT run_id FROM run_cells)")
            ]
            build_run_cells(conn, todo)

        self._write("fold the runs of", work)  # type: ignore[attr-defined]
        return len(todo)

    def finished_run_ids(self) -> set[str]:
        """Runs whose records are all stored (they have an end)."""
        return {row[0] for row in self.rows("SELECT run_id FROM runs WHERE ended_at IS NOT NULL")}  # type: ignore[attr-defined]

    def records_stored(self, run_id: str) -> int:
        rows = self.rows("SELECT records_stored FROM runs WHERE run_id = ?", (run_id,))  # type: ignore[attr-defined]
        return int(rows[0][0]) if rows else 0


__all__ = ["MIGRATION_3", "RUN_COLUMNS", "RunsMixin", "run_row", "upsert_run"]
