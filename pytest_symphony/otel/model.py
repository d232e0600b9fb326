"""What a trace reads from a telemetry record: its run, its place, its times, its outcome.

The records are the only input (on the controller they arrive from every xdist worker),
so a trace is the same whichever worker ran the beats.  Times are the records' own
``started_at`` / ``ended_at`` as integer nanoseconds; a movement or a sequence run spans
its first start to its last end, and ends with its first failing status.

No OpenTelemetry import here: plain data, tested without the SDK.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
#: Statuses that fail a beat, a movement, a sequence run.
FAILING = frozenset({"failed", "timeout", "error"})


def to_ns(text: object) -> int | None:
    """An ISO 8601 timestamp as integer nanoseconds since the epoch (naive means UTC); None if it is not one."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // _MICROSECOND * 1000


def times(record: dict[str, Any]) -> tuple[int, int] | None:
    """A record's (start, end); one time missing: the other for both; both missing (or no record): None."""
    start, end = to_ns(record.get("started_at")), to_ns(record.get("ended_at"))
    if start is None:
        return None if end is None else (end, end)
    return start, (start if end is None or end < start else end)


def run_key(record: dict[str, Any]) -> str:
    """The sequence run a record belongs to: its correlation id (or its sequence in its pytest run)."""
    return str(record.get("correlation_id") or f"{record.get('sequence')}@{record.get('run_id')}")


def is_scenario(record: dict[str, Any]) -> bool:
    kind: object = record.get("kind", "beat")
    return kind == "scenario"


class Outcome:
    """Times and status of a group (a beat, a movement, a sequence run) as its records come in.

    Its status is its first failing record's (strict order: that one stopped the rest), else
    ``passed`` when anything passed, else ``skipped``; ``failing`` is that record.
    """

    __slots__ = ("start", "end", "passed", "failing", "last")

    def __init__(self) -> None:
        self.start: int | None = None
        self.end: int | None = None
        self.passed = False
        self.failing: dict[str, Any] | None = None
        self.last: dict[str, Any] | None = None

    def add(self, record: dict[str, Any], start: int, end: int, status: str | None = None) -> None:
        self.start = start if self.start is None or start < self.start else self.start
        self.end = end if self.end is None or end > self.end else self.end
        status = status or str(record.get("status") or "")
        if status in FAILING and self.failing is None:
            self.failing = record
        self.passed = self.passed or status == "passed"
        self.last = record

    def merge(self, other: "Outcome") -> None:
        if other.start is not None and other.last is not None:
            self.add(other.failing or other.last, other.start, other.end or other.start, other.status)

    @property
    def status(self) -> str:
        if self.failing is not None:
            return str(self.failing.get("status"))
        return "passed" if self.passed or self.last is None else "skipped"
