"""Telemetry: one record per attempt, in JSONL and SQLite, written by the controller only."""

import json
import sqlite3

import pytest

SPEC = """
id: tele
movements:
  - name: Build
    beats:
      - {name: Compile, handler: compile, event: compiled}
      - {name: Test, handler: test}
  - name: Ship
    beats:
      - {name: Upload, handler: upload}
"""
HANDLERS = """
@handler
def compile(symphony):
    symphony.metric("files", 12)

@handler
def test():
    raise AssertionError("3 tests failed")

@handler
def upload():
    pass
"""
FIELDS = {
    "run_id",
    "correlation_id",
    "sequence",
    "movement",
    "beat",
    "handler",
    "started_at",
    "ended_at",
    "duration_ms",
    "status",
    "attempt",
    "events",
    "metrics",
    "error",
    "dynamic",
    "spec_file",
    "spec_line",
    "spec_hash",
}


def _jsonl(pytester):
    (path,) = (pytester.path / ".symphony" / "runs").glob("*/telemetry.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_records_hold_every_field_and_status(project):
    project.spec("tele.yaml", SPEC)
    project.handlers(HANDLERS)
    project.run().assert_outcomes(passed=1, failed=1, skipped=1)
    records = _jsonl(project.pytester)
    assert [r["status"] for r in records] == ["passed", "failed", "skipped"]
    for record in records:
        assert FIELDS <= set(record), FIELDS - set(record)
    first = records[0]
    assert first["metrics"] == {"files": 12.0}
    assert first["events"][0]["name"] == "compiled"
    assert first["spec_file"] == "sequences/tele.yaml" and first["spec_line"] == 5
    assert first["started_at"].endswith(("Z", "+00:00")) and first["duration_ms"] >= 0
    assert "3 tests failed" in records[1]["error"]
    assert records[2]["error"] == "beat 1.2 failed" and records[2]["attempt"] == 0
    assert len({r["run_id"] for r in records}) == 1
    assert len({r["correlation_id"] for r in records}) == 1


def test_history_is_a_real_sqlite_file(project):
    project.spec("tele.yaml", SPEC)
    project.handlers(HANDLERS)
    project.run()
    project.run()
    db = sqlite3.connect(project.pytester.path / ".symphony" / "history.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    rows = db.execute("SELECT sequence, beat, status FROM attempts ORDER BY id").fetchall()
    assert rows[:3] == [("tele", "compile", "passed"), ("tele", "test", "failed"), ("tele", "upload", "skipped")]
    assert db.execute("SELECT name, value FROM metrics").fetchall()[0] == ("files", 12.0)


def test_symphony_dir_is_configurable(project):
    project.ini("symphony_dir = build/telemetry")
    project.spec("tele.yaml", SPEC)
    project.handlers(HANDLERS)
    project.run()
    assert (project.pytester.path / "build" / "telemetry" / "history.sqlite").is_file()
    assert not (project.pytester.path / ".symphony").exists()


def test_terminal_summary_per_sequence(project):
    project.spec("tele.yaml", SPEC)
    project.handlers(HANDLERS)
    result = project.run()
    result.stdout.fnmatch_lines(
        [
            "*- symphony -*",
            "tele: 1 passed, 1 failed, 1 skipped in *s; slowest beat *",
        ]
    )


def test_no_symphony_folder_when_no_beat_ran(pytester):
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    pytester.runpytest().assert_outcomes(passed=1)
    assert not (pytester.path / ".symphony").exists()


def test_xdist_keeps_order_one_run_id_and_controller_writes(project):
    pytest.importorskip("xdist")
    for n in range(4):
        project.spec(f"s{n}.yaml", SPEC.replace("id: tele", f"id: tele{n}"))
    project.handlers(HANDLERS)
    project.pytester.makepyfile(**{f"test_plain{n}": "def test_p():\n    pass\n" for n in range(4)})
    result = project.run("-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=8, failed=4, skipped=4)
    records = _jsonl(project.pytester)
    assert len(records) == 12
    assert len({r["run_id"] for r in records}) == 1
    for n in range(4):
        assert [r["status"] for r in records if r["sequence"] == f"tele{n}"] == ["passed", "failed", "skipped"]


def test_summary_ends_with_one_line_naming_the_run_folder(project):
    project.spec("tele.yaml", SPEC)
    project.handlers(HANDLERS)
    result = project.run()
    result.stdout.fnmatch_lines(
        ["symphony: run * recorded in .symphony/runs/*/ and .symphony/history.sqlite (-v lists the files)"]
    )
    assert "symphony: wrote" not in result.stdout.str()


def test_verbose_summary_lists_the_telemetry_files(project):
    project.spec("tele.yaml", SPEC)
    project.handlers(HANDLERS)
    result = project.run("-v")
    result.stdout.fnmatch_lines(
        [
            "symphony: wrote .symphony/runs/*/telemetry.jsonl",
            "symphony: wrote .symphony/history.sqlite",
        ]
    )
