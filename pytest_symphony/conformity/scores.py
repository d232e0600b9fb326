"""The five conformity scores.

Each dimension (Orchestration, Handler, Governance, Traceability, Dependency) scores
from 0 to 1, computed exactly (with fractions) and rounded to 4 decimal places::

    weight  = CRITICAL 1.0, MAJOR 0.5, MINOR 0.2, INFO 0.0
    penalty = sum of weight(severity) over the dimension's (unsuppressed) violations
    base    = max(0, 1 - penalty / max(1, checked))
    score   = base * 0.64   if any violation of the dimension is CRITICAL
              base          otherwise

``checked`` is the number of items the dimension's checks looked at (see
:class:`~pytest_symphony.conformity.violation.Checked`).

Why this shape:

* Dividing by what was checked makes the score a rate: ten MINOR problems weigh more
  in a five-beat project than in a five-hundred-beat one, so projects of any size
  compare.  ``max(1, checked)`` keeps the score defined when nothing was checked (a
  spec that does not even parse still scores 0 on its one CRITICAL).
* The weights say how many problems of a kind cost one checked item its whole worth:
  one CRITICAL, two MAJOR, five MINOR.  INFO findings (an unused event, an orphan
  handler) are information, not defects, and never lower a score.
* A CRITICAL violation means the run is broken (a handler that does not exist, a spec
  that does not parse), however large the project: the factor 0.64 puts any dimension
  with one in the Critical band, while more or worse violations still score lower.

So the score is 1.0 with no violations, never rises when a violation is added, and
falls further the more severe it is.

Bands (a score is compared after rounding to 4 places; every band includes its lower
bound, so 0.95 is Excellent and 0.9499 is Good): 0.95-1.00 Excellent, 0.85-0.94
Good, 0.75-0.84 Acceptable, 0.65-0.74 Needs attention, below 0.65 Critical.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Mapping

from .codes import Dimension, Severity
from .violation import Checked, Violation

__all__ = [
    "WEIGHTS",
    "CRITICAL_FACTOR",
    "BANDS",
    "PRECISION",
    "band",
    "score_dimension",
    "score_all",
    "DimensionScore",
    "score_details",
]

#: Penalty of one violation, by severity.
WEIGHTS: Mapping[Severity, Fraction] = {
    Severity.CRITICAL: Fraction(1),
    Severity.MAJOR: Fraction(1, 2),
    Severity.MINOR: Fraction(1, 5),
    Severity.INFO: Fraction(0),
}

#: A dimension with any CRITICAL violation is scaled by this (< 0.65: the Critical band).
CRITICAL_FACTOR = Fraction(64, 100)

#: Decimal places scores are rounded to (and bands compared at).
PRECISION = 4

#: (lower bound inclusive, name), best first; below the last bound: "Critical".
BANDS: tuple[tuple[float, str], ...] = (
    (0.95, "Excellent"),
    (0.85, "Good"),
    (0.75, "Acceptable"),
    (0.65, "Needs attention"),
    (0.0, "Critical"),
)


def band(score: float) -> str:
    """The guide's band for a score in [0, 1]."""
    if isinstance(score, bool) or not isinstance(score, (int, float, Fraction)):
        raise TypeError(f"score must be a number, got {score!r}")
    if math.isnan(score) or not 0 <= score <= 1:
        raise ValueError(f"score must lie in [0, 1], got {score!r}")
    rounded = round(float(score), PRECISION)
    for lower, name in BANDS:
        if rounded >= lower:
            return name
    return BANDS[-1][1]  # pragma: no cover - the last bound is 0


def _exact(severities: Iterable[Severity], checked: int) -> Fraction:
    if checked < 0:
        raise ValueError("checked count must not be negative")
    penalty = Fraction(0)
    critical = False
    for s in severities:
        penalty += WEIGHTS[s]
        critical = critical or s is Severity.CRITICAL
    base = max(Fraction(0), 1 - penalty / max(1, checked))
    return base * CRITICAL_FACTOR if critical else base


def score_dimension(severities: Iterable[Severity], checked: int) -> float:
    """Score of one dimension from its violations' severities and its checked count."""
    return round(float(_exact(severities, checked)), PRECISION)


def score_all(
    violations: Iterable[Violation], checked: Checked | Mapping[Dimension | str, int]
) -> dict[Dimension, float]:
    """All five scores, in :class:`Dimension` order.  Pass only unsuppressed violations."""
    return {d: s.score for d, s in score_details(violations, checked).items()}


@dataclass(frozen=True)
class DimensionScore:
    dimension: Dimension
    score: float
    band: str
    checked: int
    counts: Mapping[Severity, int]  # violations by severity, every severity present

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "band": self.band,
            "checked": self.checked,
            "violations": {s.value: self.counts[s] for s in _SEVERITIES_DESC},
        }


_SEVERITIES_DESC = (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.INFO)


def score_details(
    violations: Iterable[Violation], checked: Checked | Mapping[Dimension | str, int]
) -> dict[Dimension, DimensionScore]:
    """Score, band, checked count and severity counts per dimension."""
    if not isinstance(checked, Checked):
        checked = Checked.of(checked)
    by_dim: dict[Dimension, list[Severity]] = {d: [] for d in Dimension}
    for v in violations:
        by_dim[v.dimension].append(v.severity)
    out: dict[Dimension, DimensionScore] = {}
    for d in Dimension:
        sevs = by_dim[d]
        score = score_dimension(sevs, checked[d])
        out[d] = DimensionScore(
            dimension=d,
            score=score,
            band=band(score),
            checked=checked[d],
            counts={s: sevs.count(s) for s in _SEVERITIES_DESC},
        )
    return out
