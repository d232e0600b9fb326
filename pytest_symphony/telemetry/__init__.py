"""Telemetry: per-attempt records, the JSONL run log and the SQLite history."""

from typing import Any

from .records import (
    STATUSES,
    AttemptRecord,
    EventRecord,
    RunRecord,
    StepRecord,
    make_attempt,
    make_event,
    make_run,
    new_correlation_id,
    new_run_id,
    normalize_timestamp,
    summarize_error,
    utc_now,
)

#: Names loaded on first use: importing the package (its area plugin, say) costs no sqlite3.
_LAZY = {
    "MIGRATIONS": "store",
    "HistoryError": "store",
    "HistoryStore": "store",
    "HistoryVersionError": "store",
    "schema_version_newest": "store",
    "TelemetryWriteError": "writer",
    "TelemetryWriter": "writer",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)


__all__ = [
    "STATUSES",
    "AttemptRecord",
    "EventRecord",
    "RunRecord",
    "StepRecord",
    "make_attempt",
    "make_event",
    "make_run",
    "new_correlation_id",
    "new_run_id",
    "normalize_timestamp",
    "summarize_error",
    "utc_now",
    "MIGRATIONS",
    "HistoryError",
    "HistoryStore",
    "HistoryVersionError",
    "schema_version_newest",
    "TelemetryWriteError",
    "TelemetryWriter",
]
