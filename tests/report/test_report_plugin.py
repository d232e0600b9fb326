"""Reports in real pytest runs: --symphony-report, --symphony-report-dir, and the report pipeline."""

from __future__ import annotations

import hashlib
import json

import pytest

from pytest_symphony.report import validate_report
from pytest_symphony.telemetry.store import HistoryStore

SPEC = """
    id: release
    name: Release
    events: [compiled]
    movements:
      - name: Build
        beats:
          - {name: Compile, handler: compile_sources, event: compiled}
          - {name: Pack, handler: pack}
    governance:
      metrics: [files]
"""

HANDLERS = """
    @handler
    def compile_sources(symphony):
        symphony.metric("files", 3)

    @handler
    def pack(symphony):
        symphony.emit("packed", format="wheel")
"""

REPORTS = (
    ".symphony/reports/symphony-report.md",
    ".symphony/reports/symphony-report.json",
    ".symphony/reports/symphony-dashboard.html",
)


@pytest.fixture
def release(project):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    return project


def _written(result) -> list[str]:
    """The ``symphony: wrote`` lines that end the terminal summary, in order."""
    lines = result.outlines
    end = max(i for i, line in enumerate(lines) if line.startswith("symphony: wrote "))
    start = end
    while start > 0 and lines[start - 1].startswith("symphony: wrote "):
        start -= 1
    assert lines[end + 1].startswith("=") or "passed" in lines[end + 1], lines[end:]
    return [line.removeprefix("symphony: wrote ") for line in lines[start : end + 1]]


def test_symphony_report_writes_every_format_and_lists_the_paths_last(release, pytester):
    release.run("-p", "no:randomly").assert_outcomes(passed=2)
    result = release.run("-p", "no:randomly", "--symphony-report=md,json,html")
    result.assert_outcomes(passed=2)
    written = _written(result)
    run_dir = next(p for p in (pytester.path / ".symphony" / "runs").iterdir() if (p / "reports").is_dir())
    archived = [f".symphony/runs/{run_dir.name}/reports/{name.rsplit('/', 1)[1]}" for name in REPORTS]
    assert [w for w in written if "reports" in w] == list(REPORTS) + archived
    document = json.loads((pytester.path / REPORTS[1]).read_text())
    assert validate_report(document) == []
    assert document["subject_run"] == run_dir.name and document["history"]["runs"] == 2
    assert document["summary"]["status"][0]["sequence"] == "release"
    md = (pytester.path / REPORTS[0]).read_text()
    assert "## Executive summary" in md and "Release (`release`)" in md
    # each archived copy is an artifact of its run, with the hash of what was written
    with HistoryStore(pytester.path / ".symphony" / "history.sqlite") as store:
        artifacts = store.artifacts(run_dir.name)
    assert sorted(a["name"] for a in artifacts) == sorted(n.rsplit("/", 1)[1] for n in REPORTS)
    for art in artifacts:
        data = (run_dir / "reports" / art["name"]).read_bytes()
        assert art["sha256"] == hashlib.sha256(data).hexdigest() and art["size"] == len(data)


def test_report_dir_option_and_ini(release, pytester):
    result = release.run("-p", "no:randomly", "--symphony-report=json", "--symphony-report-dir=out/reports")
    assert "out/reports/symphony-report.json" in _written(result)
    assert sorted(p.name for p in (pytester.path / "out" / "reports").iterdir()) == ["symphony-report.json"]
    release.ini("symphony_report = md", "symphony_report_dir = docs/governance")
    result = release.run("-p", "no:randomly")
    assert "docs/governance/symphony-report.md" in _written(result)


def test_reports_analyse_the_newest_runs_and_say_how_many_the_history_holds(release, pytester):
    for _ in range(3):
        release.run("-p", "no:randomly").assert_outcomes(passed=2)
    release.run("-p", "no:randomly", "--symphony-report=md,json", "--symphony-report-runs=2").assert_outcomes(passed=2)
    document = json.loads((pytester.path / REPORTS[1]).read_text())
    assert validate_report(document) == []
    history = document["history"]
    assert history["runs"] == 2 and history["runs_in_history"] == 4
    with HistoryStore(pytester.path / ".symphony" / "history.sqlite") as store:
        newest = [r[0] for r in store.rows("SELECT run_id FROM runs ORDER BY started_at, run_id")][-2:]
    assert [history["first_run"], history["last_run"]] == newest
    assert [run["run_id"] for run in document["trends"]["runs"]] == newest
    assert "the newest 2 of 4 runs" in (pytester.path / REPORTS[0]).read_text()
    release.run("-p", "no:randomly", "--symphony-report=json", "--symphony-report-runs=0")
    assert json.loads((pytester.path / REPORTS[1]).read_text())["history"]["runs"] == 5


def test_a_report_window_that_is_not_a_number_is_a_usage_error(release):
    result = release.run("--symphony-report=md", "--symphony-report-runs=many")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*symphony_report_runs: 'many' is not a number of runs; write a whole number*"])


def test_unknown_format_is_a_usage_error(release):
    result = release.run("--symphony-report=md,pdf")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--symphony-report: unknown report format 'pdf'; use a comma-separated list of md, json, html (or all)*"]
    )


def test_no_history_means_no_report_and_a_reason(project, pytester):
    project.handlers("")
    pytester.makepyfile(test_plain="def test_one(): pass")
    result = project.run("--symphony-report=html")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["symphony: no report written: *history.sqlite: no run history yet; run a pipeline first*"]
    )
    assert not (pytester.path / ".symphony").exists()


def test_report_pipeline_runs_the_guides_six_movements(release, pytester):
    release.run("-p", "no:randomly").assert_outcomes(passed=2)
    result = release.run("-p", "no:randomly", "--symphony=report", "-v")
    result.assert_outcomes(passed=24)
    result.stdout.fnmatch_lines(
        [
            "symphony:report::symphony-report::data-collection-aggregation::query-execution-metrics PASSED*",
            "*::executive-summary-synthesis::compute-health-indicators PASSED*",
            "*::deep-dive-analysis::analyze-per-beat-timing PASSED*",
            "*::recommendations-generation::rank-recommendations-by-impact PASSED*",
            "*::audit-trail-lineage::verify-governance-compliance PASSED*",
            "*::report-delivery::archive-for-history PASSED*",
        ]
    )
    written = _written(result)
    assert [w for w in written if w.startswith(".symphony/reports/")] == list(REPORTS)
    assert sum(1 for w in written if "/reports/" in w and w.startswith(".symphony/runs/")) == 3
    document = json.loads((pytester.path / REPORTS[1]).read_text())
    assert validate_report(document) == []
    assert [t["stage"] for t in document["lineage"]["transformations"]][:2] == [
        "collection.execution_metrics",
        "collection.conformity_audit",
    ]
    with HistoryStore(pytester.path / ".symphony" / "history.sqlite") as store:
        report_run = store.last_run_id(sequence="symphony-report")
        attempts = store.attempts(run_id=report_run)
        assert len(attempts) == 24 and {a["status"] for a in attempts} == {"passed"}
        metrics = {k: v for a in attempts for k, v in a["metrics"].items()}
        assert metrics["runs"] == 1 and metrics["beats"] == 2 and metrics["bytes"] > 0
        assert len(store.artifacts(report_run)) == 3
    # the next report covers the report pipeline's own run in a section of its own, outside the project's scores
    result = release.run("-p", "no:randomly", "--symphony=report")
    result.assert_outcomes(passed=24)
    document = json.loads((pytester.path / REPORTS[1]).read_text())
    assert {s["sequence"] for s in document["summary"]["status"]} == {"release"}
    assert [(p["id"], p["runs"], p["complete_runs"]) for p in document["builtin"]["pipelines"]] == [
        ("symphony-report", 1, 1)
    ]
    assert {g["sequence"] for g in document["audit"]["governance"]} == {"release"}


def test_report_pipeline_without_history_fails_its_first_beat_clearly(project):
    project.handlers("")
    result = project.run("-p", "no:randomly", "--symphony=report")
    result.assert_outcomes(failed=1, skipped=23)
    result.stdout.fnmatch_lines(
        ["*/.symphony/history.sqlite: no run history yet; run a pipeline first (pytest --symphony=<id>)*"]
    )


def test_report_pipeline_and_reports_under_xdist(release, pytester):
    release.run("-p", "no:randomly").assert_outcomes(passed=2)
    result = release.run("-p", "no:randomly", "-n", "2", "--symphony=report,release", "--symphony-report=json")
    result.assert_outcomes(passed=26)
    written = _written(result)
    assert written.count(".symphony/reports/symphony-report.json") == 1
    assert ".symphony/reports/symphony-dashboard.html" in written  # from the pipeline, on a worker
    document = json.loads((pytester.path / REPORTS[1]).read_text())  # the end-of-run report, written last
    assert {s["sequence"] for s in document["summary"]["status"]} == {"release"}
    assert [p["id"] for p in document["builtin"]["pipelines"]] == ["symphony-report"]


def test_the_report_pipeline_spec_follows_the_guide():
    from pytest_symphony.pipelines import HERE, report_handlers
    from pytest_symphony.score.loader import load_spec

    sequence = load_spec(HERE / "report.yaml").sequence
    assert sequence is not None and sequence.id == "symphony-report"
    assert [(m.title, len(m.beats)) for m in sequence.movements] == [
        ("Data Collection & Aggregation", 5),
        ("Executive Summary Synthesis", 3),
        ("Deep Dive Analysis", 4),
        ("Recommendations Generation", 4),
        ("Audit Trail & Lineage", 4),
        ("Report Delivery", 4),
    ]
    for beat in sequence.beats:
        assert callable(getattr(report_handlers, beat.handler.name)), beat.handler.name
        assert beat.event in sequence.events and beat.acceptance_criteria, beat.title
