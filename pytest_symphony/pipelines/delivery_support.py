"""What the delivery symphony's beats share: the project's settings and release version, evidence
that outlives the run, the history's deployments and incidents, targets judged per dynamic.

Kept apart from ``delivery_handlers.py`` so that module holds only the handlers (a handler must
be defined in its pipeline's handler module to be scoped to it).  What the beats pass each other
in ``symphony.state`` is plain JSON, so ``--symphony-resume`` can restore it; what a movement
needs from an earlier one it reads from the evidence (``.symphony/delivery/<version>/``), so
every movement also runs alone.
"""

from __future__ import annotations

import base64
import importlib.util
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pytest

from pytest_symphony.paths import shown_path
from pytest_symphony import deliverykit as dk
from pytest_symphony.builtins import builtin_pipelines
from pytest_symphony.deliverykit import history
from pytest_symphony.deliverykit.errors import DeliveryError, Finding
from pytest_symphony.report.pipelines import BeatNumbers, expected_beats, is_complete
from pytest_symphony.runtime import dynamics
from pytest_symphony.runtime.context import SequenceRun
from pytest_symphony.score.model import Beat
from pytest_symphony.session_key import recorder_of
from pytest_symphony.telemetry.store import HistoryError, HistoryStore
from pytest_symphony.warning_types import DeliveryTargetWarning, TelemetryWriteWarning, warn_storage

#: ``symphony.state`` key of the run's delivery context (JSON: root, version, history).
STATE = "delivery"
#: The extra that brings the heavy dependencies, and what to type.
EXTRA = "pip install 'pytest-symphony[delivery]'"

#: Each built-in handler's evidence name (``<evidence>/<version>/<name>.json``): the library
#: function's name, which a project handler overriding the beat writes too.
EVIDENCE = {
    "hypothesizeMvp": "scope",
    "collaborateAndResearch": "research",
    "architectForDelivery": "architecture",
    "synthesizeVisionAndRoadmap": "roadmap",
    "developStories": "develop",
    "buildAndAutomate": "build",
    "testEndToEnd": "test_suite",
    "stageAndValidate": "stage",
    "deployToProduction": "deploy",
    "verifyInProduction": "verify",
    "monitorAndRespond": "monitor",
    "releaseFeatures": "release",
    "stabilize": "stabilize",
    "measureUsageAndImpact": "measure",
    "learnFromFeedback": "feedback",
    "documentLessons": "lessons",
    "planNextIteration": "plan",
}
#: The handler whose passing beat is a measurement run ("metrics reported weekly").
MEASURE_HANDLER = "measureUsageAndImpact"


@dataclass(frozen=True)
class Delivery:
    """The project a delivery run works on: its settings, the version its evidence is filed under."""

    settings: dk.DeliverySettings
    version: str
    history: Path
    run_id: str

    def record(self, beat: Beat | None, data: Any) -> Path:
        """Persist a beat's result as its evidence (the name in :data:`EVIDENCE`, else its handler's)."""
        return dk.write_evidence(self.settings, self.version, evidence_name(beat), data)

    def read(self, name: str) -> Any:
        """Evidence an earlier beat (of this run or of an earlier one) recorded for this version."""
        return dk.read_evidence(self.settings, self.version, name)

    def read_optional(self, name: str) -> Any:
        try:
            return self.read(name)
        except DeliveryError:
            return None


def evidence_name(beat: Beat | None) -> str:
    handler = beat.handler.name if beat is not None and beat.handler is not None else "beat"
    return EVIDENCE.get(handler, handler)


def history_path(config: pytest.Config) -> Path:
    return recorder_of(config).history_path


def delivery(symphony: SequenceRun, config: pytest.Config) -> Delivery:
    """The run's :class:`Delivery`, set up by the first beat that asks (settings read afresh each time)."""
    known = symphony.state.get(STATE)
    settings = dk.load_settings(config.rootpath)
    if not known:
        known = {
            "root": str(config.rootpath),
            "version": dk.release_version(settings),
            "history": str(history_path(config)),
        }
        symphony.state[STATE] = known
    return Delivery(settings, known["version"], Path(known["history"]), symphony.run_id)


def from_state(symphony: SequenceRun) -> Delivery | None:
    """The run's :class:`Delivery` for the rollback (which gets no config), or None before any beat set it up."""
    known = symphony.state.get(STATE)
    if not known:
        return None
    return Delivery(dk.load_settings(known["root"]), known["version"], Path(known["history"]), symphony.run_id)


def at_forte(symphony: SequenceRun) -> bool:
    """Whether this run may move production and enforces targets: the ``f`` dynamic or louder."""
    return dynamics.at_least(symphony.dynamic, "f")


def require_extra(module: str, what: str) -> None:
    """Fail the beat with what to install when the ``delivery`` extra's ``module`` is missing."""
    try:
        installed = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module blocked in sys.modules
        installed = False
    if not installed:
        raise DeliveryError("extra", [Finding(f"{what} needs {module}, which is not installed", None, 0, EXTRA)])


def warn_missed_targets(symphony: SequenceRun, gate: str, misses: Iterable[Finding]) -> list[str]:
    """Below ``f``, the targets a gate missed: each a pytest warning and a ``delivery:target-missed`` event."""
    notes: list[str] = []
    for miss in misses:
        text = str(miss)
        warnings.warn(
            DeliveryTargetWarning(f"{gate}: {text} (at --symphony-dynamic=f this fails the beat)"), stacklevel=2
        )
        symphony.emit("delivery:target-missed", gate=gate, message=text)
        notes.append(text)
    return notes


def metric_from_json(data: Any) -> dk.Metric | None:
    """A :class:`~pytest_symphony.deliverykit.Metric` back from its ``to_json()``."""
    if not isinstance(data, dict) or "name" not in data:
        return None
    return dk.Metric(
        data["name"],
        data.get("value"),
        data.get("unit", ""),
        data.get("source", ""),
        data.get("band"),
        data.get("not_measured"),
    )


def complete_build_run() -> Callable[[str | None, set[BeatNumbers]], bool]:
    """Whether a run of the build symphony ran every beat its dynamic selects: the report's rule
    for a complete run, so the build success rate counts what the report's built-in section counts."""
    spec = next((p.spec for p in builtin_pipelines() if p.alias == "build"), None)
    _title, expected = expected_beats(spec)
    return lambda dynamic, seen: is_complete(dynamic, seen, expected)


def record_metrics(symphony: SequenceRun, metrics: Iterable[dk.Metric]) -> None:
    """Every measured metric as a beat metric (not measured: nothing is invented)."""
    for metric in metrics:
        if metric.value is not None:  # measured
            symphony.metric(metric.name, metric.value)


# -- deployments and incidents in the history ---------------------------------------------------
def sync_history(ctx: Delivery, *, own: Iterable[str] = ()) -> None:
    """Import ``deployments.jsonl`` and ``incidents.yaml`` into the history (upserts, so twice is once).

    ``own``: ids of deployments this run made (recorded with its run id).  Storage never decides a
    run: a history that cannot be written is a storage warning.
    """
    deployments = dk.load_deployments(ctx.settings)
    incidents = dk.load_incidents(ctx.settings)
    mine = set(own)
    try:
        with HistoryStore(ctx.history) as store:
            history.add_deployments(store, [d for d in deployments if d.id not in mine])
            history.add_deployments(store, [d for d in deployments if d.id in mine], run_id=ctx.run_id)
            history.add_incidents(store, incidents)
    except (HistoryError, OSError) as exc:
        warn_storage(TelemetryWriteWarning(f"deployments and incidents not stored in the history: {exc}"))


# -- what one beat leaves for the others --------------------------------------------------------
def deploy_result_from_json(ctx: Delivery, data: Mapping[str, Any]) -> dk.DeployResult:
    """A :class:`DeployResult` back from its ``to_json()`` (this run's state, or the evidence of beat 9)."""
    deployment = dk.parse_deployment(data["deployment"], "deployment evidence")
    current = {d.id: d for d in dk.load_deployments(ctx.settings)}
    deployment = current.get(deployment.id, deployment)
    previous_id = data.get("previous")
    previous = current.get(previous_id) if previous_id else None
    return dk.DeployResult(deployment, previous, Path(data["link"]), Path(data["environment"]), None)


def release_to_state(result: dk.ReleaseResult) -> dict[str, Any]:
    """A release as plain JSON, the flags file as it was before included, for the rollback."""
    return {**result.to_json(), "variant": result.variant, "original": base64.b64encode(result.original).decode()}


def release_from_state(data: Mapping[str, Any]) -> dk.ReleaseResult:
    return dk.ReleaseResult(
        data["flag"],
        data["variant"],
        data["cohort"],
        data["measured_share"],
        data["sample_size"],
        Path(data["path"]),
        base64.b64decode(data["original"]),
        data.get("commit"),
    )


def earlier_result_or_empty(symphony: SequenceRun, ctx: Delivery, name: str) -> dict[str, Any]:
    """Like :func:`earlier_result`, but an empty mapping when that beat never ran for this version."""
    return symphony.state.get(f"delivery_{name}") or ctx.read_optional(name) or {}


def earlier_result(symphony: SequenceRun, ctx: Delivery, name: str) -> Any:
    """What the beat recording evidence ``name`` found: in this run's state, else in its evidence.

    Missing evidence fails naming the movement to run first (``pytest --symphony=delivery/exploration``).
    """
    if symphony.state.get(f"delivery_{name}") is not None:
        return symphony.state[f"delivery_{name}"]
    folder = dk.evidence_dir(ctx.settings, ctx.version)
    if (folder / f"{name}.json").is_file():
        return ctx.read(name)
    handler = next((h for h, n in EVIDENCE.items() if n == name), name)
    sequence = symphony.sequence
    movement = next(
        (m for m in sequence.movements for b in m.beats if b.handler is not None and b.handler.name == handler), None
    )
    where = (
        f"{movement.title}: pytest --symphony={sequence.id}/{movement.id or movement.slug}"
        if movement
        else f"the beat running {handler}"
    )
    raise DeliveryError(
        "evidence",
        [
            Finding(
                f"no evidence from beat {handler!r} ({name}) for version {ctx.version}",
                shown_path(folder / f"{name}.json", ctx.settings.root),
                0,
                f"run {where}",
            )
        ],
    )


def scope_features(ctx: Delivery, symphony: SequenceRun) -> list[str]:
    """The features in scope: from beat 1 of this run, else from its evidence for this version."""
    return [f["feature"] for f in earlier_result(symphony, ctx, "scope").get("features", ())]
