"""Small, exact statistics the report needs: medians, nearest-rank percentiles, trends, bands.

Kept dependency-free and deterministic so the three formats always agree on a number.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

#: The guide's bands, best first: (lower bound inclusive, name).  Same as conformity's.
BANDS: tuple[tuple[float, str], ...] = (
    (0.95, "Excellent"),
    (0.85, "Good"),
    (0.75, "Acceptable"),
    (0.65, "Needs attention"),
    (0.0, "Critical"),
)

#: Traffic-light colour of each band (the dashboard and the Markdown badges use it).
BAND_STATUS = {
    "Excellent": "green",
    "Good": "green",
    "Acceptable": "yellow",
    "Needs attention": "yellow",
    "Critical": "red",
}


def band(value: float | None) -> str | None:
    """The band of a 0-1 value (rounded to 4 places first), or None for no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    rounded = round(min(1.0, max(0.0, float(value))), 4)
    for lower, name in BANDS:
        if rounded >= lower:
            return name
    return BANDS[-1][1]


def median(values: Sequence[float]) -> float | None:
    return _median_of_sorted(sorted(values)) if values else None


def _median_of_sorted(ordered: Sequence[float]) -> float:
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0-100): always a value that was measured."""
    return _percentile_of_sorted(sorted(values), q) if values else None


def _percentile_of_sorted(ordered: Sequence[float], q: float) -> float:
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def timing(values: Sequence[float]) -> dict[str, Any]:
    """``{count, median, p95, min, max, last}`` of durations given oldest first."""
    if not values:
        return {"count": 0, "median": None, "p95": None, "min": None, "max": None, "last": None}
    ordered = sorted(values)  # once for every figure (a full history's beat has 10,000 values)
    return {
        "count": len(values),
        "median": rnd(_median_of_sorted(ordered)),
        "p95": rnd(_percentile_of_sorted(ordered, 95)),
        "min": rnd(ordered[0]),
        "max": rnd(ordered[-1]),
        "last": rnd(values[-1]),
    }


def trend_pct(values: Sequence[float], baseline_runs: int = 10) -> float | None:
    """The last value against the median of up to ``baseline_runs`` values before it, in percent."""
    if len(values) < 2:
        return None
    base = median(values[-1 - baseline_runs : -1])
    if not base:
        return None
    return rnd((values[-1] - base) / base * 100, 1)


def rate(part: int, whole: int) -> float | None:
    return None if not whole else rnd(part / whole, 4)


def rnd(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(float(value), places)


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values given (None skipped), or None."""
    items = [v for v in values if v is not None]
    return rnd(sum(items) / len(items), 4) if items else None


#: A beat's last duration regressed when it is this many times its baseline median...
REGRESSION_RATIO = 1.5
#: ...and at least this much slower (ms), so sub-millisecond noise never counts.
REGRESSION_MIN_DELTA_MS = 10.0
#: The baseline: the median of up to this many earlier runs (at least MIN of them).
BASELINE_RUNS = 10
BASELINE_MIN_RUNS = 3


def regression(values: Sequence[float]) -> dict[str, Any] | None:
    """The last value against the baseline of earlier runs, when it regressed; else None."""
    if len(values) < BASELINE_MIN_RUNS + 1:
        return None
    earlier = values[-1 - BASELINE_RUNS : -1]
    base = median(earlier) or 0.0
    last = values[-1]
    if last - base < REGRESSION_MIN_DELTA_MS or last < base * REGRESSION_RATIO:
        return None
    return {
        "baseline_ms": rnd(base),
        "last_ms": rnd(last),
        "ratio": rnd(last / base, 2) if base else None,
        "baseline_runs": len(earlier),
    }
