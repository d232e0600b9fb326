"""The tables of deployments and incidents in the run history (schema version 5).

The delivery pipeline writes its deployment records (beats 8-10) and imports
``delivery/deployments.jsonl`` and ``delivery/incidents.yaml``; the four keys and the
reports read them back.  Deployments keep the GitHub Deployments shape: one row per
deployment, one per status, in order.  Only the tables are here (the history knows
nothing of the delivery library); :mod:`pytest_symphony.deliverykit.history` converts
records to and from their rows.  :func:`create_tables` runs the migration on a connection
of its own (tests, tools).
"""

from __future__ import annotations

import sqlite3


__all__ = ["MIGRATION_5", "create_tables"]

#: Schema version 4 -> 5.  Once shipped: never edit, append a new migration instead.
MIGRATION_5 = """
CREATE TABLE deployments (
    id           TEXT PRIMARY KEY,
    run_id       TEXT,
    sha          TEXT NOT NULL,
    ref          TEXT,
    environment  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    description  TEXT,
    payload_json TEXT
);
CREATE INDEX idx_deployments_environment ON deployments (environment, created_at);

CREATE TABLE deployment_statuses (
    id            INTEGER PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    state         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    description   TEXT,
    UNIQUE (deployment_id, position)
);

CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    run_id      TEXT,
    title       TEXT,
    opened_at   TEXT NOT NULL,
    resolved_at TEXT,
    severity    TEXT NOT NULL,
    root_cause  TEXT,
    deployment  TEXT
);
CREATE INDEX idx_incidents_opened_at ON incidents (opened_at);
"""


def create_tables(conn: sqlite3.Connection) -> None:
    """Run :data:`MIGRATION_5` on ``conn`` (a fresh database; the history store migrates its own)."""
    for statement in MIGRATION_5.split(";"):
        if statement.strip():
            conn.execute(statement)
