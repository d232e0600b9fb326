"""Handlers of the built-in delivery symphony (``delivery.yaml``): thin calls into :mod:`pytest_symphony.deliverykit`.

Every handler is registered under the name the spec uses; a project overrides one by
registering a handler of the same name (and may still call the library's gate: see
docs/delivery.md).  Each beat records its numbers with ``symphony.metric``, persists its
result as evidence (``.symphony/delivery/<version>/<name>.json``) so a later movement can run
alone, and, as the last beat of its movement, judges the movement's governance.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from pytest_symphony import deliverykit as dk
from pytest_symphony.deliverykit.features import discover_features
from pytest_symphony.deliverykit.timeutil import utc_now
from pytest_symphony.deliverykit.wsjf import feature_flag
from pytest_symphony.errors import SymphonyError
from pytest_symphony.options import value
from pytest_symphony.pipelines.build_run import built_files, finished_build
from pytest_symphony.pipelines.delivery_governance import govern
from pytest_symphony.pipelines.delivery_steps import missing_steps
from pytest_symphony.pipelines.delivery_support import (
    Delivery,
    at_forte,
    complete_build_run,
    delivery,
    deploy_result_from_json,
    earlier_result,
    earlier_result_or_empty,
    evidence_name,
    from_state,
    metric_from_json,
    record_metrics,
    release_from_state,
    release_to_state,
    require_extra,
    scope_features,
    sync_history,
    warn_missed_targets,
)
from pytest_symphony.pipelines.failures import builtin_handler as handler
from pytest_symphony.runtime.context import SequenceRun
from pytest_symphony.score.model import Beat


def _finish_beat(symphony: SequenceRun, ctx: Delivery, beat: Beat | None, result: Any, **extra: Any) -> None:
    """Keep the result for the next beats, persist it as the beat's evidence, judge the movement."""
    data = {**result.to_json(), **extra} if hasattr(result, "to_json") else {**result, **extra}
    symphony.state[f"delivery_{evidence_name(beat)}"] = data
    ctx.record(beat, data)
    govern(symphony, ctx)


def _feature_files(config: pytest.Config) -> list[Path]:
    root = config.rootpath
    return [p.relative_to(root) for p in discover_features(root, value(config, "symphony_features"))]


# -- 1. Continuous Exploration ------------------------------------------------------------------
@handler("hypothesizeMvp")
def hypothesize_mvp(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    result = dk.scope(ctx.settings)
    symphony.metric("features_in_scope", len(result.features))
    symphony.metric("unreleased_feat_commits", len(result.unreleased_feat_commits))
    _finish_beat(symphony, ctx, beat, result, version=ctx.version)


@handler("collaborateAndResearch")
def collaborate_and_research(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    result = dk.research(ctx.settings, scope_features(ctx, symphony))
    symphony.metric("researched_features", sum(1 for f in result.features if f.records))
    _finish_beat(symphony, ctx, beat, result)


@handler("architectForDelivery")
def architect_for_delivery(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    if dk.design.importlinter_config(ctx.settings.root) is not None:
        require_extra("importlinter", "checking the import-linter contracts")
    result = dk.architecture(ctx.settings)
    symphony.metric("packages", len(result.packages))
    _finish_beat(symphony, ctx, beat, result)


@handler("synthesizeVisionAndRoadmap")
def synthesize_vision_and_roadmap(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    result = dk.roadmap(ctx.settings, _feature_files(pytestconfig))
    symphony.metric("next_items", len(result.ranking))
    _finish_beat(symphony, ctx, beat, result)


# -- 2. Continuous Integration ------------------------------------------------------------------
@handler("developStories")
def develop_stories(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    features = scope_features(ctx, symphony)
    result = dk.develop(
        ctx.settings, missing_steps=missing_steps(pytestconfig, ctx, features, _feature_files(pytestconfig))
    )
    symphony.metric("commits", result.commits)
    record_metrics(symphony, [result.tested_change_share])
    _finish_beat(symphony, ctx, beat, result)


@handler("buildAndAutomate")
def build_and_automate(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    """Runs after the build sub-pipeline: an in-toto/SLSA provenance statement for what it built."""
    ctx = delivery(symphony, pytestconfig)
    try:
        build = symphony.subrun("build")
    except KeyError:
        raise SymphonyError(
            "the build sub-pipeline did not run in this session; run the whole beat "
            f"(pytest --symphony={symphony.sequence.id}/integration)"
        ) from None
    if not build.passed:
        raise SymphonyError(f"the build sub-pipeline failed at beat {build.failed_beat}")
    artifacts, built = built_files(build.state), finished_build(build.state)
    epoch = dk.source_date_epoch(ctx.settings.root)
    used = built.source_date_epoch or {}
    if str(used.get("value")) != str(epoch):
        raise SymphonyError(
            f"the build ran with SOURCE_DATE_EPOCH={used.get('value')} ({used.get('source')}), not "
            f"the commit's {epoch}; unset SOURCE_DATE_EPOCH so the build is the commit's"
        )
    started = built.run_started
    statement = dk.evidence_dir(ctx.settings, ctx.version) / "provenance.intoto.json"
    result = dk.provenance(
        ctx.settings,
        artifacts,
        statement,
        invocation_id=f"{symphony.run_id}/{build.correlation_id}",
        started_on=datetime.fromtimestamp(started, timezone.utc) if started else None,
        parameters={"pipeline": build.sequence_id, "dynamic": symphony.dynamic},
    )
    symphony.metric("artifacts", len(artifacts))
    _finish_beat(
        symphony,
        ctx,
        beat,
        result,
        source_date_epoch=epoch,
        artifacts=[{"path": str(p), "name": p.name, "sha256": result.subjects[p.name]} for p in artifacts],
    )


@handler("testEndToEnd")
def end_to_end_tests(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    result = dk.test_suite(ctx.settings, symphony.artifact_dir / "test-suite")
    record_metrics(symphony, [result.coverage])
    if result.junit is not None:
        symphony.metric("tests", result.junit.tests)
    _finish_beat(symphony, ctx, beat, result)


@handler("stageAndValidate")
def stage_and_validate(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    build = earlier_result(symphony, ctx, "build")
    result = dk.stage(ctx.settings, [Path(a["path"]) for a in build["artifacts"]], version=ctx.version)
    now = utc_now()
    record = dk.Deployment(
        id=f"{ctx.version}-staging-{now.strftime('%Y%m%dT%H%M%S%fZ')}",
        sha=dk.git.head(ctx.settings.root),
        environment="staging",
        created_at=now,
        ref=f"v{ctx.version}",
        statuses=(dk.DeploymentStatus("success", now),),
        payload={"version": ctx.version, "environment": str(result.green), "distributions": dict(result.installed)},
    )
    dk.append_deployment(ctx.settings, record)
    sync_history(ctx, own=[record.id])
    symphony.metric("installed", len(result.installed))
    _finish_beat(symphony, ctx, beat, result, deployment=record.id)


# -- 3. Continuous Deployment (production moves only at f) --------------------------------------
def _new_deployments(ctx: Delivery, before: set[str]) -> list[str]:
    return [d.id for d in dk.load_deployments(ctx.settings) if d.id not in before]


@handler("deployToProduction")
def deploy_to_production(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    if ctx.settings.path("flags").is_file():
        require_extra("openfeature", "checking that new flags are dark")
    stage = earlier_result(symphony, ctx, "stage")
    before = {d.id for d in dk.load_deployments(ctx.settings)}
    try:
        result = dk.deploy(
            ctx.settings,
            version=ctx.version,
            environment=Path(stage["green"]),
            distributions=stage["installed"],
            features=scope_features(ctx, symphony),
        )
    finally:
        sync_history(ctx, own=_new_deployments(ctx, before))
    symphony.metric("deployments", 1)
    _finish_beat(symphony, ctx, beat, result)


@handler("verifyInProduction")
def verify_in_production(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    deployed = deploy_result_from_json(ctx, earlier_result(symphony, ctx, "deploy"))
    try:
        result = dk.verify_production(ctx.settings, deployed)
    finally:
        sync_history(ctx)
    symphony.metric("production_checks", len(result.commands))
    _finish_beat(symphony, ctx, beat, result)


def _live_deployment(ctx: Delivery) -> str | None:
    """The deployment production runs: the last successful one."""
    live = dk.successful_production(dk.load_deployments(ctx.settings), ctx.settings.environment)
    return live[-1].id if live else None


@handler("monitorAndRespond")
def monitor_and_respond(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    deployed = symphony.state.get("delivery_deploy")
    watched = deployed["deployment"]["id"] if deployed else _live_deployment(ctx)
    symphony.state["delivery_watched"] = watched
    sync_history(ctx)
    result = dk.monitor(ctx.settings, watched) if watched else None
    symphony.metric("linked_incidents", len(result.linked) if result else 0)
    data = (
        result.to_json()
        if result
        else {
            "deployment": None,
            "open_severe": [],
            "linked": [],
            "note": "no successful production deployment to monitor",
        }
    )
    _finish_beat(symphony, ctx, beat, data)


# -- 4. Release on Demand -------------------------------------------------------------------------
@handler("releaseFeatures")
def release_features(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    require_extra("openfeature", "measuring the released share of the key sample")
    result = dk.release(ctx.settings)
    symphony.state["delivery_release_undo"] = release_to_state(result)
    symphony.metric("released_share", result.measured_share)
    _finish_beat(symphony, ctx, beat, result)


@handler("stabilize")
def stabilize(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    live = _live_deployment(ctx)
    if live is not None:  # an open severe incident fails at every dynamic
        dk.monitor(ctx.settings, live)
    result = dk.stabilize(ctx.settings, enforce=at_forte(symphony))
    record_metrics(symphony, [result.four_keys.change_failure_rate])
    _finish_beat(symphony, ctx, beat, result, missed=warn_missed_targets(symphony, "stabilize", result.misses))


def _measured_release(ctx: Delivery, symphony: SequenceRun) -> tuple[dict[str, dk.Metric], list[dk.Verdict]]:
    """This release's metrics and verdicts: from beat 14 of this run, else its evidence."""
    data = earlier_result_or_empty(symphony, ctx, "measure")
    metrics = {name: m for name, m in ((n, metric_from_json(j)) for n, j in data.get("metrics", {}).items()) if m}
    return metrics, [dk.Verdict(**v) for v in data.get("verdicts", ())]


@handler("measureUsageAndImpact")
def measure_usage_and_impact(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    extra: dict[str, dk.Metric] = {}
    tests = earlier_result_or_empty(symphony, ctx, "test_suite")
    coverage = metric_from_json(tests.get("coverage")) if tests else None
    if coverage:
        extra["coverage"] = coverage
    try:
        extra["customer_satisfaction"] = dk.feedback(ctx.settings, enforce=False).csat
    except dk.DeliveryError as exc:  # no feedback and no waiver: beat 15 fails on it; here it is not measured
        extra["customer_satisfaction"] = dk.Metric.not_measured("customer_satisfaction", exc.findings[0].message, "%")
    scope = earlier_result_or_empty(symphony, ctx, "scope")
    result = dk.measure(
        ctx.settings,
        features=[f["feature"] for f in scope.get("features", ())],
        extra=extra,
        history=ctx.history,
        enforce=at_forte(symphony),
        complete_build=complete_build_run(),
    )
    record_metrics(symphony, result.metrics.values())
    for verdict in ("validated", "refuted", "inconclusive"):
        symphony.metric(f"hypotheses_{verdict}", sum(1 for v in result.verdicts if v.verdict == verdict))
    symphony.emit(
        "delivery:metrics",
        metrics={n: m.to_json() for n, m in result.metrics.items()},
        window=result.four_keys.to_json()["window"],
        verdicts=[v.to_json() for v in result.verdicts],
    )
    symphony.state["delivery_measured"] = True
    _finish_beat(symphony, ctx, beat, result, missed=warn_missed_targets(symphony, "measure", result.misses))


@handler("learnFromFeedback")
def learn_from_feedback(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    result = dk.feedback(ctx.settings, enforce=at_forte(symphony))
    record_metrics(symphony, [result.csat, result.nps])
    symphony.metric("feedback_responses", result.responses)
    _finish_beat(symphony, ctx, beat, result, missed=warn_missed_targets(symphony, "feedback", result.misses))


@handler("documentLessons")
def document_lessons(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    metrics, verdicts = _measured_release(ctx, symphony)
    result = dk.lessons(ctx.settings, version=ctx.version, metrics=metrics, verdicts=verdicts)
    symphony.metric("changelog_written", int(result.changelog_written))
    symphony.metric("retro_written", int(result.retro_written))
    _finish_beat(symphony, ctx, beat, result)


@handler("planNextIteration")
def plan_next_iteration(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    ctx = delivery(symphony, pytestconfig)
    metrics, verdicts = _measured_release(ctx, symphony)
    released = earlier_result_or_empty(symphony, ctx, "release").get("flag")
    items = {i.id: i for i in dk.load_roadmap(ctx.settings)}
    shipped = [f for f in items if released and feature_flag(f, items) == released]
    result = dk.next_iteration(
        ctx.settings,
        metrics=metrics,
        verdicts=verdicts,
        released=shipped,
        out_dir=dk.evidence_dir(ctx.settings, ctx.version) / "plan",
    )
    symphony.metric("plan_items", len(result.items))
    _finish_beat(symphony, ctx, beat, result)


# -- rollback ---------------------------------------------------------------------------------------
#: The beats whose failure rolls production back (a movement holding one of them).
DEPLOYMENT_HANDLERS = frozenset({"deployToProduction", "verifyInProduction", "monitorAndRespond"})


def _undo_deployment(symphony: SequenceRun, ctx: Delivery, reason: str) -> str | None:
    """Point production back at the previous deployment, once: never a production this run may not move."""
    deployed = symphony.state.get("delivery_deploy")
    target = deployed["deployment"]["id"] if deployed else symphony.state.get("delivery_watched")
    if target is None:
        return None
    if not deployed and not at_forte(symphony):
        return f"production not rolled back at --symphony-dynamic={symphony.dynamic} (it moves at f and ff only)"
    current = next((d for d in dk.load_deployments(ctx.settings) if d.id == target), None)
    if current is None or current.final_status is None or current.final_status.state == "failure":
        return None  # deploy and verify roll back themselves when they fail
    previous = dk.rollback_deployment(ctx.settings, target, reason=reason)
    return f"production points back to {previous.id if previous else 'nothing'}; {target} recorded as failure"


@handler("rollbackDelivery")
def rollback_delivery(symphony: SequenceRun, beat: Beat) -> None:
    """After a failed release the flags file is restored; after a failed deployment production points back."""
    ctx = from_state(symphony)
    movement, failed = symphony.failed or (None, beat)
    label = f"{movement.number}.{failed.number} {failed.title}" if movement else failed.title
    actions = []
    if ctx is not None:
        released = symphony.state.get("delivery_release_undo")
        if released:
            dk.restore_release(ctx.settings, release_from_state(released))
            actions.append(f"flags file {released['path']} restored")
        elif movement is not None and any(
            b.handler is not None and b.handler.name in DEPLOYMENT_HANDLERS for b in movement.beats
        ):
            undone = _undo_deployment(symphony, ctx, f"beat {label} failed")
            actions += [undone] if undone else []
        sync_history(ctx)
        dk.write_evidence(ctx.settings, ctx.version, "rollback", {"failed_beat": label, "actions": actions})
    symphony.emit("delivery:rolled-back", failed_beat=label, actions=actions)
