"""The session survives its own storage: a broken or locked history, a full disk, a read-only
folder, a killed run. Tests run and report as usual; storage trouble is a warning naming what
was kept and what to type next."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_symphony.telemetry.store import HistoryStore

SPEC = "id: s\nmovements:\n  - name: m\n    beats:\n      - {name: a, handler: ok}\n      - {name: b, handler: ok}\n"
TELEMETRY_PLUGIN: tuple[str, ...] = ()  # an area of the plugin: nothing to load by hand


def _project(project, spec: str = SPEC):
    project.spec("s.yaml", spec)
    project.handlers("@handler\ndef ok():\n    pass\n")
    return project.pytester.path / ".symphony"


def _history_rows(path: Path, sql: str):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _a_history(project) -> Path:
    symphony = _project(project)
    project.run().assert_outcomes(passed=2)
    return symphony / "history.sqlite"


def _truncated(history: Path) -> None:
    data = history.read_bytes()
    history.write_bytes(data[: len(data) // 3])
    for side in ("-wal", "-shm"):
        Path(f"{history}{side}").unlink(missing_ok=True)


def _random_bytes(history: Path) -> None:
    history.write_bytes(os.urandom(5000))


def _directory(history: Path) -> None:
    history.unlink()
    (history / "inside").mkdir(parents=True)


def _newer(history: Path) -> None:
    conn = sqlite3.connect(history)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()


def _dropped_table(history: Path) -> None:
    conn = sqlite3.connect(history)
    conn.execute("DROP TABLE metrics")
    conn.commit()
    conn.close()


def _dangling_symlink(history: Path) -> None:
    history.unlink()
    history.symlink_to(history.parent / "gone" / "history.sqlite")


@pytest.mark.parametrize(
    "damage,aside",
    [
        (_truncated, "corrupt"),
        (_random_bytes, "corrupt"),
        (_directory, "corrupt"),
        (_newer, "newer"),
        (_dropped_table, "corrupt"),
        (_dangling_symlink, "corrupt"),
    ],
    ids=["truncated", "random-bytes", "directory", "newer-schema", "dropped-table", "dangling-symlink"],
)
def test_a_damaged_history_is_moved_aside_and_the_run_reports_normally(project, damage, aside):
    history = _a_history(project)
    damage(history)
    result = project.run("-W", "default", "--html=report.html")
    assert result.ret == 0
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*HistoryCorruptWarning: *history.sqlite*It was moved aside to "
            f"*history.sqlite.{aside}-*and a new history was started*",
            "*s: 2 passed, 0 failed, 0 skipped*",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str() and "Traceback" not in result.stdout.str()
    assert (project.pytester.path / "report.html").is_file()
    (moved,) = history.parent.glob(f"history.sqlite.{aside}-*[0-9]")
    assert os.path.lexists(moved)
    # the new history holds this run, and the earlier one again, loaded from its run folder
    assert _history_rows(history, "SELECT count(*), count(ended_at) FROM runs") == [(2, 2)]
    assert _history_rows(history, "SELECT count(*) FROM attempts") == [(4,)]


def test_storage_warnings_can_be_made_fatal(project):
    history = _a_history(project)
    _random_bytes(history)
    result = project.run("-W", "error::pytest_symphony.warning_types.SymphonyStorageWarning")
    assert result.ret != 0
    assert "HistoryCorruptWarning" in result.stdout.str() + result.stderr.str()


def _hold_write_lock(history: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(history, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_locked_history_keeps_records_in_the_jsonl_and_says_how_to_load_them(project):
    history = _a_history(project)
    project.ini("symphony_history_timeout = 0.3")
    holder = _hold_write_lock(history)
    try:
        result = project.run("-W", "default", *TELEMETRY_PLUGIN)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.ret == 0
    result.assert_outcomes(passed=2, warnings=2)
    (run_id,) = {p.parent.name for p in history.parent.glob("runs/*/telemetry.jsonl")} - {
        r[0] for r in _history_rows(history, "SELECT run_id FROM runs")
    }
    result.stdout.fnmatch_lines(
        [
            "*HistoryBusyWarning: *history.sqlite*another process held it longer than the busy timeout*",
            f"*HistoryBusyWarning: run {run_id} could not be stored in the history*its 2 records are in "
            f"*telemetry.jsonl: load them with `pytest --symphony-history-import {run_id}`, or the next run loads them*",
        ]
    )
    imported = project.run(*TELEMETRY_PLUGIN, "--symphony-history-import", run_id)
    assert imported.ret == 0
    imported.stdout.fnmatch_lines([f"symphony: run {run_id}: loaded 2 record(s) into *history.sqlite (ended)"])
    assert _history_rows(history, f"SELECT count(*) FROM attempts WHERE run_id = '{run_id}'") == [(2,)]
    again = project.run(*TELEMETRY_PLUGIN, "--symphony-history-import", run_id)
    again.stdout.fnmatch_lines([f"symphony: run {run_id}: loaded 0 record(s)*"])


def test_the_next_run_loads_what_a_locked_run_could_not_store(project):
    history = _a_history(project)
    project.ini("symphony_history_timeout = 0.3")
    holder = _hold_write_lock(history)
    try:
        project.run(*TELEMETRY_PLUGIN).assert_outcomes(passed=2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    project.run(*TELEMETRY_PLUGIN).assert_outcomes(passed=2)
    assert _history_rows(history, "SELECT count(*), count(ended_at), sum(interrupted) FROM runs") == [(3, 3, 0)]
    assert _history_rows(history, "SELECT count(*) FROM attempts") == [(6,)]


def test_an_unknown_run_to_import_is_a_usage_error(project):
    _a_history(project)
    result = project.run(*TELEMETRY_PLUGIN, "--symphony-history-import", "20990101T000000Z-abcdef")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["symphony: no run '20990101T000000Z-abcdef' under *runs (no telemetry.jsonl there)"])


FULL_DISK = """
import resource, signal

def pytest_sessionstart(session):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG, as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (24_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
"""


def test_a_full_disk_stops_no_beat_and_tears_no_line(project):
    beats = "".join(f"      - {{name: b{i}, handler: ok}}\n" for i in range(300))
    symphony = _project(project, f"id: s\nmovements:\n  - name: m\n    beats:\n{beats}")
    project.pytester.makeconftest(FULL_DISK)
    result = project.pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "default")
    assert result.ret == 0
    result.assert_outcomes(passed=300)
    out = result.stdout.str()
    assert "TelemetryWriteWarning: cannot append to the telemetry file" in out and "INTERNALERROR" not in out
    (jsonl,) = symphony.glob("runs/*/telemetry.jsonl")
    raw = jsonl.read_bytes()
    assert raw.endswith(b"\n") and 0 < raw.count(b"\n") < 300
    assert [json.loads(line)["seq"] for line in raw.splitlines()] == list(range(1, raw.count(b"\n") + 1))


def _read_only_symphony_dir(project) -> list[str]:
    """Ini lines giving a symphony folder the kernel refuses to write (chmod, or /sys as root)."""
    if os.geteuid() != 0:
        folder = project.pytester.path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        return ["symphony_dir = ro/.symphony"]
    if Path("/sys/fs").is_dir():
        return ["symphony_dir = /sys/fs/symphony-test"]
    pytest.skip("no read-only place for a root user here")


def test_a_read_only_symphony_folder_costs_the_records_not_the_run(project):
    _project(project)
    project.ini(*_read_only_symphony_dir(project))
    result = project.run("-W", "default", "--junitxml=junit.xml")
    assert result.ret == 0
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*TelemetryWriteWarning: cannot write this run's telemetry file*", "*s: 2 passed, 0 failed, 0 skipped*"]
    )
    assert (project.pytester.path / "junit.xml").is_file()


KILLABLE = """
import os

@handler
def ok():
    pass

@handler
def hang():
    fd = os.open(os.environ["SYMPHONY_TEST_FIFO"], os.O_WRONLY)
    os.write(fd, b"ready")  # the test kills this run when it reads this
    os.close(fd)
    import threading
    threading.Event().wait()
"""


def test_a_killed_run_is_loaded_whole_and_marked_interrupted_at_the_next_start(project, monkeypatch):
    beats = "".join(f"      - {{name: b{i}, handler: ok}}\n" for i in range(12)) + "      - {name: h, handler: hang}\n"
    project.spec("s.yaml", f"id: s\nmovements:\n  - name: m\n    beats:\n{beats}")
    project.handlers(KILLABLE)
    fifo = project.pytester.path / "ready.fifo"
    os.mkfifo(fifo)
    env = {**os.environ, "SYMPHONY_TEST_FIFO": str(fifo)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=project.pytester.path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with open(fifo, "rb") as ready:
            assert ready.read(5) == b"ready"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    symphony = project.pytester.path / ".symphony"
    (jsonl,) = symphony.glob("runs/*/telemetry.jsonl")
    killed = jsonl.parent.name
    assert len(jsonl.read_text().splitlines()) == 12
    project.spec("s.yaml", SPEC)
    project.run().assert_outcomes(passed=2)
    with HistoryStore(symphony / "history.sqlite") as store:
        run = store.run(killed)
        assert run["ended_at"] and run["interrupted"] == 1 and run["exit_status"] is None
        assert len(store.attempts(run_id=killed)) == 12


def test_the_symphony_folder_is_ignored_by_git_and_keeps_the_last_runs(project):
    _project(project)
    project.ini("symphony_keep_runs = 2")
    root = project.pytester.path
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    for _ in range(4):
        project.run(*TELEMETRY_PLUGIN).assert_outcomes(passed=2)
    symphony = root / ".symphony"
    assert (symphony / ".gitignore").read_text() == "# Created by pytest-symphony automatically.\n*\n"
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert ".symphony" not in status
    runs = {p.name for p in (symphony / "runs").iterdir()}
    history_runs = [
        r[0] for r in _history_rows(symphony / "history.sqlite", "SELECT run_id FROM runs ORDER BY started_at, rowid")
    ]
    assert len(history_runs) == 4 and runs == set(history_runs[-2:])


def test_odd_values_from_handlers_are_stored_faithfully(project):
    project.spec(
        "s.yaml",
        "id: s\nmovements:\n  - name: m\n    beats:\n      - {name: a, handler: odd}\n"
        "      - {name: b, handler: boom, critical: false}\n",
    )
    project.handlers("""
        @handler
        def odd(symphony):
            symphony.emit("surrogate", text="a-\\ud800")
            symphony.metric("huge", 10**400)
            symphony.metric("big", 2**70)

        @handler
        def boom():
            raise ValueError("bad \\udc80 byte")
    """)
    result = project.run()
    result.assert_outcomes(passed=1, failed=1)
    assert "INTERNALERROR" not in result.stdout.str()
    symphony = project.pytester.path / ".symphony"
    (jsonl,) = symphony.glob("runs/*/telemetry.jsonl")
    first, second = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert first["events"][0]["payload"] == {"text": "a-\ud800"}
    rows = _history_rows(symphony / "history.sqlite", "SELECT name, value FROM metrics ORDER BY name")
    assert rows == [("big", float(2**70)), ("huge", float("inf"))]  # the nearest doubles; the JSONL keeps them whole
    assert first["metrics"] == {"huge": 10**400, "big": float(2**70)}
    (payload,) = _history_rows(symphony / "history.sqlite", "SELECT payload_json FROM events")[0]
    assert json.loads(payload) == {"text": "a-\ud800"}
    (error,) = _history_rows(symphony / "history.sqlite", "SELECT error FROM attempts WHERE beat = 'b'")[0]
    assert "bad \\udc80 byte" in error
