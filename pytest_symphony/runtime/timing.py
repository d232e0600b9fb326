"""Durations as specs write them: 1500, "2s", "< 500ms", "1.5 min"; and how a timeout is kept."""

from __future__ import annotations

import re

_UNITS_MS = {
    "": 1.0,
    "ms": 1.0,
    "msec": 1.0,
    "millisecond": 1.0,
    "milliseconds": 1.0,
    "s": 1000.0,
    "sec": 1000.0,
    "secs": 1000.0,
    "second": 1000.0,
    "seconds": 1000.0,
    "m": 60_000.0,
    "min": 60_000.0,
    "mins": 60_000.0,
    "minute": 60_000.0,
    "minutes": 60_000.0,
    "h": 3_600_000.0,
    "hr": 3_600_000.0,
    "hour": 3_600_000.0,
    "hours": 3_600_000.0,
}
_DURATION = re.compile(r"^\s*(?:<=|<|≤|under|within|max|at most)?\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")

#: ``timeout_method`` values (beat field or ini ``symphony_timeout_method``); see :mod:`.timeouts`.
TIMEOUT_METHODS = ("thread", "process")

#: Timing words real specs use that are not durations (never a timeout).
KEYWORDS = frozenset(
    {"immediate", "deferred", "after-beat", "after-movement", "async", "sync", "on-demand", "parallel", "sequential"}
)


def parse_duration_ms(value: object) -> float | None:
    """Milliseconds for a duration, or None when ``value`` is not one.

    A bare number is milliseconds; booleans are not durations.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if value >= 0 else None
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value)
    if not match:
        return None
    unit = match.group(2).lower()
    if unit not in _UNITS_MS:
        return None
    return float(match.group(1)) * _UNITS_MS[unit]


def format_ms(ms: float) -> str:
    if ms >= 1000 and ms % 1000 == 0:
        return f"{ms / 1000:g}s"
    if ms >= 1000:
        return f"{ms / 1000:.3g}s"
    return f"{ms:g}ms"
