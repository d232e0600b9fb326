"""The history behind the reports: schema version 2, an old file after an upgrade, two runs at once."""

from __future__ import annotations

import os
import select
import sqlite3
import subprocess
import sys
import textwrap

import pytest

import pytest_symphony.telemetry.store as store_module
from pytest_symphony.telemetry.records import make_attempt, make_run
from pytest_symphony.telemetry.store import HistoryStore, schema_version_newest

from .conftest import HistoryBuilder

V1_SQL = store_module.MIGRATIONS[0]  # the schema pytest-symphony 0.1 shipped


def _violation(code="HANDLER_NOT_FOUND", **extra):
    data = {
        "code": code,
        "message": "beat 1.1 names handler 'nope'",
        "severity": "CRITICAL",
        "dimension": "Handler",
        "place": {"path": "sequences/a.yaml", "line": 7, "col": 9, "pointer": "/movements/0"},
        "sequence": "a",
        "beat": "1",
        "fix": None,
    }
    data.update(extra)
    return data


def test_a_version_1_file_opens_after_the_upgrade_and_keeps_its_runs(tmp_path):
    path = tmp_path / "history.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SQL)
    conn.executescript("""
        CREATE TABLE schema_version (version INTEGER NOT NULL);
        INSERT INTO schema_version VALUES (1);
        INSERT INTO runs (run_id, started_at, git_commit, argv_json, selected_json)
            VALUES ('old', '2025-01-01T00:00:00.000000Z', 'abc', '[]', '[]');
        INSERT INTO attempts (id, run_id, sequence, movement, beat, beat_number, movement_number, handler,
                              duration_ms, status, attempt, spec_file, spec_hash)
            VALUES (1, 'old', 'release', 'build', 'compile', 1, 1, 'compile', 12.5, 'passed', 1, 's.yaml', 'h');
        INSERT INTO events (attempt_id, run_id, sequence, name, payload_json, at)
            VALUES (1, 'old', 'release', 'compiled', '{}', '2025-01-01T00:00:01.000000Z');
    """)
    conn.close()

    with HistoryStore(path) as store:
        assert store.schema_version() == schema_version_newest() == 7
        (old,) = store.attempts()
        assert (old["kind"], old["target"], old["steps"], old["duration_ms"]) == ("beat", None, [], 12.5)
        assert old["events"][0]["name"] == "compiled"
        assert store.runs()[0]["git_commit"] == "abc"
        store.add_violations("old", [_violation()])
        store.add_scores("old", {"Handler": 0.64})
    from pytest_symphony.report.model import ReportContext, build_report

    work = build_report(ReportContext(history_path=path, rootdir=tmp_path))
    assert work.report["history"]["schema_version"] == 7
    assert work.report["sequences"][0]["movements"][0]["beats"][0]["timing"]["median"] == 12.5
    assert work.report["conformity"]["violations"]["by_code"][0]["code"] == "HANDLER_NOT_FOUND"


def test_findings_round_trip_per_run(tmp_path):
    path = tmp_path / "h.sqlite"
    with HistoryStore(path) as store:
        store.begin_run(make_run("r1", started_at="2026-01-01T00:00:00Z"))
        assert (
            store.add_violations(
                "r1",
                [
                    _violation(),
                    _violation("METADATA_MISSING", severity="MINOR", fix={"description": "add name", "safety": "safe"}),
                ],
            )
            == 2
        )
        assert store.add_scores("r1", {"Handler": 0.5, "Orchestration": 1.0}) == 2
        store.add_scores("r1", {"Handler": 0.64})  # scored again: replaced, not added
        store.add_artifacts(
            "r1", [{"name": "app", "version": "1.0", "size": 10, "sha256": "ff", "path": "dist/a.whl", "kind": "wheel"}]
        )
        store.add_fixes(
            "r1", [{"code": "METADATA_MISSING", "path": "a.yaml", "snapshot_id": "snap-1", "status": "applied"}]
        )
        assert store.add_violations("r1", []) == 0

        assert [v["code"] for v in store.violations("r1")] == ["HANDLER_NOT_FOUND", "METADATA_MISSING"]
        assert store.violations("r1")[1]["fix"] == {"description": "add name", "safety": "safe"}
        assert store.violations("r1")[0]["place"]["line"] == 7
        assert store.scores() == {"r1": {"Handler": 0.64, "Orchestration": 1.0}}
        assert store.artifacts("r1") == [
            {
                "run_id": "r1",
                "name": "app",
                "version": "1.0",
                "size": 10,
                "sha256": "ff",
                "path": "dist/a.whl",
                "kind": "wheel",
            }
        ]
        assert store.fixes() == [
            {"run_id": "r1", "code": "METADATA_MISSING", "path": "a.yaml", "snapshot_id": "snap-1", "status": "applied"}
        ]
        assert store.violation_counts() == [
            {"run_id": "r1", "code": "HANDLER_NOT_FOUND", "severity": "CRITICAL", "dimension": "Handler", "count": 1},
            {"run_id": "r1", "code": "METADATA_MISSING", "severity": "MINOR", "dimension": "Handler", "count": 1},
        ]
        row = store.rows("SELECT path, line, col, pointer, fix_safety FROM violations ORDER BY id")
        assert row == [
            ("sequences/a.yaml", 7, 9, "/movements/0", None),
            ("sequences/a.yaml", 7, 9, "/movements/0", "safe"),
        ]


def test_a_real_conformity_violation_is_stored_as_given(tmp_path):
    violation = pytest.importorskip("pytest_symphony.conformity.violation")
    v = violation.Violation(
        code="HANDLER_NOT_FOUND",
        message="no handler",
        place=violation.Place("sequences/a.yaml", 3, 5),
        sequence="a",
        beat="1",
    )
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.add_violations("r", [v.to_dict()])
        (stored,) = store.violations("r")
        assert stored == {**v.to_dict(), "run_id": "r"}
        assert store.rows("SELECT code, severity, dimension, line FROM violations") == [
            ("HANDLER_NOT_FOUND", v.severity.value, v.dimension.value, 3)
        ]


def test_findings_for_an_unknown_run_create_a_stamped_run_row(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.add_scores("later", {"Handler": 1.0})
        (run,) = store.runs()
        assert run["run_id"] == "later" and run["started_at"].endswith("Z")
        store.begin_run(make_run("later", started_at="2026-02-02T00:00:00Z"))
        assert store.run("later")["started_at"] == "2026-02-02T00:00:00.000000Z"


def test_scenario_steps_kind_and_target_are_stored(tmp_path):
    record = make_attempt(
        run_id="r",
        sequence="a",
        movement="m",
        beat="b",
        status="passed",
        attempt=1,
        kind="scenario",
        target="features/a.feature:3",
        steps=[
            {"text": "Given a", "status": "passed", "duration_ms": 1.5},
            {"text": "Then b", "status": "failed", "duration_ms": 2},
            "When raw text",
        ],
    )
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.add_attempts([record, make_attempt(run_id="r", sequence="a", beat="c", status="passed")])
        scenario, beat = store.attempts()
    assert (scenario["kind"], scenario["target"]) == ("scenario", "features/a.feature:3")
    assert scenario["steps"] == [
        {"text": "Given a", "status": "passed", "duration_ms": 1.5},
        {"text": "Then b", "status": "failed", "duration_ms": 2.0},
        {"text": "When raw text", "status": None, "duration_ms": None},
    ]
    assert (beat["kind"], beat["steps"]) == ("beat", [])


# --------------------------------------------------------------------------- two runs at once
MEET = """
import os
from pytest_symphony import handler

@handler
def meet():
    # both runs are past collection and about to write: only now may either go on
    os.write(int(os.environ["READY_FD"]), b"r")
    assert os.read(int(os.environ["GO_FD"]), 1) == b"g"

@handler
def work(symphony, n):
    symphony.metric("n", n)
    symphony.emit("worked", n=n)
"""


def test_two_pytest_runs_writing_the_history_at_once_lose_nothing(pytester, project):
    beats = 600  # more than one writer flush (500) per run
    body = "\n".join(f"      - {{name: w{i}, handler: work, inputs: {{n: {i}}}}}" for i in range(beats))
    project.spec(
        "load.yaml",
        f"id: load\nmovements:\n  - name: meet\n    beats:\n      - {{name: meet, handler: meet}}\n"
        f"  - name: work\n    beats:\n{body}\n",
    )
    pytester.makepyfile(handlers=textwrap.dedent(MEET))
    procs, pipes = [], []
    try:
        for _ in range(2):
            ready_r, ready_w = os.pipe()
            go_r, go_w = os.pipe()
            env = dict(os.environ, READY_FD=str(ready_w), GO_FD=str(go_r))
            env.pop("PYTEST_ADDOPTS", None)
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
                    cwd=pytester.path,
                    env=env,
                    pass_fds=(ready_w, go_r),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
            )
            os.close(ready_w)
            os.close(go_r)
            pipes.append((ready_r, go_w))
        for ready_r, _ in pipes:  # both wait in their first beat...
            assert select.select([ready_r], [], [], 120)[0], "a pytest run did not reach its first beat"
            assert os.read(ready_r, 1) == b"r"
        for _, go_w in pipes:  # ...and are let go together
            os.write(go_w, b"g")
        outputs = [p.communicate(timeout=300)[0].decode() for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for fds in pipes:
            for fd in fds:
                os.close(fd)
    for proc, out in zip(procs, outputs):
        assert proc.returncode == 0, out
        assert f"{beats + 1} passed" in out
    with HistoryStore(pytester.path / ".symphony" / "history.sqlite") as store:
        runs = store.runs()
        assert len(runs) == 2 and all(r["exit_status"] == 0 and r["ended_at"] for r in runs)
        for run in runs:
            attempts = store.attempts(run_id=run["run_id"])
            assert len(attempts) == beats + 1
            assert sorted(a["metrics"]["n"] for a in attempts if a["beat"] != "meet") == list(range(beats))
            assert sum(len(a["events"]) for a in attempts) == beats
        ids = [r[0] for r in store.rows("SELECT id FROM attempts ORDER BY id")]
        assert ids == list(range(1, 2 * (beats + 1) + 1))


def test_history_builder_writes_what_the_report_tests_expect(history: HistoryBuilder):
    run_id = history.run({"a": 1.0, "b": [(5.0, "failed"), (6.0, "passed")]}, wall_ms=100)
    with HistoryStore(history.path) as store:
        assert [(a["beat"], a["attempt"], a["status"]) for a in store.attempts(run_id=run_id)] == [
            ("a", 1, "passed"),
            ("b", 1, "failed"),
            ("b", 2, "passed"),
        ]


def test_a_snapshot_reads_one_state_while_another_run_writes(tmp_path):
    path = tmp_path / "h.sqlite"
    with HistoryStore(path) as reader, HistoryStore(path) as writer:
        writer.add_attempts([make_attempt(run_id="a", sequence="s", beat="x", status="passed")])
        with reader.snapshot():
            assert reader.rows("SELECT count(*) FROM attempts") == [(1,)]
            writer.add_attempts([make_attempt(run_id="b", sequence="s", beat="x", status="passed")])
            assert reader.rows("SELECT count(*) FROM attempts") == [(1,)]  # still the state it began with
            assert [r["run_id"] for r in reader.runs()] == ["a"]
        assert reader.rows("SELECT count(*) FROM attempts") == [(2,)]
