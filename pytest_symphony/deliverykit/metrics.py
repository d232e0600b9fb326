"""Beats 13-14, Stabilize and Measure Usage & Impact: the four keys, the guide's other
metrics, and a verdict per hypothesis.

Every metric is a :class:`~.records.Metric`: a value with its source, or "not measured:
<missing source>".  Gates that judge a metric against a target take ``enforce``: False
(below the ``f`` dynamic) turns a missed target into a warning on the result instead of
a failure.  The guide's other metrics:

* ``build_success_rate``: passed runs over complete runs (ended) of the build sequence
  in the history;
* ``coverage``: from beat 7;
* ``feature_toggle_adoption``: in-scope features guarded by a flag over in-scope features;
* ``exploration_to_release_days_median``: per released feature, its first successful
  production deployment minus its earliest research record, median in days;
* ``customer_satisfaction``: the CSAT of beat 15.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TypeVar

from ..paths import shown_path
from ..telemetry.store import HistoryError, HistoryStore
from . import git
from .dora import FourKeys, changes_from_git, four_keys, successful_production
from .errors import DeliveryError, Finding
from .inputs import (
    Loaded,
    load_deployments,
    load_flag_document,
    load_hypotheses,
    load_incidents,
    load_measurements,
    load_research,
    load_roadmap,
)
from .records import Deployment, Hypothesis, Incident, Metric
from .settings import DeliverySettings
from .timeutil import iso, utc_now
from .wsjf import feature_flag

R = TypeVar("R")  # a gate's result, returned or carried by its DeliveryError

__all__ = [
    "MeasureResult",
    "StabilizeResult",
    "Verdict",
    "build_outcomes",
    "build_success_rate",
    "judge",
    "measure",
    "project_four_keys",
    "stabilize",
]


@dataclass(frozen=True)
class _ProductionHistory:
    """The project's deployment and incident records, its successful production deployments and
    their changes from git: what the four keys and the release times are computed from."""

    deployments: Loaded[Deployment]
    incidents: Loaded[Incident]
    successful: list[Deployment]
    changes: dict[str, tuple[str, ...]]
    commit_times: dict[str, datetime]


def _production_history(settings: DeliverySettings) -> _ProductionHistory:
    deployments = load_deployments(settings)
    incidents = load_incidents(settings)
    successful = successful_production(deployments, settings.environment)
    changes, times = changes_from_git(settings.root, successful) if successful else ({}, {})
    return _ProductionHistory(deployments, incidents, successful, changes, times)


def project_four_keys(settings: DeliverySettings, *, now: datetime | None = None) -> FourKeys:
    """The four keys of the project: its deployment and incident records, and its git history."""
    return _four_keys_of(settings, _production_history(settings), now or utc_now())


def _four_keys_of(settings: DeliverySettings, production: _ProductionHistory, now: datetime) -> FourKeys:
    deployments, incidents = production.deployments, production.incidents
    sources = {
        "deployments": shown_path(deployments.path, settings.root),
        "incidents": shown_path(incidents.path, settings.root),
    }
    return four_keys(
        deployments.records if deployments.present else None,
        incidents.records if incidents.present else None,
        production.changes,
        production.commit_times,
        now=now,
        window_days=settings.window_days,
        environment=settings.environment,
        sources=sources,
    )


def _enforce_gate(gate: str, findings: list[Finding], enforce: bool, result: R) -> R:
    if findings and enforce:
        raise DeliveryError(gate, findings, result=result)
    return result


@dataclass(frozen=True)
class StabilizeResult:
    four_keys: FourKeys
    max_change_failure_rate: float
    warnings: tuple[Finding, ...] = ()
    misses: tuple[Finding, ...] = ()  #: targets missed that ``enforce=False`` did not fail (also in warnings)

    def to_json(self) -> dict[str, Any]:
        return {
            "change_failure_rate": self.four_keys.change_failure_rate.to_json(),
            "max_change_failure_rate": self.max_change_failure_rate,
            "warnings": [w.to_json() for w in self.warnings],
        }


def stabilize(
    settings: DeliverySettings,
    *,
    now: datetime | None = None,
    enforce: bool = True,
    max_change_failure_rate: float | None = None,
) -> StabilizeResult:
    """Beat 13: the change failure rate in the window is at most ``max_change_failure_rate``
    (default the setting of that name, 0.15: DevLake's medium band)."""
    if max_change_failure_rate is None:
        max_change_failure_rate = settings.max_change_failure_rate
    keys = project_four_keys(settings, now=now)
    rate = keys.change_failure_rate
    findings = []
    if rate.value is not None and rate.value > max_change_failure_rate:
        findings.append(
            Finding(
                f"change failure rate {rate.value:.1%} over the last {settings.window_days:g} days "
                f"is above {max_change_failure_rate:.0%} (failed: {', '.join(keys.failed_deployments)})",
                rate.source,
                0,
                "stabilize before releasing more: fix the causes of the incidents",
            )
        )
    warnings = [] if rate.measured else [Finding(f"change failure rate: not measured: {rate.missing}")]
    misses = tuple(findings if not enforce else [])
    result = StabilizeResult(keys, max_change_failure_rate, misses + tuple(warnings), misses)
    return _enforce_gate("stabilize", findings, enforce, result)


def build_outcomes(
    history: Path,
    sequence: str = "build",
    limit: int = 50,
    complete: Callable[[str | None, set[tuple[Any, Any]]], bool] | None = None,
) -> list[bool] | None:
    """Passed (True) or not for each complete run of ``sequence`` in the history, newest first.

    None when there is no history file.  A run counts when it ended and, given ``complete``
    (called with the run's dynamic and the ``(movement number, beat number)`` pairs it ran), when it ran
    every beat its dynamic selects: a ``-k`` selection says nothing about success.  A run
    passed when none of its beats' last attempts failed, errored or timed out.
    """
    if not Path(history).is_file():
        return None
    outcomes = []
    try:
        with HistoryStore(history) as store:
            for run in store.runs(limit=limit * 4):
                if not run.get("ended_at"):
                    continue
                attempts = store.attempts(run_id=run["run_id"], sequence=sequence)
                if not attempts or (
                    complete is not None
                    and not complete(
                        run.get("dynamic"), {(a.get("movement_number"), a.get("beat_number")) for a in attempts}
                    )
                ):
                    continue
                last = {a.get("nodeid") or a["id"]: a.get("status") for a in attempts}
                outcomes.append(not any(s in ("failed", "error", "timeout") for s in last.values()))
                if len(outcomes) >= limit:
                    break
    except HistoryError:
        return None
    return outcomes


def build_success_rate(outcomes: Sequence[bool] | None, source: str = "history") -> Metric:
    if outcomes is None:
        return Metric.not_measured("build_success_rate", "no run history")
    if not outcomes:
        return Metric.not_measured("build_success_rate", "no complete build run in the history")
    return Metric("build_success_rate", sum(outcomes) / len(outcomes), "", f"{source} ({len(outcomes)} runs)")


@dataclass(frozen=True)
class Verdict:
    hypothesis: str
    feature: str
    verdict: str  #: validated, refuted, inconclusive
    reason: str
    value: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "hypothesis": self.hypothesis,
            "feature": self.feature,
            "verdict": self.verdict,
            "reason": self.reason,
            "value": self.value,
        }


def release_time(
    feature: str, history: Sequence[git.Commit], successful: Sequence[Deployment], changes: Mapping[str, Sequence[str]]
) -> datetime | None:
    """The success time of the first successful production deployment holding the feature's first commit."""
    first = git.first_commit_for(history, feature)
    if first is None:
        return None
    return next((d.success_time for d in successful if first.sha in changes.get(d.id, ())), None)


def judge(
    hypothesis: Hypothesis,
    *,
    start: datetime | None,
    now: datetime,
    metrics: Mapping[str, Metric],
    measurements: Sequence[Any] = (),
) -> Verdict:
    """The verdict on one hypothesis at ``now``; judged only once its window is over."""
    h = hypothesis
    begin = h.start or start
    if begin is None:
        return Verdict(h.id, h.feature, "inconclusive", f"{h.feature} is not released yet")
    end = begin + timedelta(days=h.window_days)
    in_window = [
        m
        for m in measurements
        if m.metric == h.metric and begin <= m.measured_at <= end and m.feature in (None, h.feature)
    ]
    if in_window:
        value, source = max(in_window, key=lambda m: m.measured_at).value, "measurements"
    elif h.metric in metrics and metrics[h.metric].measured:
        value, source = metrics[h.metric].value, metrics[h.metric].source
    else:
        missing = metrics[h.metric].missing if h.metric in metrics else f"no measurement of {h.metric!r} in the window"
        return Verdict(h.id, h.feature, "inconclusive", f"not measured: {missing}")
    comparison = ">=" if h.direction == "at_least" else "<="
    if now < end:
        return Verdict(
            h.id,
            h.feature,
            "inconclusive",
            f"window ends {iso(end)}; {h.metric} = {value:g} so far (target {comparison} {h.target:g}, from {source})",
            value,
        )
    met = h.met_by(value)
    return Verdict(
        h.id,
        h.feature,
        "validated" if met else "refuted",
        f"{h.metric} = {value:g}, target {comparison} {h.target:g} (from {source})",
        value,
    )


@dataclass(frozen=True)
class MeasureResult:
    four_keys: FourKeys
    metrics: Mapping[str, Metric]
    verdicts: tuple[Verdict, ...]
    warnings: tuple[Finding, ...] = field(default=())
    misses: tuple[Finding, ...] = field(default=())  #: refuted hypotheses that ``enforce=False`` did not fail

    def to_json(self) -> dict[str, Any]:
        return {
            "metrics": {k: m.to_json() for k, m in self.metrics.items()},
            "verdicts": [v.to_json() for v in self.verdicts],
            "four_keys": self.four_keys.to_json(),
            "warnings": [w.to_json() for w in self.warnings],
        }


def _toggle_adoption(settings: DeliverySettings, features: Sequence[str]) -> Metric:
    name = "feature_toggle_adoption"
    if not features:
        return Metric.not_measured(name, "no feature in scope")
    if not settings.path("flags").is_file():
        return Metric.not_measured(name, f"no flags file ({shown_path(settings.path('flags'), settings.root)})")
    flags = load_flag_document(settings)[0]["flags"]
    items = {i.id: i for i in load_roadmap(settings)}
    guarded = [f for f in features if feature_flag(f, items) in flags]
    return Metric(name, len(guarded) / len(features), "", shown_path(settings.path("flags"), settings.root))


def _exploration_to_release(
    settings: DeliverySettings,
    history: Sequence[git.Commit],
    successful: Sequence[Deployment],
    changes: Mapping[str, Sequence[str]],
) -> Metric:
    name = "exploration_to_release_days_median"
    research = load_research(settings)
    if not research.present:
        return Metric.not_measured(name, f"no research records ({shown_path(research.path, settings.root)})", "days")
    days = []
    for feature in sorted({f for r in research for f in r.features}):
        released = release_time(feature, history, successful, changes)
        if released is not None:
            explored = min(r.date for r in research if feature in r.features)
            days.append((released - explored).total_seconds() / 86400)
    if not days:
        return Metric.not_measured(name, "no researched feature is released yet", "days")
    return Metric(name, statistics.median(days), "days", "research records + deployments + git")


def measure(
    settings: DeliverySettings,
    *,
    now: datetime | None = None,
    features: Sequence[str] = (),
    extra: Mapping[str, Metric] | None = None,
    history: Path | None = None,
    enforce: bool = True,
    complete_build: Callable[[str | None, set[tuple[Any, Any]]], bool] | None = None,
) -> MeasureResult:
    """Beat 14: every metric, then a verdict per hypothesis; a refuted one is a missed target.

    ``extra`` adds metrics measured by earlier beats (``coverage`` from beat 7,
    ``customer_satisfaction`` from beat 15); ``history`` is the run history (SQLite);
    ``complete_build`` tells a complete build run (see :func:`build_outcomes`).
    """
    now = now or utc_now()
    production = _production_history(settings)
    keys = _four_keys_of(settings, production, now)
    metrics: dict[str, Metric] = {m.name: m for m in keys.metrics()}
    metrics["build_success_rate"] = build_success_rate(
        build_outcomes(history, complete=complete_build) if history else None
    )
    metrics["coverage"] = Metric.not_measured("coverage", "the test beat (test_suite) has not run", "%")
    metrics["customer_satisfaction"] = Metric.not_measured(
        "customer_satisfaction", "the feedback beat has not run", "%"
    )
    metrics["feature_toggle_adoption"] = _toggle_adoption(settings, features)
    commits = git.commits(settings.root, ["HEAD"], files=False)
    metrics["exploration_to_release_days_median"] = _exploration_to_release(
        settings, commits, production.successful, production.changes
    )
    metrics.update(extra or {})
    measurements = load_measurements(settings).records
    hypotheses = load_hypotheses(settings)
    verdicts = tuple(
        judge(
            h,
            start=release_time(h.feature, commits, production.successful, production.changes),
            now=now,
            metrics=metrics,
            measurements=measurements,
        )
        for h in hypotheses
    )
    findings = _refuted(settings, hypotheses, verdicts)
    warnings = [Finding(str(m)) for m in metrics.values() if not m.measured]
    misses = tuple(findings) if not enforce else ()
    result = MeasureResult(keys, metrics, verdicts, tuple(warnings) + misses, misses)
    return _enforce_gate("measure", findings, enforce, result)


def _refuted(settings: DeliverySettings, hypotheses: Loaded[Hypothesis], verdicts: Sequence[Verdict]) -> list[Finding]:
    """A finding at its hypothesis's line for each refuted hypothesis: a missed target."""
    display = shown_path(hypotheses.path, settings.root)
    line = {h.id: h.line for h in hypotheses}
    return [
        Finding(
            f"hypothesis {v.hypothesis} is refuted: {v.reason}",
            display,
            line[v.hypothesis],
            "learn from it (retro) and decide: pivot, persevere or remove the feature",
        )
        for v in verdicts
        if v.verdict == "refuted"
    ]
