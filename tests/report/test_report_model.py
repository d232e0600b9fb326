"""Report numbers from known histories: timing, outcomes, health, recommendations, audit."""

from __future__ import annotations

import textwrap

import pytest

from pytest_symphony.report import stats
from pytest_symphony.report.model import ReportContext, ReportError, build_report
from pytest_symphony.runtime.registry import HandlerRegistry
from pytest_symphony.telemetry.records import make_attempt
from pytest_symphony.telemetry.store import HistoryStore


def _build(history, tmp_path, **context):
    ctx = ReportContext(history_path=history.path, rootdir=tmp_path, **context)
    return build_report(ctx).report


def _beat(report, label, sequence="release"):
    seq = next(s for s in report["sequences"] if s["id"] == sequence)
    return next(b for m in seq["movements"] for b in m["beats"] if b["label"] == label)


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (1.0, "Excellent"),
        (0.95, "Excellent"),
        (0.94996, "Excellent"),
        (0.9499, "Good"),
        (0.85, "Good"),
        (0.8499, "Acceptable"),
        (0.75, "Acceptable"),
        (0.7499, "Needs attention"),
        (0.65, "Needs attention"),
        (0.6499, "Critical"),
        (0.0, "Critical"),
        (None, None),
    ],
)
def test_bands_are_the_guides(value, band):
    assert stats.band(value) == band


def test_median_and_nearest_rank_p95():
    assert stats.median([3, 1, 2]) == 2 and stats.median([1, 2, 3, 10]) == 2.5
    values = list(range(1, 21))  # 20 values: p95 is the 19th
    assert stats.percentile(values, 95) == 19 and stats.percentile([7.0], 95) == 7.0
    assert stats.timing([]) == {"count": 0, "median": None, "p95": None, "min": None, "max": None, "last": None}


def test_timing_outcomes_and_trends_across_runs(history, tmp_path):
    for ms in (10, 20, 30, 40):
        history.run({"compile": float(ms), "pack": 100.0}, wall_ms=ms * 10)
    history.run({"compile": 50.0, "pack": (100.0, "failed")}, wall_ms=500)
    report = _build(history, tmp_path)
    compile_ = _beat(report, "1.1")
    assert compile_["timing"] == {"count": 5, "median": 30.0, "p95": 50.0, "min": 10.0, "max": 50.0, "last": 50.0}
    assert (compile_["passed"], compile_["failed"], compile_["pass_rate"]) == (5, 0, 1.0)
    pack = _beat(report, "1.2")
    assert (pack["last_status"], pack["failed"], pack["pass_rate"]) == ("failed", 1, 0.8)
    s = report["summary"]
    assert s["subject"]["run_id"] == "run-0004" and s["subject"]["status"] == "failed"
    assert s["run_success_rate"] == 0.8 and s["beat_pass_rate"] == 0.9
    assert s["duration"] == {
        "last": 500.0,
        "median": 300.0,
        "p95": 500.0,
        "trend_pct": 100.0,
    }  # 500 vs median(100..400)
    assert [r["duration_ms"] for r in report["trends"]["runs"]] == [100.0, 200.0, 300.0, 400.0, 500.0]
    assert report["summary"]["status"][0]["last_status"] == "failed"
    assert report["sequences"][0]["movements"][0]["timing"]["median"] == 130.0


def test_retries_and_flips_make_a_beat_flaky_and_regressions_are_found(history, tmp_path):
    for _ in range(4):
        history.run({"fetch": 20.0, "upload": [(5.0, "failed"), (6.0, "passed")]})
    history.run({"fetch": 90.0, "upload": 6.0})
    report = _build(history, tmp_path)
    upload, fetch = _beat(report, "1.2"), _beat(report, "1.1")
    assert upload["flaky"] and upload["retries"] == 4 and upload["flake_rate"] == 0.8
    assert upload["timing"]["median"] == 11.0  # both attempts' time counts
    assert fetch["regression"] == {"baseline_ms": 20.0, "last_ms": 90.0, "ratio": 4.5, "baseline_runs": 4}
    kinds = [(r["rank"], r["kind"], r.get("beat")) for r in report["recommendations"]]
    assert ("regression", "1.1") in [(k, b) for _r, k, b in kinds] and ("flaky", "1.2") in [
        (k, b) for _r, k, b in kinds
    ]
    impacts = [r["impact"] for r in report["recommendations"]]
    assert impacts == sorted(impacts, reverse=True) and [r["rank"] for r in report["recommendations"]] == list(
        range(1, len(impacts) + 1)
    )
    regression = next(r for r in report["recommendations"] if r["kind"] == "regression")
    assert regression["evidence"]["last_ms"] == 90.0 and regression["action"]


def test_expanded_targets_take_the_worst_final_outcome(history, tmp_path):
    history.run({"build": 1.0})
    with HistoryStore(history.path) as store:
        store.add_attempts(
            [
                make_attempt(
                    run_id="run-0000",
                    sequence="release",
                    movement="build",
                    movement_number=1,
                    beat="build",
                    beat_number=1,
                    status=status,
                    attempt=attempt,
                    duration_ms=2.0,
                    target=target,
                    nodeid=f"x::{target}",
                )
                for target, attempt, status in (
                    ("pkg-a", 1, "passed"),
                    ("pkg-b", 1, "failed"),
                    ("pkg-b", 2, "passed"),
                    ("pkg-c", 1, "timeout"),
                )
            ]
        )
    beat = _beat(_build(history, tmp_path), "1.1")
    assert beat["last_status"] == "timeout" and beat["timing"]["last"] == 9.0 and beat["retries"] == 1


def test_conformity_violations_and_gaps(history, tmp_path):
    first = history.run({"a": 1.0})
    last = history.run({"a": 1.0})
    with HistoryStore(history.path) as store:
        store.add_scores(first, {"Handler": 0.9, "Governance": 1.0})
        store.add_scores(last, {"Handler": 0.5, "Governance": 1.0})
        store.add_violations(
            last,
            [
                {
                    "code": "HANDLER_NOT_FOUND",
                    "severity": "CRITICAL",
                    "dimension": "Handler",
                    "message": "m",
                    "place": {"path": "a.yaml", "line": 1},
                }
            ]
            * 3,
        )
    report = _build(history, tmp_path)
    conf = report["conformity"]
    handler = next(d for d in conf["dimensions"] if d["name"] == "Handler")
    assert (handler["score"], handler["band"], handler["previous"], handler["delta"]) == (0.5, "Critical", 0.9, -0.4)
    assert [p["scores"]["Handler"] for p in conf["over_time"]] == [0.9, 0.5]
    assert conf["violations"]["by_code"] == [
        {"code": "HANDLER_NOT_FOUND", "severity": "CRITICAL", "dimension": "Handler", "count": 3}
    ]
    gap = next(r for r in report["recommendations"] if r["kind"] == "conformity")
    assert gap["dimension"] == "Handler" and gap["impact"] == 100.0 and "HANDLER_NOT_FOUND x3" in gap["action"]


def test_audit_trail_lineage_changes_fixes_and_governance(history, tmp_path):
    (tmp_path / "sequences").mkdir()
    (tmp_path / "sequences" / "release.yaml").write_text(
        textwrap.dedent("""\
        id: release
        movements:
          - name: build
            beats:
              - {name: a, handler: do_a}
              - {name: b, handler: do_b}
        governance:
          policies: [Every beat passes]
          metrics: [files, "Cache hit ratio"]
        """),
        encoding="utf-8",
    )
    history.run({"a": 1.0, "b": 1.0}, commit="111", spec_hash="1" * 64)
    history.run({"a": 1.0, "b": 1.0}, commit="222", spec_hash="2" * 64)
    last = history.run({"a": 1.0}, commit="222", spec_hash="2" * 64)
    with HistoryStore(history.path) as store:
        store.add_fixes(
            last,
            [
                {
                    "code": "METADATA_MISSING",
                    "path": "sequences/release.yaml",
                    "snapshot_id": "snap-9",
                    "status": "applied",
                }
            ],
        )
    audit = _build(history, tmp_path)["audit"]
    assert [r["git_commit"] for r in audit["runs"]] == ["111", "222", "222"]
    assert audit["runs"][0]["specs"] == [
        {"sequence": "release", "spec_file": "sequences/release.yaml", "spec_hash": "1" * 64}
    ]
    assert [(c["what"], c["run_id"], c["from"], c["to"]) for c in audit["changes"]] == [
        ("commit", "run-0001", "111", "222"),
        ("spec", "run-0001", "1" * 64, "2" * 64),
    ]
    assert audit["fixes"] == [
        {
            "run_id": last,
            "code": "METADATA_MISSING",
            "path": "sequences/release.yaml",
            "snapshot_id": "snap-9",
            "status": "applied",
        }
    ]
    (gov,) = audit["governance"]
    assert gov["status"] == "non-compliant" and gov["policies"] == ["Every beat passes"]
    checks = {c["name"]: c for c in gov["checks"]}
    assert (
        not checks["every beat recorded telemetry"]["passed"]
        and "b" in checks["every beat recorded telemetry"]["evidence"]
    )
    assert "1 of 2 tracked" in checks["declared metrics are tracked"]["evidence"]
    assert audit["summary"]["fixes_applied"] == 1 and audit["summary"]["spec_changes"] == 1


def test_traceability_and_handler_coverage(history, tmp_path):
    (tmp_path / "sequences").mkdir()
    (tmp_path / "sequences" / "release.yaml").write_text(
        textwrap.dedent("""\
        id: release
        movements:
          - name: build
            beats:
              - {name: a, handler: do_a, scenario: Build it, tests: [tests/test_a.py::test_a]}
              - {name: b, handler: do_b}
              - {name: c, handler: do_missing}
        """),
        encoding="utf-8",
    )
    history.run({"a": 1.0, "b": (1.0, "failed")})
    with HistoryStore(history.path) as store:
        store.add_attempts(
            [
                make_attempt(
                    run_id="run-0000",
                    sequence="release",
                    beat="b",
                    kind="scenario",
                    status="passed",
                    target="features/b.feature:3",
                )
            ]
        )
    registry = HandlerRegistry()
    for name in ("do_a", "do_b", "unused"):
        registry.add(lambda: None, name=name)
    report = _build(history, tmp_path, spec_roots=(tmp_path / "sequences",), registry=registry)
    trace = {b["beat"]: b for b in report["traceability"]["beats"]}
    assert trace["a"]["scenario"] == "Build it" and trace["a"]["tests"] == ["tests/test_a.py::test_a"]
    assert trace["b"]["scenarios_run"] == 1 and trace["b"]["scenarios_passed"] == 1
    assert report["traceability"]["with_bdd"] == 2 and report["traceability"]["with_tests"] == 1
    handlers = report["handlers"]
    assert handlers["missing"] == ["do_missing"] and handlers["orphaned"] == ["unused"]
    assert (handlers["referenced"], handlers["covered"], handlers["coverage"]) == (3, 1, 0.3333)
    assert any(r["kind"] == "handler" and "do_missing" in r["title"] for r in report["recommendations"])


def test_subject_run_and_newest_runs_only(history, tmp_path):
    ids = [history.run({"a": float(i)}) for i in range(5)]
    report = _build(history, tmp_path, subject_run=ids[1], max_runs=3)
    assert report["subject_run"] == ids[4]  # ids[1] is outside the newest three: the newest run instead
    assert [r["run_id"] for r in report["trends"]["runs"]] == ids[2:]
    assert _build(history, tmp_path, subject_run=ids[3])["summary"]["subject"]["run_id"] == ids[3]


def test_no_history_says_where_it_looked_and_what_to_do(tmp_path):
    with pytest.raises(ReportError, match=r"history\.sqlite: no run history yet; run a pipeline first"):
        build_report(ReportContext(history_path=tmp_path / "history.sqlite", rootdir=tmp_path))
    assert not (tmp_path / "history.sqlite").exists()  # looking never creates it
    HistoryStore(tmp_path / "history.sqlite").open().close()
    with pytest.raises(ReportError, match="holds no run yet"):
        build_report(ReportContext(history_path=tmp_path / "history.sqlite", rootdir=tmp_path))


def test_every_stage_is_recorded_in_the_lineage(history, tmp_path):
    history.run({"a": 1.0})
    report = _build(history, tmp_path)
    stages = [t["stage"] for t in report["lineage"]["transformations"]]
    assert stages[0] == "collection.execution_metrics" and stages[-1] == "audit.report" and len(stages) == 23
    assert report["lineage"]["sources"]["beat_outcomes"] == 1
