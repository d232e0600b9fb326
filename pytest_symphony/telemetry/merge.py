"""Copying one run's rows from another history file into this one, renumbered (for
``--symphony-history-merge``, :mod:`.shard_merge`): attempts with their events, metrics,
steps and checkpoints; violations, scores, artifacts and fixes.  Part of the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from .run_cells import build_ended


#: Tables whose rows belong to a run (``run_id``), and those that hang off an attempt.
RUN_TABLES = ("violations", "scores", "artifacts", "fixes")
ATTEMPT_TABLES = ("events", "metrics", "steps", "checkpoints")


class MergeMixin:
    """Copying a shard's run into the history; part of the history store."""

    def copy_run_rows(self, source: Path, source_run: str, run_id: str) -> None:
        conn = self._connection()  # type: ignore[attr-defined]
        conn.execute("ATTACH DATABASE ? AS src", (str(source),))  # not allowed inside a transaction
        try:
            self._write("merge a shard into", lambda c: _copy_run_rows(c, source_run, run_id))  # type: ignore[attr-defined]
        finally:
            conn.execute("DETACH DATABASE src")


def _copy_run_rows(conn: sqlite3.Connection, source_run: str, run_id: str) -> None:
    """Inside one write transaction with the shard attached as ``src``: its run's rows, renumbered."""
    offset = conn.execute("SELECT coalesce(max(id), 0) FROM attempts").fetchone()[0]
    low = conn.execute("SELECT coalesce(min(id), 0) FROM src.attempts WHERE run_id = ?", (source_run,)).fetchone()[0]
    shift = offset - low + 1
    _copy(conn, "attempts", f"id + {shift}", "run_id = ?", (source_run,), run_id, renumber="id")
    for table in ATTEMPT_TABLES:
        _copy(
            conn,
            table,
            f"attempt_id + {shift}",
            "attempt_id IN (SELECT id FROM src.attempts WHERE run_id = ?)",
            (source_run,),
            run_id,
            renumber="attempt_id",
        )
    for table in RUN_TABLES:
        _copy(conn, table, None, "run_id = ?", (source_run,), run_id)
    build_ended(conn, [run_id])  # the merged run's cells, with this shard's


def _copy(
    conn: sqlite3.Connection,
    table: str,
    renumbered: str | None,
    where: str,
    params: tuple[Any, ...],
    run_id: str,
    *,
    renumber: str | None = None,
) -> None:
    columns = [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})") if row[1] != "id" or renumber == "id"]
    theirs = {row[1] for row in conn.execute(f"PRAGMA src.table_info({table})")}
    columns = [c for c in columns if c in theirs]
    select = []
    for column in columns:
        if column == renumber and renumbered is not None:
            select.append(renumbered)
        elif column == "run_id":
            select.append("?")
        else:
            select.append(column)
    conn.execute(
        f"INSERT INTO main.{table} ({', '.join(columns)}) SELECT {', '.join(select)} FROM src.{table} WHERE {where}",
        ((run_id,) if "run_id" in columns else ()) + params,
    )
