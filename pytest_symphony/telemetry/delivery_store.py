"""Deployments and incidents in the run history (the tables of history schema version 5).

The delivery pipeline writes its deployment records (beats 8-10) and imports
``delivery/deployments.jsonl`` and ``delivery/incidents.yaml``; the four keys and the
reports read them back as :mod:`pytest_symphony.deliverykit.records`.  Deployments keep
the GitHub Deployments shape: one row per deployment, one per status, in order.

Every function takes an open ``sqlite3.Connection`` and never commits: the store's
``_write`` wraps them in its ``BEGIN IMMEDIATE`` transaction.  :data:`MIGRATION_5` is the
schema step to append to the store's migrations; :func:`create_tables` runs it on a
connection of its own (tests, tools).  Upserts replace a record by id, statuses and all,
so importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Iterable

from ..deliverykit.records import Deployment, DeploymentStatus, Incident
from ..deliverykit.timeutil import iso, parse_time

__all__ = ["MIGRATION_5", "DeliveryMixin", "create_tables", "query_deployments", "query_incidents",
           "upsert_deployments", "upsert_incidents"]

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


def upsert_deployments(conn: sqlite3.Connection, deployments: Iterable[Deployment], *, run_id: str | None = None) -> int:
    """Insert or replace deployments with their statuses; returns how many."""
    count = 0
    for d in deployments:
        conn.execute("DELETE FROM deployment_statuses WHERE deployment_id = ?", (d.id,))
        conn.execute(
            "INSERT OR REPLACE INTO deployments (id, run_id, sha, ref, environment, created_at, description, "
            "payload_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (d.id, run_id, d.sha, d.ref, d.environment, iso(d.created_at), d.description,
             json.dumps(d.payload, sort_keys=True) if d.payload else None),
        )
        conn.executemany(
            "INSERT INTO deployment_statuses (deployment_id, position, state, created_at, description) "
            "VALUES (?, ?, ?, ?, ?)",
            [(d.id, i, s.state, iso(s.created_at), s.description) for i, s in enumerate(d.statuses)],
        )
        count += 1
    return count


def upsert_incidents(conn: sqlite3.Connection, incidents: Iterable[Incident], *, run_id: str | None = None) -> int:
    count = 0
    for i in incidents:
        conn.execute(
            "INSERT OR REPLACE INTO incidents (id, run_id, title, opened_at, resolved_at, severity, root_cause, "
            "deployment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (i.id, run_id, i.title, iso(i.opened_at), iso(i.resolved_at) if i.resolved_at else None, i.severity,
             i.root_cause, i.deployment),
        )
        count += 1
    return count


def query_deployments(conn: sqlite3.Connection, environment: str | None = None) -> list[Deployment]:
    """Deployments (optionally of one environment) with their statuses, oldest first."""
    where, params = ("WHERE environment = ?", (environment,)) if environment else ("", ())
    rows = conn.execute(f"SELECT id, sha, ref, environment, created_at, description, payload_json FROM deployments "
                        f"{where} ORDER BY created_at, id", params).fetchall()
    statuses: dict[str, list[DeploymentStatus]] = {}
    for dep_id, state, created, description in conn.execute(
            "SELECT deployment_id, state, created_at, description FROM deployment_statuses "
            "ORDER BY deployment_id, position"):
        statuses.setdefault(dep_id, []).append(DeploymentStatus(state, parse_time(created), description))
    return [Deployment(id=r[0], sha=r[1], ref=r[2], environment=r[3], created_at=parse_time(r[4]), description=r[5],
                       payload=json.loads(r[6]) if r[6] else {}, statuses=tuple(statuses.get(r[0], ())))
            for r in rows]


def query_incidents(conn: sqlite3.Connection) -> list[Incident]:
    """Incidents, oldest opening first."""
    rows = conn.execute("SELECT id, title, opened_at, resolved_at, severity, root_cause, deployment FROM incidents "
                        "ORDER BY opened_at, id").fetchall()
    return [Incident(id=r[0], title=r[1], opened_at=parse_time(r[2]), resolved_at=parse_time(r[3]) if r[3] else None,
                     severity=r[4], root_cause=r[5], deployment=r[6]) for r in rows]


class DeliveryMixin:
    """The history store's deployments and incidents: written in one transaction, read back as records.

    A record written again keeps the run that first recorded it unless ``run_id`` names one.
    """

    def add_deployments(self, deployments: Iterable[Deployment], *, run_id: str | None = None) -> int:
        return self._add("deployments", deployments, run_id, upsert_deployments)

    def add_incidents(self, incidents: Iterable[Incident], *, run_id: str | None = None) -> int:
        return self._add("incidents", incidents, run_id, upsert_incidents)

    def deployments(self, environment: str | None = None) -> list[Deployment]:
        return query_deployments(self._connection(), environment)  # type: ignore[attr-defined]

    def incidents(self) -> list[Incident]:
        return query_incidents(self._connection())  # type: ignore[attr-defined]

    def _add(self, table: str, records: Iterable, run_id: str | None, upsert) -> int:
        records = list(records)

        def work(conn: sqlite3.Connection) -> None:
            known = dict(conn.execute(f"SELECT id, run_id FROM {table}").fetchall())  # noqa: S608 - a fixed name
            for record in records:
                upsert(conn, [record], run_id=run_id or known.get(record.id))

        if records:
            self._write(f"store {table} in", work)  # type: ignore[attr-defined]
        return len(records)
