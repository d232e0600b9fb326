"""The built-in conformity pipeline: pytest --symphony=conformity."""

from __future__ import annotations

import json

import pytest

SPEC = """\
id: release
name: Release
description: Ships it
kind: build
status: active
movements:
  - name: Build
    beats:
      - name: Build
        handler: biuld
"""

HANDLERS = """
@handler
def build():
    return {"ok": True}
"""

LOCATIONS = """
import json, pathlib

def pytest_runtest_logreport(report):
    if report.when == "call" or report.skipped:
        path = pathlib.Path("locations.jsonl")
        with path.open("a") as f:
            f.write(json.dumps([report.nodeid, report.location[0], report.location[1], report.outcome,
                                report.longrepr[2] if report.skipped else None]) + "\\n")
"""


@pytest.fixture
def pipeline(project, pytester):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    # a plugin, not a conftest.py: the built-in pipeline's items live outside the rootdir,
    # where a conftest's hooks do not reach
    pytester.makepyfile(locations=LOCATIONS)
    pytester.syspathinsert()
    return project


def _records(pytester):
    return [json.loads(line) for line in (pytester.path / "locations.jsonl").read_text().splitlines()]


def test_three_movements_and_one_analyze_item_per_file(pipeline, pytester):
    result = pipeline.run("-p", "no:randomly", "--symphony=conformity", "--co", "-q")
    ids = [line for line in result.stdout.lines if line.startswith("symphony:conformity::")]
    prefix = "symphony:conformity::conformity::"
    assert ids == [
        prefix + "domain-orchestration-alignment::snapshot",
        prefix + "domain-orchestration-alignment::scan",
        prefix + "domain-orchestration-alignment::analyze::sequences/release.yaml",
        prefix + "domain-orchestration-alignment::analyze::symphony:conformity/conformity.yaml",
        prefix + "domain-orchestration-alignment::fix",
        prefix + "domain-orchestration-alignment::validate",
        prefix + "domain-orchestration-alignment::report",
        prefix + "sequence-beat-alignment::snapshot",
        prefix + "sequence-beat-alignment::scan",
        prefix + "sequence-beat-alignment::analyze::sequences/release.yaml",
        prefix + "sequence-beat-alignment::analyze::symphony:conformity/conformity.yaml",
        prefix + "sequence-beat-alignment::fix",
        prefix + "sequence-beat-alignment::validate",
        prefix + "sequence-beat-alignment::report",
        prefix + "handler-bdd-alignment::snapshot",
        prefix + "handler-bdd-alignment::scan",
        prefix + "handler-bdd-alignment::analyze::handlers.py",
        prefix + "handler-bdd-alignment::analyze::sequences/release.yaml",
        prefix + "handler-bdd-alignment::analyze::symphony:conformity/conformity_handlers.py",
        prefix + "handler-bdd-alignment::fix",
        prefix + "handler-bdd-alignment::validate",
        prefix + "handler-bdd-alignment::report",
    ]


def test_run_fails_the_files_and_lands_on_them(pipeline, pytester):
    result = pipeline.run("-p", "no:randomly", "-p", "locations", "--symphony=conformity")
    result.assert_outcomes(passed=14, failed=2, skipped=6)
    result.stdout.fnmatch_lines(
        [
            "*sequences/release.yaml: 1 conformity violation(s) at or above MAJOR",
            "sequences/release.yaml:10:9 HANDLER_NOT_FOUND CRITICAL beat 1.1 'Build' names handler 'biuld', which no "
            "registered module provides; did you mean 'build'? [fix: unsafe]",
            "*sequence: 1 violation(s) at or above MAJOR remain in 1 file(s): sequences/release.yaml",
        ]
    )
    records = {r[0].split("::", 2)[-1]: r for r in _records(pytester)}
    analyze = records["sequence-beat-alignment::analyze::sequences/release.yaml"]
    assert (analyze[1], analyze[2], analyze[3]) == ("sequences/release.yaml", 9, "failed")  # 0-based line 9: line 10
    handlers = records["handler-bdd-alignment::analyze::handlers.py"]
    assert (handlers[1], handlers[3]) == ("handlers.py", "passed")
    skips = [r[4] for r in records.values() if r[3] == "skipped"]
    assert sorted(skips)[:2] == [
        "Skipped: domain & orchestration fixes: fix mode only (--symphony-fix); this is a detection run",
        "Skipped: domain & orchestration snapshot: fix mode only (--symphony-fix); this is a detection run",
    ]
    assert len(skips) == 6


def test_report_beats_record_scores_and_write_reports(pipeline, pytester):
    pipeline.run("-p", "no:randomly", "--symphony=conformity")
    (telemetry,) = pytester.path.glob(".symphony/runs/*/telemetry.jsonl")
    records = [json.loads(line) for line in telemetry.read_text().splitlines()]
    report = next(r for r in records if r.get("beat") == "report" and r.get("movement") == "sequence-beat-alignment")
    assert report["metrics"]["score_orchestration"] < 0.65 and report["metrics"]["violations"] == 1
    (written,) = pytester.path.glob(".symphony/runs/*/artifacts/conformity/conformity-sequence.json")
    data = json.loads(written.read_text())
    assert [v["code"] for v in data["violations"]] == ["HANDLER_NOT_FOUND"]


def test_clean_project_passes(pipeline):
    pipeline.spec(
        "release.yaml",
        SPEC.replace("biuld", "build")
        + "        acceptanceCriteria: [it builds]\n"
        + "    x-symphony-ignore: [BDD_SPEC_MISSING]\n",
    )
    result = pipeline.run("-p", "no:randomly", "--symphony=conformity")
    result.assert_outcomes(passed=15, skipped=6)
