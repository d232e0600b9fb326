"""The history's schema, version by version: ``MIGRATIONS[i]`` takes a file from version ``i``
to ``i + 1``.  To extend it, append a migration (SQL text with one or more statements, or a
function taking the ``sqlite3.Connection`` that must not commit); never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from typing import Callable, Iterator, Union

from .checkpoints import MIGRATION_4
from .delivery_store import MIGRATION_5
from .findings import MIGRATION_2
from .run_cells import TABLES_7, backfill
from .runs import MIGRATION_3

Migration = Union[str, Callable[[sqlite3.Connection], None]]

_MIGRATION_1 = """
CREATE TABLE runs (
    run_id        TEXT PRIMARY KEY,
    started_at    TEXT,
    ended_at      TEXT,
    dynamic       TEXT,
    rootdir       TEXT,
    argv_json     TEXT,
    user          TEXT,
    host          TEXT,
    python        TEXT,
    platform      TEXT,
    git_commit    TEXT,
    exit_status   INTEGER,
    selected_json TEXT
);
CREATE INDEX idx_runs_started_at ON runs (started_at);

CREATE TABLE attempts (
    id              INTEGER PRIMARY KEY,
    run_id          TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    correlation_id  TEXT,
    sequence        TEXT,
    movement        TEXT,
    beat            TEXT,
    beat_number     INTEGER,
    movement_number INTEGER,
    handler         TEXT,
    nodeid          TEXT,
    started_at      TEXT,
    ended_at        TEXT,
    duration_ms     REAL,
    status          TEXT,
    attempt         INTEGER,
    error           TEXT,
    dynamic         TEXT,
    spec_file       TEXT,
    spec_line       INTEGER,
    spec_hash       TEXT
);
CREATE INDEX idx_attempts_run_id ON attempts (run_id);
CREATE INDEX idx_attempts_sequence ON attempts (sequence, started_at);
CREATE INDEX idx_attempts_sequence_beat ON attempts (sequence, beat, started_at);
CREATE INDEX idx_attempts_correlation_id ON attempts (correlation_id);

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    attempt_id   INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    run_id       TEXT,
    sequence     TEXT,
    name         TEXT,
    payload_json TEXT,
    at           TEXT
);
CREATE INDEX idx_events_attempt_id ON events (attempt_id);
CREATE INDEX idx_events_run_id ON events (run_id);
CREATE INDEX idx_events_sequence ON events (sequence, name);

CREATE TABLE metrics (
    id         INTEGER PRIMARY KEY,
    attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    run_id     TEXT,
    sequence   TEXT,
    name       TEXT,
    value      REAL
);
CREATE INDEX idx_metrics_attempt_id ON metrics (attempt_id);
CREATE INDEX idx_metrics_run_id ON metrics (run_id);
CREATE INDEX idx_metrics_sequence_name ON metrics (sequence, name);
"""

#: Schema version 5 -> 6: the index the report's "last value of each metric per run" reads
#: (a GROUP BY over ``run_id, sequence, name``; without it SQLite sorts every metric row).
#: Once shipped: never edit, append a new migration instead.
_MIGRATION_6 = """
CREATE INDEX idx_metrics_run_sequence_name ON metrics (run_id, sequence, name);
"""


def _migration_7(conn: sqlite3.Connection) -> None:
    """Schema version 6 -> 7: each run's beat outcomes folded once (:mod:`.run_cells`), with the
    triggers that keep them exact, built for every run already stored.  Shipped: never edit."""
    for statement in statements(TABLES_7):
        conn.execute(statement)
    backfill(conn)


#: Ordered schema steps; ``MIGRATIONS[i]`` takes a file from version ``i`` to ``i + 1``.
#: Version 2 (``findings.MIGRATION_2``) adds scenario steps, attempt kind/target,
#: conformity violations and scores, artifacts and fixes; version 3 (``runs.MIGRATION_3``)
#: the per-run mark of records stored and the ``interrupted`` flag; version 4
#: (``checkpoints.MIGRATION_4``) beat checkpoints, ``runs.resumed_from`` and sub-pipeline parents;
#: version 5 (``delivery_store.MIGRATION_5``) deployments, their statuses, and incidents;
#: version 6 an index for reports; version 7 (``_migration_7``) each run's beat outcomes
#: folded once, with their backfill.
MIGRATIONS: list[Migration] = [
    _MIGRATION_1,
    MIGRATION_2,
    MIGRATION_3,
    MIGRATION_4,
    MIGRATION_5,
    _MIGRATION_6,
    _migration_7,
]

#: Tables a history of the newest version has; one missing means the file is damaged.
TABLES = frozenset(
    {
        "schema_version",
        "runs",
        "attempts",
        "events",
        "metrics",
        "steps",
        "violations",
        "scores",
        "artifacts",
        "fixes",
        "checkpoints",
        "cell_keys",
        "run_cells",
    }
)


def statements(sql: str) -> Iterator[str]:
    """Split SQL text into complete statements (``executescript`` would COMMIT our transaction)."""
    buffer = ""
    for piece in sql.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\r\n;"):
                yield buffer.strip()
            buffer = ""
    if buffer.strip(" \t\r\n;"):
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()!r}")


__all__ = ["MIGRATIONS", "TABLES", "Migration", "statements"]
