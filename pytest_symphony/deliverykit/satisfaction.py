"""Beat 15, Learn from Feedback: CSAT and NPS from the feedback records, or a recorded waiver.

* CSAT: the percentage of ``csat`` answers (1-5) that are 4 or 5.
* NPS: the percentage of ``nps`` answers (0-10) that are 9 or 10, minus the percentage
  that are 0 to 6.

Answers count when dated in the window.  With none, the beat needs a waiver in
``[tool.symphony.delivery.feedback_waiver]`` (``reason``, ``approved_by``, ``until``, not
yet past).  ``csat_target`` and ``nps_target`` are targets: a miss fails when
``enforce``, else it is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from ..paths import shown_path
from .errors import DeliveryError, Finding
from .inputs import load_feedback
from .records import Metric
from .settings import DeliverySettings
from .timeutil import parse_time, utc_now

__all__ = ["FeedbackResult", "csat", "feedback", "nps"]


def csat(scores: list[int]) -> float:
    return 100.0 * sum(1 for s in scores if s >= 4) / len(scores)


def nps(scores: list[int]) -> float:
    return 100.0 * (sum(1 for s in scores if s >= 9) - sum(1 for s in scores if s <= 6)) / len(scores)


@dataclass(frozen=True)
class FeedbackResult:
    csat: Metric
    nps: Metric
    responses: int
    waiver: Mapping[str, Any] | None = None
    warnings: tuple[Finding, ...] = ()

    @property
    def misses(self) -> tuple[Finding, ...]:
        """Targets missed that ``enforce=False`` did not fail (every warning here is one)."""
        return self.warnings

    def to_json(self) -> dict[str, Any]:
        return {
            "csat": self.csat.to_json(),
            "nps": self.nps.to_json(),
            "responses": self.responses,
            "waiver": dict(self.waiver) if self.waiver else None,
            "warnings": [w.to_json() for w in self.warnings],
        }


def _waiver_problem(waiver: Mapping[str, Any] | None, now: datetime) -> str | None:
    if waiver is None:
        return "no feedback records in the window and no waiver"
    missing = [k for k in ("reason", "approved_by", "until") if not str(waiver.get(k) or "").strip()]
    if missing:
        return f"the feedback waiver lacks {', '.join(missing)}"
    try:
        until = parse_time(str(waiver["until"]))
    except ValueError as exc:
        return f"the feedback waiver's until: {exc}"
    return f"the feedback waiver expired on {waiver['until']}" if until < now else None


def feedback(settings: DeliverySettings, *, now: datetime | None = None, enforce: bool = True) -> FeedbackResult:
    """Beat 15: CSAT/NPS of the window, or a valid waiver; targets judged per ``enforce``."""
    now = now or utc_now()
    start = now - timedelta(days=settings.window_days)
    records = load_feedback(settings)
    source = shown_path(records.path, settings.root)
    window = [r for r in records if start < r.date <= now]
    csat_scores = [r.score for r in window if r.kind == "csat"]
    nps_scores = [r.score for r in window if r.kind == "nps"]
    csat_m = (
        Metric("customer_satisfaction", csat(csat_scores), "%", f"{source} ({len(csat_scores)} answers)")
        if csat_scores
        else Metric.not_measured("customer_satisfaction", f"no CSAT answer in the window ({source})", "%")
    )
    nps_m = (
        Metric("net_promoter_score", nps(nps_scores), "", f"{source} ({len(nps_scores)} answers)")
        if nps_scores
        else Metric.not_measured("net_promoter_score", f"no NPS answer in the window ({source})")
    )
    waiver = None
    if not window:
        problem = _waiver_problem(settings.feedback_waiver, now)
        if problem:
            raise DeliveryError(
                "feedback",
                [
                    Finding(
                        problem,
                        *settings.where("feedback_waiver"),
                        f"add feedback records under {source}, or a waiver: "
                        "feedback_waiver = {reason, approved_by, until}",
                    )
                ],
            )
        waiver = settings.feedback_waiver
    misses = []
    for metric, target, key in (
        (csat_m, settings.csat_target, "csat_target"),
        (nps_m, settings.nps_target, "nps_target"),
    ):
        if target is not None and metric.value is not None and metric.value < target:
            misses.append(
                Finding(
                    f"{metric.name} {metric.value:.1f} is below the target {target:g}",
                    *settings.where(key),
                    "read the comments of the low scores and act on them",
                )
            )
    result = FeedbackResult(csat_m, nps_m, len(window), waiver, tuple(misses) if not enforce else ())
    if misses and enforce:
        raise DeliveryError("feedback", misses, result=result)
    return result
