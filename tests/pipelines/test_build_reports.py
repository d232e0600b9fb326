"""Reports about the project: its own beats scored, the built-ins apart, complete build runs, metrics."""

from __future__ import annotations

import json

import pytest

from .conftest import make_single, write

SPEC = """
id: release
name: Release
version: "1.0.0"
kind: workflow
status: active
description: Ships the release.
movements:
  - name: Ship
    beats:
      - name: Compile
        handler: compile_sources
      - name: Pack
        handler: pack
      - name: Publish
        handler: publish
"""

HANDLERS = """
from pytest_symphony import handler


@handler
def compile_sources(symphony):
    symphony.metric("files", 12)
    return {"compiled": True}


@handler
def pack(symphony):
    symphony.metric("wheel_kb", 40.5)
    return {"packed": True}


@handler
def publish(symphony):
    return {"published": True}
"""


@pytest.fixture
def history(pytester: pytest.Pytester, build_run):
    """A project of three beats run twice, plus a pp, a -k and a complete build run, then the report."""
    make_single(pytester.path)
    write(pytester.path / "sequences" / "release.yaml", SPEC)
    pytester.makepyfile(handlers=HANDLERS)
    pytester.makeini("[pytest]\nsymphony_handlers = handlers\n")
    for _ in range(2):
        pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)
    build_run("--symphony-dynamic=pp")
    build_run("-k", "validation")
    # left out for real (no pull-in): every beat mf runs, those standing on the ones left out skip
    assert build_run("--symphony-isolated", "-k", "not governance and not score").ret == 0
    assert build_run().ret == 0
    result = pytester.runpytest("-p", "no:randomly", "--symphony=report")
    assert result.ret == 0, result.stdout.str()
    reports = pytester.path / ".symphony" / "reports"
    return {
        name: (reports / name).read_text()
        for name in ("symphony-report.json", "symphony-report.md", "symphony-dashboard.html")
    }


def test_reports_about_the_project(history):
    """One history (it takes real builds), three things a reader must find in it."""
    _health_traceability_and_coverage_count_the_projects_beats_only(history)
    _the_built_in_pipelines_have_their_own_section_counting_complete_runs(history)
    _recorded_metrics_appear_in_every_format(history)


def _health_traceability_and_coverage_count_the_projects_beats_only(history):
    report = json.loads(history["symphony-report.json"])
    assert report["traceability"]["total"] == 3
    assert report["handlers"]["referenced"] == 3 and report["handlers"]["covered"] == 3
    indicators = {i["name"]: i for i in report["summary"]["health"]["indicators"]}
    assert indicators["Handler coverage"]["value"] == 1.0
    assert indicators["Traceability"]["detail"] == "0 of 3 beats linked to a scenario or test"
    assert [s["sequence"] for s in report["summary"]["status"]] == ["release"]
    assert [s["id"] for s in report["sequences"]] == ["release"]


def _the_built_in_pipelines_have_their_own_section_counting_complete_runs(history):
    report = json.loads(history["symphony-report.json"])
    build = next(p for p in report["builtin"]["pipelines"] if p["id"] == "build")
    # pp, -k validation and the run without conformity are partial; one complete run, and it passed
    assert (build["runs"], build["complete_runs"], build["partial_runs"]) == (4, 1, 3)
    assert build["success_rate"] == 1.0 and build["last_complete"] is True
    assert build["timing"]["count"] == 1 and len(build["slowest_beats"]) == 3
    assert "### Built-in pipelines" in history["symphony-report.md"]
    assert '<section id="builtin">' in history["symphony-dashboard.html"]


def _recorded_metrics_appear_in_every_format(history):
    report = json.loads(history["symphony-report.json"])
    (release,) = report["sequences"]
    assert release["metrics"] == [
        {"name": "files", "runs": 2, "last": 12.0, "median": 12.0, "trend_pct": 0.0},
        {"name": "wheel_kb", "runs": 2, "last": 40.5, "median": 40.5, "trend_pct": 0.0},
    ]
    assert "| wheel\\_kb | 40.5 | 40.5 | +0.0% | 2 |" in history["symphony-report.md"]
    assert 'data-metric="wheel_kb"' in history["symphony-dashboard.html"]
