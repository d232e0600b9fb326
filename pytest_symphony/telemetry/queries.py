"""Reading the history back: runs, attempts with their events, metrics and steps, durations.

A mixin of :class:`~.store.HistoryStore`, apart from the writing and the schema.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any, Sequence

from .records import RunRecord


def _run_from_row(row: sqlite3.Row) -> RunRecord:
    run = dict(row)
    run["argv"] = json.loads(run.pop("argv_json") or "[]")
    run["selected"] = json.loads(run.pop("selected_json") or "[]")
    return run  # type: ignore[return-value]


class QueriesMixin:
    """The store's readers (every query runs through the store's ``_query``)."""

    if TYPE_CHECKING:

        def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    def runs(self, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first, shaped like :class:`RunRecord`."""
        sql = "SELECT * FROM runs ORDER BY started_at DESC, run_id DESC"
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (int(limit),)
        return [_run_from_row(row) for row in self._query(sql, params)]

    def run(self, run_id: str) -> RunRecord | None:
        """One run by id, or ``None``."""
        rows = self._query("SELECT * FROM runs WHERE run_id = ?", (run_id,))
        return _run_from_row(rows[0]) if rows else None

    def attempts(self, run_id: str | None = None, sequence: str | None = None) -> list[dict[str, Any]]:
        """Attempts in the order they were stored, shaped like :class:`AttemptRecord`.

        Each dict also carries its row ``id``, ``events`` (a list of
        ``{"name", "payload", "at"}``), ``metrics`` (``{name: value}``) and ``steps``
        (a list of ``{"text", "status", "duration_ms"}``, empty for most beats).
        """
        where, params = self._filter("a", run_id=run_id, sequence=sequence)
        attempts = [dict(r) for r in self._query(f"SELECT a.* FROM attempts a{where} ORDER BY a.id", params)]
        by_id = {a["id"]: a for a in attempts}
        for a in attempts:
            a["events"] = []
            a["metrics"] = {}
            a["steps"] = []
        if not attempts:
            return attempts
        for row in self._query(
            f"SELECT e.attempt_id, e.name, e.payload_json, e.at FROM events e "
            f"JOIN attempts a ON a.id = e.attempt_id{where} ORDER BY e.id",
            params,
        ):
            by_id[row["attempt_id"]]["events"].append(
                {"name": row["name"], "payload": json.loads(row["payload_json"] or "{}"), "at": row["at"]}
            )
        for row in self._query(
            f"SELECT m.attempt_id, m.name, m.value FROM metrics m "
            f"JOIN attempts a ON a.id = m.attempt_id{where} ORDER BY m.id",
            params,
        ):
            by_id[row["attempt_id"]]["metrics"][row["name"]] = row["value"]
        for row in self._query(
            f"SELECT s.attempt_id, s.text, s.status, s.duration_ms FROM steps s "
            f"JOIN attempts a ON a.id = s.attempt_id{where} ORDER BY s.attempt_id, s.position",
            params,
        ):
            by_id[row["attempt_id"]]["steps"].append(
                {"text": row["text"], "status": row["status"], "duration_ms": row["duration_ms"]}
            )
        return attempts

    @staticmethod
    def _filter(alias: str, **conditions: Any) -> tuple[str, tuple[Any, ...]]:
        parts = [f"{alias}.{column} = ?" for column, value in conditions.items() if value is not None]
        params = tuple(value for value in conditions.values() if value is not None)
        return (" WHERE " + " AND ".join(parts) if parts else ""), params

    def last_run_id(self, sequence: str | None = None) -> str | None:
        """The newest run, or the newest run that ran ``sequence``."""
        if sequence is None:
            rows = self._query("SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1")
        else:
            rows = self._query(
                "SELECT r.run_id FROM runs r WHERE EXISTS "
                "(SELECT 1 FROM attempts a WHERE a.run_id = r.run_id AND a.sequence = ?) "
                "ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1",
                (sequence,),
            )
        return rows[0]["run_id"] if rows else None


__all__ = ["QueriesMixin"]
