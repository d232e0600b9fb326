"""Unit tests for pytest_symphony.telemetry.store (real SQLite files in tmp_path)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pytest_symphony.telemetry.store as store_module
from pytest_symphony.errors import SymphonyError
from pytest_symphony.telemetry.records import make_attempt, make_event, make_run
from pytest_symphony.telemetry.store import (
    HistoryError,
    HistoryStore,
    HistoryVersionError,
    schema_version_newest,
)

REPO_ROOT = Path(store_module.__file__).absolute().parents[2]


def _run(run_id: str, started_at: str, **extra):
    run = make_run(
        run_id,
        started_at=started_at,
        rootdir="/proj",
        argv=["-q", "--dynamic=mf"],
        dynamic="mf",
        selected=["checkout", "refund"],
        git_commit="deadbeef",
    )
    run.update(extra)
    return run


def _attempt(
    run_id: str, n: int, *, sequence="checkout", beat="pay", status="passed", started_at=None, duration_ms=None, **extra
):
    record = make_attempt(
        run_id=run_id,
        correlation_id=f"corr-{run_id}",
        sequence=sequence,
        movement="payment",
        beat=beat,
        beat_number=n,
        movement_number=2,
        handler="pay_with_card",
        started_at=started_at or f"2026-11-24T03:15:{n % 60:02d}.000001Z",
        ended_at=f"2026-11-24T03:16:{n % 60:02d}.000001Z",
        duration_ms=float(n) if duration_ms is None else duration_ms,
        status=status,
        attempt=1,
        events=[make_event("card.charged", {"amount": n, "currency": "EUR"}, "2026-11-24T03:15:30.000000Z")],
        metrics={"latency_ms": n * 1.5, "retries": 0},
        error=None,
        dynamic="mf",
        spec_file="specs/checkout.yaml",
        spec_line=12,
        spec_hash="ab" * 32,
        nodeid=f"specs/checkout.yaml::payment::{beat}",
    )
    record.update(extra)
    return record


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    finally:
        conn.close()


# --------------------------------------------------------------------------- setup / pragmas


def test_open_creates_dirs_and_schema(tmp_path):
    path = tmp_path / "deep" / ".symphony" / "history.sqlite"
    with HistoryStore(path) as store:
        assert store.is_open
        assert store.schema_version() == schema_version_newest()
    assert not store.is_open
    assert {"schema_version", "runs", "attempts", "events", "metrics"} <= _tables(path)
    assert _version(path) == schema_version_newest()


def test_wal_busy_timeout_and_foreign_keys(tmp_path):
    path = tmp_path / "history.sqlite"
    with HistoryStore(path, busy_timeout=7) as store:
        conn = store._connection()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 7000
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    # WAL is a property of the file: a fresh plain connection sees it too.
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_reopen_keeps_data_and_version(tmp_path):
    path = tmp_path / "history.sqlite"
    with HistoryStore(path) as store:
        store.begin_run(_run("r1", "2026-11-24T03:00:00Z"))
    with HistoryStore(path) as store:
        assert [r["run_id"] for r in store.runs()] == ["r1"]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1
    finally:
        conn.close()


# --------------------------------------------------------------------------- round trip


def test_round_trip_runs_attempts_events_metrics(tmp_path):
    path = tmp_path / "history.sqlite"
    run = _run("20261124T031500Z-aaaaaa", "2026-11-24T03:15:00.000000Z")
    records = [_attempt(run["run_id"], n) for n in range(1, 4)]
    records[1].update(status="failed", error="AssertionError: boom", attempt=2)
    records[2].update(events=[], metrics={})
    with HistoryStore(path) as store:
        store.begin_run(run)
        assert store.add_attempts(records) == 3
        store.end_run(run["run_id"], "2026-11-24T03:20:00+00:00", 1)

    with HistoryStore(path) as store:
        (stored_run,) = store.runs()
        assert stored_run == {
            **run,
            "ended_at": "2026-11-24T03:20:00.000000Z",
            "exit_status": 1,
            "records_stored": 0,
            "interrupted": 0,
            "resumed_from": None,
        }
        assert store.run(run["run_id"]) == stored_run
        assert store.run("nope") is None

        stored = store.attempts(run_id=run["run_id"])
        assert [a.pop("id") for a in stored] == sorted(a["id"] for a in store.attempts())
        assert stored == [{**r, "parent_correlation_id": None, "parent_nodeid": None} for r in records]
        assert stored[0]["events"] == [
            {"name": "card.charged", "payload": {"amount": 1, "currency": "EUR"}, "at": "2026-11-24T03:15:30.000000Z"}
        ]
        assert stored[0]["metrics"] == {"latency_ms": 1.5, "retries": 0.0}


def test_timestamps_are_normalized_to_utc_z(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.begin_run(_run("r", "2026-11-24T05:15:00+02:00"))
        store.add_attempts([_attempt("r", 1, started_at="2026-11-24T03:15:00+00:00")])
        assert store.runs()[0]["started_at"] == "2026-11-24T03:15:00.000000Z"
        assert store.attempts()[0]["started_at"] == "2026-11-24T03:15:00.000000Z"


def test_attempts_filters_and_unknown_run(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.begin_run(_run("r1", "2026-11-24T03:00:00Z"))
        store.add_attempts([_attempt("r1", 1), _attempt("r1", 2, sequence="refund")])
        # attempts for a run never begun still land (with a bare run row)
        store.add_attempts([_attempt("r2", 3)])
        assert len(store.attempts()) == 3
        assert [a["beat_number"] for a in store.attempts(sequence="checkout")] == [1, 3]
        assert [a["beat_number"] for a in store.attempts(run_id="r1", sequence="refund")] == [2]
        assert store.attempts(run_id="r1", sequence="nope") == []
        assert [a["metrics"]["latency_ms"] for a in store.attempts(run_id="r2")] == [4.5]
        assert {r["run_id"] for r in store.runs()} == {"r1", "r2"}
        assert store.add_attempts([]) == 0


def test_add_attempts_is_atomic(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        good = _attempt("r", 1)
        bad = _attempt("r", 2)
        del bad["run_id"]
        with pytest.raises(HistoryError, match="run_id"):
            store.add_attempts([good, bad])
        assert store.attempts() == []


def test_runs_newest_first_and_last_run_id(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        assert store.last_run_id() is None
        assert store.runs() == []
        for day, run_id in ((1, "a"), (3, "c"), (2, "b")):
            store.begin_run(_run(run_id, f"2026-11-0{day}T00:00:00Z"))
        store.add_attempts([_attempt("a", 1, sequence="refund"), _attempt("b", 1)])
        assert [r["run_id"] for r in store.runs()] == ["c", "b", "a"]
        assert [r["run_id"] for r in store.runs(limit=2)] == ["c", "b"]
        assert store.last_run_id() == "c"
        assert store.last_run_id("checkout") == "b"
        assert store.last_run_id("refund") == "a"
        assert store.last_run_id("nothing") is None


def test_non_numeric_metric_is_stored_as_null_and_skipped(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.add_attempts([_attempt("r", 1, metrics={"ok": 2, "weird": "n/a", "flag": True})])
        assert store.attempts()[0]["metrics"] == {"ok": 2.0, "weird": None, "flag": 1.0}
        store.add_attempts([_attempt("r", 2, handler=Path("h.py"), spec_line="7", duration_ms="12.5")])
        stored = store.attempts()[1]
        assert (stored["handler"], stored["spec_line"], stored["duration_ms"]) == ("h.py", 7, 12.5)


# --------------------------------------------------------------------------- migrations


def test_empty_file_is_migrated(tmp_path):
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"")
    with HistoryStore(path) as store:
        assert store.schema_version() == schema_version_newest()
        store.begin_run(_run("r", "2026-11-24T03:00:00Z"))
    assert "attempts" in _tables(path)


def test_version_zero_file_is_migrated(tmp_path):
    path = tmp_path / "history.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (0)")
    conn.commit()
    conn.close()
    with HistoryStore(path) as store:
        assert store.schema_version() == schema_version_newest()
    assert {"runs", "attempts", "events", "metrics"} <= _tables(path)


def test_old_file_is_migrated_to_a_new_version_keeping_data(tmp_path, monkeypatch):
    path = tmp_path / "history.sqlite"
    with HistoryStore(path) as store:
        store.begin_run(_run("r", "2026-11-24T03:00:00Z"))
        store.add_attempts([_attempt("r", 1)])
    old = schema_version_newest()

    def add_column(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE annotations ADD COLUMN severity TEXT")

    migrations = list(store_module.MIGRATIONS) + [
        "CREATE TABLE annotations (id INTEGER PRIMARY KEY, attempt_id INTEGER REFERENCES attempts (id),"
        " rule TEXT, message TEXT DEFAULT 'a;b');\n"
        "CREATE INDEX idx_annotations_attempt_id ON annotations (attempt_id);",
        add_column,
    ]
    monkeypatch.setattr(store_module, "MIGRATIONS", migrations)
    with HistoryStore(path) as store:
        assert store.schema_version() == old + 2
        assert len(store.attempts()) == 1
        conn = store._connection()
        columns = [r[1] for r in conn.execute("PRAGMA table_info(annotations)")]
        assert columns == ["id", "attempt_id", "rule", "message", "severity"]
    assert _version(path) == old + 2


def test_failed_migration_rolls_back_and_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "history.sqlite"
    HistoryStore(path).open().close()
    old = schema_version_newest()
    monkeypatch.setattr(
        store_module,
        "MIGRATIONS",
        list(store_module.MIGRATIONS) + ["CREATE TABLE half (x); CREATE TABLE runs (again)"],
    )
    with pytest.raises(HistoryError) as info:
        HistoryStore(path).open()
    message = str(info.value)
    assert str(path) in message and f"from schema version {old} to {old + 1}" in message
    assert "half" not in _tables(path)
    assert _version(path) == old


def test_newer_version_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "history.sqlite"
    HistoryStore(path).open().close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryVersionError) as info:
        HistoryStore(path).open()
    assert isinstance(info.value, SymphonyError)
    message = str(info.value)
    assert str(path) in message
    assert "99" in message and f"up to {schema_version_newest()}" in message
    assert _version(path) == 99  # untouched


# --------------------------------------------------------------------------- errors


def test_garbage_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"this is not a sqlite database at all, just text" * 100)
    with pytest.raises(HistoryError, match="not a database") as info:
        HistoryStore(path).open()
    assert str(path) in str(info.value)


def test_unopenable_paths_give_a_clear_error(tmp_path):
    as_dir = tmp_path / "history.sqlite"
    as_dir.mkdir()
    with pytest.raises(HistoryError) as info:
        HistoryStore(as_dir).open()
    assert str(as_dir) in str(info.value)

    blocker = tmp_path / "file"
    blocker.write_text("x")
    nested = blocker / "history.sqlite"
    with pytest.raises(HistoryError) as info:
        HistoryStore(nested).open()
    assert str(nested) in str(info.value)


# --------------------------------------------------------------------------- concurrency

WORKER = textwrap.dedent(
    """
    import sys
    from pytest_symphony.telemetry.records import make_attempt, make_event, make_run
    from pytest_symphony.telemetry.store import HistoryStore

    path, tag = sys.argv[1], sys.argv[2]
    print("ready", flush=True)
    sys.stdin.readline()  # both processes start writing at the same moment
    with HistoryStore(path) as store:  # both also race to create and migrate the file
        store.begin_run(make_run("run-" + tag))
        for batch in range(50):
            store.add_attempts(
                make_attempt(
                    run_id="run-" + tag, sequence="seq", beat="b%d" % n, status="passed",
                    attempt=1, duration_ms=1.0, started_at="2026-11-24T03:15:00Z",
                    events=[make_event("e", {"tag": tag, "n": n})], metrics={"n": n},
                )
                for n in range(batch * 10, batch * 10 + 10)
            )
        store.end_run("run-" + tag, "2026-11-24T03:16:00Z", 0)
    print("done", flush=True)
    """
)


def test_two_processes_write_at_once_without_losing_rows(tmp_path):
    path = tmp_path / ".symphony" / "history.sqlite"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), tag],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for tag in ("a", "b")
    ]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [proc.communicate(timeout=60) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        assert "locked" not in err and out.strip() == "done"

    with HistoryStore(path) as store:
        attempts = store.attempts()
        assert len(attempts) == 1000
        assert len(store.attempts(run_id="run-a")) == len(store.attempts(run_id="run-b")) == 500
        assert sum(len(a["events"]) for a in attempts) == 1000
        assert all(a["events"][0]["payload"]["n"] == a["metrics"]["n"] for a in attempts)
        assert {r["run_id"]: r["exit_status"] for r in store.runs()} == {"run-a": 0, "run-b": 0}
        assert store.schema_version() == schema_version_newest()
