"""Governance as code for the delivery symphony: each movement's visibility and consistency, and
"metrics reported weekly", judged when the movement's last beat passes.

The scores come from :mod:`pytest_symphony.deliverykit.governance`; they are recorded as the beat's
metrics ``visibility`` and ``consistency`` (what conformity's GOVERNANCE_THRESHOLD_BREACHED reads
from the last run) and enforced through the build's threshold check
(:func:`pytest_symphony.buildkit.check_thresholds`) against governance ``thresholds`` of the spec,
else the guide's 70%.  A score that cannot be measured yet (no complete run, never measured) is a
:class:`~pytest_symphony.warning_types.DeliveryGovernanceWarning`, never a pass in disguise.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Iterable, Mapping

from pytest_symphony import buildkit as bk
from pytest_symphony import deliverykit as dk
from pytest_symphony.deliverykit.timeutil import utc_now
from pytest_symphony.errors import SymphonyError
from pytest_symphony.runtime import dynamics
from pytest_symphony.runtime.context import SequenceRun
from pytest_symphony.score.model import Movement, Sequence
from pytest_symphony.warning_types import DeliveryGovernanceWarning

from .delivery_support import MEASURE_HANDLER, Delivery, evidence_name

__all__ = ["govern", "movement_of"]


def movement_of(symphony: SequenceRun) -> Movement:
    """The movement of the beat running now."""
    beat = symphony.beat
    return next(m for m in symphony.sequence.movements if any(b is beat for b in m.beats))


def _threshold(governance: Mapping[str, Any], name: str) -> float:
    table = governance.get("thresholds") if isinstance(governance, Mapping) else None
    value = table.get(name) if isinstance(table, Mapping) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) / 100 if value > 1 else float(value)
    return dk.governance.DEFAULT_THRESHOLD


def govern(symphony: SequenceRun, ctx: Delivery) -> dict[str, Any] | None:
    """At the last beat of a movement: score it, record the scores, fail below the thresholds."""
    movement = movement_of(symphony)
    if movement.beats[-1] is not symphony.beat:
        return None
    sequence = symphony.sequence
    runs_at = _beats_run_at(movement)
    here = [b for b in movement.beats if b.slug in runs_at(symphony.dynamic)]
    seen = dk.visibility(ctx.settings, ctx.version, [evidence_name(b) for b in here], movement.title)
    steady = dk.consistency(
        ctx.history,
        sequence.id,
        movement.slug,
        runs_at,
        exclude_run=ctx.run_id,
        current={b.slug: "passed" for b in here},
    )
    age = dk.measurement_age(
        ctx.history,
        sequence.id,
        MEASURE_HANDLER,
        now=utc_now(),
        exclude_run=ctx.run_id,
        measured_now=bool(symphony.state.get("delivery_measured")),
    )
    scores, failures = _scores_against_thresholds(symphony, movement, [seen, steady])
    failures += _reporting_cadence(symphony, age)
    report = {
        "movement": movement.title,
        "visibility": seen.to_json(),
        "consistency": steady.to_json(),
        "days_since_measurement": age.to_json(),
        "failures": failures,
    }
    dk.write_evidence(ctx.settings, ctx.version, f"governance-{movement.id or movement.slug}", report)
    symphony.emit(
        "delivery:governance", movement=movement.title, **scores, days_since_measurement=age.value, failures=failures
    )
    if failures:
        raise SymphonyError(f"governance of {movement.title} fails:\n" + "\n".join(f"  {f}" for f in failures))
    return report


def _beats_run_at(movement: Movement) -> Callable[[str | None], set[str]]:
    """The slugs of the movement's beats a run at a dynamic runs (no dynamic, or an unknown one: the default)."""

    def runs_at(dynamic: str | None) -> set[str]:
        level = dynamic if dynamics.is_dynamic(dynamic) else dynamics.DEFAULT
        return {b.slug for b in movement.beats if dynamics.allows(level, dynamics.required(b, movement))}

    return runs_at


def _scores_against_thresholds(
    symphony: SequenceRun, movement: Movement, metrics: Iterable[dk.Metric]
) -> tuple[dict[str, float], list[str]]:
    """Each measured score (recorded as a beat metric) and the failures of those below the spec's
    thresholds; a score not measured yet is a warning, never a pass in disguise."""
    scores: dict[str, float] = {}
    failures: list[str] = []
    for metric in metrics:
        if metric.value is None:  # not measured
            warnings.warn(DeliveryGovernanceWarning(f"{movement.title}: {metric}"), stacklevel=3)
            continue
        symphony.metric(metric.name, metric.value)
        scores[metric.name] = metric.value
        limit = _threshold(symphony.sequence.governance, metric.name)
        thresholds = bk.Thresholds(symphony.dynamic, limit, "CRITICAL", "the governance policy")
        failures += [
            f"{line} ({metric.source})"
            for line in bk.check_thresholds([], {f"{metric.name} of {movement.title}": metric.value}, thresholds)
        ]
    return scores, failures


def _reporting_cadence(symphony: SequenceRun, age: dk.Metric) -> list[str]:
    """The guide's "metrics reported weekly": a failure when the last measurement run is older than
    that, a warning (once a run) when there is none yet."""
    if age.value is not None:  # measured
        symphony.metric(age.name, age.value)
        if age.value > dk.governance.REPORT_EVERY_DAYS:
            sequence = symphony.sequence
            return [
                f"metrics are reported weekly, but the last measurement run was {age.value:.1f} days "
                f"ago ({age.source}); run the release movement: pytest --symphony={sequence.id}/"
                f"{_release_movement(sequence)}"
            ]
    elif not symphony.state.get("delivery_unmeasured_warned"):  # once a run, not once a movement
        symphony.state["delivery_unmeasured_warned"] = True
        warnings.warn(
            DeliveryGovernanceWarning(f"metrics are reported weekly, but none is measured yet: {age.missing}"),
            stacklevel=3,
        )
    return []


def _release_movement(sequence: Sequence) -> str:
    for movement in sequence.movements:
        if any(b.handler is not None and b.handler.name == MEASURE_HANDLER for b in movement.beats):
            return movement.id or movement.slug
    return "release"
