"""Telemetry: per-attempt records, the JSONL run log and the SQLite history."""

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
from .store import MIGRATIONS, HistoryError, HistoryStore, HistoryVersionError, schema_version_newest
from .writer import TelemetryWriteError, TelemetryWriter

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
