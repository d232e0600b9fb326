"""A scenario's outcome as plain data on the report: crosses xdist, feeds telemetry and cucumber JSON.

Two shapes leave a worker on ``TestReport`` attributes (plain dicts, like the beats'
``report.symphony``):

- ``report.symphony_scenario``: the feature, the scenario and each step's result,
  for any pytest-bdd scenario (ours, or one bound by ``scenarios()`` in a test module);
- ``report.symphony``: one telemetry record of kind ``"scenario"`` beside the linked
  beat (its sequence, movement, beat and correlation id), for linked scenarios only.
"""

from __future__ import annotations

from datetime import datetime, timezone
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest

from ..paths import shown_path
from ..errors import summarize_error

if TYPE_CHECKING:
    from ..run import SymphonyRun
    from .collect import ScenarioItem


def scenario_data(item: "ScenarioItem", report: pytest.TestReport) -> dict[str, Any]:
    feature = item.feature
    scenario = item.scenario
    steps = [s.as_dict() for s in item.journal.steps] if item.journal else []
    if report.failed and report.when != "call":
        for step in steps:  # a fixture or link error: no step ran; the first carries the failure
            step["status"] = "skipped"
        if steps:
            steps[0]["status"] = "failed"
    return {
        "feature": {
            "uri": item.feature_display,
            "name": feature.name,
            "keyword": feature.keyword,
            "line": feature.line_number,
            "description": feature.description or "",
            "language": feature.language,
            "tags": list(item.spec.feature_tags),
        },
        "scenario": {
            "id": item.name,
            "nodeid": item.nodeid,
            "name": scenario.name if scenario else item.spec.name,
            "keyword": item.spec.template.keyword,
            "line": item.spec.line,
            "description": item.spec.template.description or "",
            "tags": [t for t in item.spec.tags if t not in item.spec.feature_tags],
        },
        "steps": steps,
        "outcome": report.outcome,
        "when": report.when,
        "error": summarize_error(report.longreprtext) if report.failed else None,
    }


def from_pytest_bdd(item: pytest.Item, report: pytest.TestReport, serialized: Mapping[str, Any]) -> dict[str, Any]:
    """The same shape from pytest-bdd's own scenario report (a ``scenarios()`` test in a module)."""
    feature = serialized.get("feature") or {}
    steps = []
    failed_seen = False
    for step in serialized.get("steps") or ():
        if failed_seen:
            status = "skipped"
        elif step.get("failed"):
            status, failed_seen = "failed", True
        else:
            status = "passed"
        steps.append(
            {
                "keyword": step.get("keyword", ""),
                "name": step.get("name", ""),
                "line": step.get("line_number", 0),
                "type": step.get("type", ""),
                "status": status,
                "duration_ms": round(float(step.get("duration") or 0) * 1000, 3),
                "error": None,
            }
        )
    filename = feature.get("filename", "")
    uri = (shown_path(filename, item.config.rootpath) if filename else "") or feature.get("rel_filename", "")
    return {
        "feature": {
            "uri": uri,
            "name": feature.get("name", ""),
            "keyword": feature.get("keyword", "Feature"),
            "line": feature.get("line_number", 1),
            "description": feature.get("description", ""),
            "language": feature.get("language", "en"),
            "tags": list(feature.get("tags") or ()),
        },
        "scenario": {
            "id": item.name,
            "nodeid": item.nodeid,
            "name": serialized.get("name", ""),
            "keyword": serialized.get("keyword", "Scenario"),
            "line": serialized.get("line_number", 0),
            "description": serialized.get("description", ""),
            "tags": list(serialized.get("tags") or ()),
        },
        "steps": steps,
        "outcome": report.outcome,
        "when": report.when,
        "error": summarize_error(report.longreprtext) if report.failed else None,
    }


def telemetry_record(
    item: "ScenarioItem", call: pytest.CallInfo[None], report: pytest.TestReport, run: "SymphonyRun"
) -> dict[str, Any]:
    """The scenario's record, beside its beat: the beat's identity, the scenario's steps and outcome."""
    beat = item.linked_items[-1]
    sequence_run = beat.sequence_node.run
    record = beat.plan.base_record(sequence_run, run.run_id, run.dynamic)
    if report.skipped:
        status = "skipped"
    elif report.passed:
        status = "passed"
    else:
        status = "error" if call.when == "setup" else "failed"
    record.update(
        kind="scenario",
        nodeid=item.nodeid,
        handler=None,
        scenario=item.scenario.name if item.scenario else item.spec.name,
        spec_file=item.feature_display,
        spec_line=item.spec.line,
        spec_hash="",
        attempt=1 if call.when == "call" else 0,
        status=status,
        started_at=_iso(call.start),
        ended_at=_iso(call.stop),
        duration_ms=round(call.duration * 1000, 3),
        steps=[
            {"text": f"{s.keyword} {s.name}", "status": s.status, "duration_ms": s.duration_ms, "line": s.line}
            for s in (item.journal.steps if item.journal else ())
        ],
    )
    if status == "skipped":
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
        record["error"] = summarize_error(reason.removeprefix("Skipped: "))
    elif status != "passed":
        record["error"] = summarize_error(report.longreprtext)
    return record


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
