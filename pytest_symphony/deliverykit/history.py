"""Deployments and incidents in the run history, as :mod:`.records` objects.

The tables (history schema version 5) are declared in
:mod:`pytest_symphony.telemetry.delivery_store`; this module, above the history in the
layers, converts the delivery records to and from their rows.  Every function takes an
open ``sqlite3.Connection`` and never commits: the history store's ``_write`` wraps them
in its ``BEGIN IMMEDIATE`` transaction.  Upserts replace a record by id, statuses and
all, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Callable, Iterable

from .records import Deployment, DeploymentStatus, Incident
from .timeutil import iso, parse_time

__all__ = [
    "add_deployments",
    "add_incidents",
    "deployments",
    "incidents",
    "query_deployments",
    "query_incidents",
    "upsert_deployments",
    "upsert_incidents",
]


def upsert_deployments(
    conn: sqlite3.Connection, deployments: Iterable[Deployment], *, run_id: str | None = None
) -> int:
    """Insert or replace deployments with their statuses; returns how many."""
    count = 0
    for d in deployments:
        conn.execute("DELETE FROM deployment_statuses WHERE deployment_id = ?", (d.id,))
        conn.execute(
            "INSERT OR REPLACE INTO deployments (id, run_id, sha, ref, environment, created_at, description, "
            "payload_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                d.id,
                run_id,
                d.sha,
                d.ref,
                d.environment,
                iso(d.created_at),
                d.description,
                json.dumps(d.payload, sort_keys=True) if d.payload else None,
            ),
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
            (
                i.id,
                run_id,
                i.title,
                iso(i.opened_at),
                iso(i.resolved_at) if i.resolved_at else None,
                i.severity,
                i.root_cause,
                i.deployment,
            ),
        )
        count += 1
    return count


def query_deployments(conn: sqlite3.Connection, environment: str | None = None) -> list[Deployment]:
    """Deployments (optionally of one environment) with their statuses, oldest first."""
    where, params = ("WHERE environment = ?", (environment,)) if environment else ("", ())
    rows = conn.execute(
        f"SELECT id, sha, ref, environment, created_at, description, payload_json FROM deployments "
        f"{where} ORDER BY created_at, id",
        params,
    ).fetchall()
    statuses: dict[str, list[DeploymentStatus]] = {}
    for dep_id, state, created, description in conn.execute(
        "SELECT deployment_id, state, created_at, description FROM deployment_statuses ORDER BY deployment_id, position"
    ):
        statuses.setdefault(dep_id, []).append(DeploymentStatus(state, parse_time(created), description))
    return [
        Deployment(
            id=r[0],
            sha=r[1],
            ref=r[2],
            environment=r[3],
            created_at=parse_time(r[4]),
            description=r[5],
            payload=json.loads(r[6]) if r[6] else {},
            statuses=tuple(statuses.get(r[0], ())),
        )
        for r in rows
    ]


def query_incidents(conn: sqlite3.Connection) -> list[Incident]:
    """Incidents, oldest opening first."""
    rows = conn.execute(
        "SELECT id, title, opened_at, resolved_at, severity, root_cause, deployment FROM incidents "
        "ORDER BY opened_at, id"
    ).fetchall()
    return [
        Incident(
            id=r[0],
            title=r[1],
            opened_at=parse_time(r[2]),
            resolved_at=parse_time(r[3]) if r[3] else None,
            severity=r[4],
            root_cause=r[5],
            deployment=r[6],
        )
        for r in rows
    ]


def add_deployments(store: Any, records: Iterable[Deployment], *, run_id: str | None = None) -> int:
    """Store deployments in the history ``store`` in one transaction.

    A record written again keeps the run that first recorded it unless ``run_id`` names one.
    """
    return _add(store, "deployments", records, run_id, upsert_deployments)


def add_incidents(store: Any, records: Iterable[Incident], *, run_id: str | None = None) -> int:
    return _add(store, "incidents", records, run_id, upsert_incidents)


def deployments(store: Any, environment: str | None = None) -> list[Deployment]:
    found: list[Deployment] = store.read(lambda conn: query_deployments(conn, environment))
    return found


def incidents(store: Any) -> list[Incident]:
    found: list[Incident] = store.read(query_incidents)
    return found


def _add(
    store: Any, table: str, records: Iterable[Deployment | Incident], run_id: str | None, upsert: Callable[..., object]
) -> int:
    records = list(records)

    def work(conn: sqlite3.Connection) -> None:
        known = dict(conn.execute(f"SELECT id, run_id FROM {table}").fetchall())  # noqa: S608 - a fixed name
        for record in records:
            upsert(conn, [record], run_id=run_id or known.get(record.id))

    if records:
        store.write(f"store {table} in", work)
    return len(records)
