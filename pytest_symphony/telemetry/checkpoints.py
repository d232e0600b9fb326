"""Checkpoints in the history (schema version 4): the state change of each passed beat, the run
a resumed run resumed from, and the parent of a sub-pipeline's attempts.

Written with the attempts (a record's ``checkpoint``, see ``runtime/checkpoint.py``), read
by ``--symphony-resume``.  :class:`CheckpointsMixin` is part of the history store.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable

#: Schema version 3 -> 4.  Shipped: never edit, append a new migration instead.
MIGRATION_4 = """
CREATE TABLE checkpoints (
    id                  INTEGER PRIMARY KEY,
    attempt_id          INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    run_id              TEXT,
    sequence            TEXT,
    nodeid              TEXT,
    set_json            TEXT,
    unset_json          TEXT,
    unserializable_json TEXT
);
CREATE INDEX idx_checkpoints_run_sequence ON checkpoints (run_id, sequence);
ALTER TABLE runs ADD COLUMN resumed_from TEXT;
ALTER TABLE attempts ADD COLUMN parent_correlation_id TEXT;
ALTER TABLE attempts ADD COLUMN parent_nodeid TEXT;
"""


def checkpoint_rows(attempt_id: int, record: dict[str, Any]) -> list[tuple[Any, ...]]:
    point = record.get("checkpoint")
    if not point:
        return []
    return [
        (
            attempt_id,
            record.get("run_id"),
            record.get("sequence"),
            record.get("nodeid"),
            json.dumps(point.get("set") or {}),
            json.dumps(list(point.get("unset") or ())),
            json.dumps(list(point.get("unserializable") or ())),
        )
    ]


def insert_checkpoints(conn: sqlite3.Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    conn.executemany(
        "INSERT INTO checkpoints (attempt_id, run_id, sequence, nodeid, set_json, unset_json, "
        "unserializable_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
        list(rows),
    )


class CheckpointsMixin:
    """Reading what a run left behind for a resume."""

    def beat_outcomes(self, run_id: str, sequence: str) -> list[dict[str, Any]]:
        """Each beat item of ``sequence`` in ``run_id``: its final status and its checkpoint, in run order."""
        rows = self._query(  # type: ignore[attr-defined]
            "SELECT a.nodeid, a.status, a.id, c.set_json, c.unset_json, c.unserializable_json "
            "FROM attempts a LEFT JOIN checkpoints c ON c.attempt_id = a.id "
            "WHERE a.run_id = ? AND a.sequence = ? AND a.kind = 'beat' ORDER BY a.id",
            (run_id, sequence),
        )
        final: dict[str, dict[str, Any]] = {}
        for row in rows:  # the last attempt of each beat decides
            point = None
            if row["set_json"] is not None:
                point = {
                    "set": json.loads(row["set_json"]),
                    "unset": json.loads(row["unset_json"]),
                    "unserializable": json.loads(row["unserializable_json"]),
                }
            final.pop(row["nodeid"], None)
            final[row["nodeid"]] = {"nodeid": row["nodeid"], "status": row["status"], "checkpoint": point}
        return list(final.values())

    def last_run_of(self, sequence: str, *, before: str | None = None) -> str | None:
        """The newest run (other than ``before``) that ran ``sequence``."""
        rows = self._query(  # type: ignore[attr-defined]
            "SELECT r.run_id FROM runs r WHERE r.run_id != ? AND EXISTS "
            "(SELECT 1 FROM attempts a WHERE a.run_id = r.run_id AND a.sequence = ?) "
            "ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1",
            (before or "", sequence),
        )
        return rows[0]["run_id"] if rows else None
