"""A batch of attempt records as rows: ``attempts`` and, pointing at them, events, metrics, steps, checkpoints.

Both ways attempts reach the history call it inside their write transaction: a run's batches
and imported JSONL (``RunsMixin.store_run_records``) and ``HistoryStore.add_attempts``.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Callable

from . import values
from .checkpoints import checkpoint_rows, insert_checkpoints
from .findings import ensure_runs
from .records import normalize_timestamp

_ATTEMPT_COLUMNS = (
    "id", "run_id", "correlation_id", "sequence", "movement", "beat", "beat_number",
    "movement_number", "handler", "nodeid", "started_at", "ended_at", "duration_ms",
    "status", "attempt", "error", "dynamic", "spec_file", "spec_line", "spec_hash",
    "kind", "target", "parent_correlation_id", "parent_nodeid",
)  # fmt: skip

_TIMESTAMP_FIELDS = frozenset({"started_at", "ended_at"})


def _json(value: Any) -> str:
    return values.dumps(value, sort_keys=True)


def _converter(column: str) -> Callable[[Any], Any]:
    """How a record's value is stored in ``column``; chosen once per column, not per value."""
    if column in _TIMESTAMP_FIELDS:
        return lambda value: values.text(normalize_timestamp(value))
    if column == "duration_ms":
        return values.real
    if column in ("beat_number", "movement_number", "attempt", "spec_line"):
        return values.integer
    if column == "kind":
        return lambda value: values.text(value) or "beat"
    return values.text


def insert_attempts(conn: sqlite3.Connection, batch: list[Any]) -> None:
    """Insert attempts with their events, metrics and steps (inside a write transaction)."""
    # Holding the write lock, the next ids are ours: assign them so events and
    # metrics can point at their attempt while everything goes in via executemany.
    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM attempts").fetchone()[0]
    ensure_runs(conn, {values.text(r["run_id"]) for r in batch})
    attempt_rows = []
    event_rows = []
    metric_rows = []
    step_rows = []
    checkpoint_list: list[tuple[Any, ...]] = []
    converters = [(column, _converter(column)) for column in _ATTEMPT_COLUMNS[1:]]
    text, real = values.text, values.real
    for offset, record in enumerate(batch):
        attempt_id = first + offset
        attempt_rows.append((attempt_id, *(convert(record.get(column)) for column, convert in converters)))
        checkpoint_list += checkpoint_rows(attempt_id, record)
        run_id, sequence = text(record.get("run_id")), text(record.get("sequence"))
        for event in record.get("events") or ():
            event_rows.append(
                (
                    attempt_id,
                    run_id,
                    sequence,
                    text(event.get("name")),
                    _json(event.get("payload") or {}),
                    text(normalize_timestamp(event.get("at"))),
                )
            )
        for name, value in (record.get("metrics") or {}).items():
            metric_rows.append((attempt_id, run_id, sequence, text(str(name)), real(value)))
        for position, step in enumerate(record.get("steps") or (), start=1):
            step = step if isinstance(step, dict) else {"text": step}
            step_rows.append(
                (
                    attempt_id,
                    run_id,
                    position,
                    text(step.get("text")),
                    text(step.get("status")),
                    real(step.get("duration_ms")),
                )
            )
    conn.executemany(
        f"INSERT INTO attempts ({', '.join(_ATTEMPT_COLUMNS)}) VALUES ({', '.join('?' * len(_ATTEMPT_COLUMNS))})",
        attempt_rows,
    )
    conn.executemany(
        "INSERT INTO events (attempt_id, run_id, sequence, name, payload_json, at) VALUES (?, ?, ?, ?, ?, ?)",
        event_rows,
    )
    conn.executemany(
        "INSERT INTO metrics (attempt_id, run_id, sequence, name, value) VALUES (?, ?, ?, ?, ?)", metric_rows
    )
    conn.executemany(
        "INSERT INTO steps (attempt_id, run_id, position, text, status, duration_ms) VALUES (?, ?, ?, ?, ?, ?)",
        step_rows,
    )
    insert_checkpoints(conn, checkpoint_list)


__all__ = ["insert_attempts"]
