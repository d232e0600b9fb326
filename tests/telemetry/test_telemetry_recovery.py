"""History robustness as a library: readers take no lock, records are stored once by seq,
the writer flushes on a timer, imports finish killed runs, old run folders are pruned."""

from __future__ import annotations

import json
import sqlite3

import pytest

from pytest_symphony.telemetry import recovery, retention, values
from pytest_symphony.telemetry.records import make_attempt, make_run
from pytest_symphony.telemetry.settings import TelemetrySettings
from pytest_symphony.telemetry.store import HistoryStore, schema_version_newest, MIGRATIONS
from pytest_symphony.telemetry.writer import TelemetryWriter


def _attempt(n: int, run_id: str = "r") -> dict:
    return make_attempt(
        run_id=run_id,
        sequence="s",
        movement="m",
        beat=f"b{n}",
        status="passed",
        attempt=1,
        started_at=f"2026-01-01T00:00:{n:02d}Z",
        ended_at=f"2026-01-01T00:00:{n:02d}Z",
    )


def test_opening_a_current_history_to_read_takes_no_write_lock(tmp_path):
    path = tmp_path / "history.sqlite"
    with HistoryStore(path) as store:
        store.add_attempts([_attempt(1)])
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another run is writing
    try:
        with HistoryStore(path, busy_timeout=0.2) as reader, reader.snapshot():
            assert [r["run_id"] for r in reader.runs()] == ["r"]
        from pytest_symphony.report.model import ReportContext, build_report

        work = build_report(ReportContext(history_path=path, rootdir=tmp_path))  # a report-only run's reads
        assert work.report["history"]["runs"] == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_records_are_stored_once_by_seq_whoever_brings_them(tmp_path):
    run = make_run("r")
    records = [{**_attempt(n), "seq": n} for n in range(1, 6)]
    with HistoryStore(tmp_path / "h.sqlite") as store:
        assert store.store_run_records(run, records[:3]) == 3
        assert store.store_run_records(run, records) == 2  # an import of the whole JSONL adds only the rest
        assert store.store_run_records(run, records, end={"ended_at": "2026-01-01T00:01:00Z", "exit_status": 0}) == 0
        assert store.records_stored("r") == 5 and len(store.attempts(run_id="r")) == 5
        assert store.finished_run_ids() == {"r"}


def test_the_version_3_migration_counts_what_older_runs_stored(tmp_path):
    path = tmp_path / "h.sqlite"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:2]:
        conn.executescript(migration)
    conn.executescript(
        "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (2);"
        "INSERT INTO runs (run_id) VALUES ('old');"
        "INSERT INTO attempts (run_id, sequence) VALUES ('old', 's'), ('old', 's');"
    )
    conn.close()
    with HistoryStore(path) as store:
        assert store.schema_version() == schema_version_newest() == 7
        assert store.records_stored("old") == 2


def test_values_too_odd_for_sqlite_are_stored_not_raised(tmp_path):
    assert values.integer(10**20) == 1e20 and values.integer(2**63 - 1) == 2**63 - 1
    assert values.real(10**400) == float("inf") and values.text("a\ud800") == "a\\ud800"
    circular: dict = {}
    circular["self"] = circular
    assert json.loads(values.dumps(circular))["unserializable"].startswith("{'self'")
    with HistoryStore(tmp_path / "h.sqlite") as store:
        record = {
            **_attempt(1),
            "beat_number": 10**20,
            "handler": "h\udc80",
            "events": [{"name": "e", "payload": {"loop": circular, "s": "\ud800"}, "at": None}],
        }
        assert store.add_attempts([record]) == 1
        (stored,) = store.attempts()
        assert stored["beat_number"] == 1e20 and stored["handler"] == "h\\udc80"


def test_records_reach_the_history_every_few_seconds_not_only_every_n(tmp_path):
    writer = TelemetryWriter(tmp_path, make_run("r"), settings=TelemetrySettings(flush_seconds=0.05))
    writer.add(_attempt(1))
    writer.add(_attempt(2))
    assert writer.stored.wait(10), "the timer never stored the batch"
    with HistoryStore(tmp_path / "history.sqlite") as store:
        assert len(store.attempts(run_id="r")) == 2  # while the run is still open
        assert store.run("r")["ended_at"] is None
    writer.close(0)


def test_an_import_finishes_a_killed_run_as_interrupted_at_its_last_record(tmp_path):
    run_dir = tmp_path / "runs" / "20260101T000000Z-abcdef"
    run_dir.mkdir(parents=True)
    lines = [json.dumps({**_attempt(n, run_dir.name), "seq": n}) for n in range(1, 4)]
    (run_dir / "telemetry.jsonl").write_text("\n".join(lines) + '\n{"torn": ')  # cut short by a kill
    with HistoryStore(tmp_path / "history.sqlite") as store:
        (result,) = recovery.import_pending(store, tmp_path / "runs", exclude=set())
        assert (result.stored, result.unreadable, result.ended) == (3, 1, "interrupted")
        run = store.run(run_dir.name)
        assert run["interrupted"] == 1 and run["ended_at"] == "2026-01-01T00:00:03.000000Z"
        assert recovery.import_pending(store, tmp_path / "runs", exclude=set()) == []  # finished now


def test_a_live_run_folder_is_neither_imported_nor_pruned(tmp_path):
    writer = TelemetryWriter(tmp_path, make_run("20260101T000000Z-aaaaaa"))
    writer.add(_attempt(1, writer.run_id))  # the writer holds its JSONL locked while open
    try:
        assert recovery.is_live(writer.run_dir)
        with HistoryStore(tmp_path / "other.sqlite") as store:
            assert recovery.import_pending(store, tmp_path / "runs", exclude=set()) == []
        assert retention.prune(tmp_path / "runs", 1, protect=set(), stored={writer.run_id}) == []
    finally:
        writer.close(0)
    assert not recovery.is_live(writer.run_dir)


def test_pruning_keeps_the_newest_and_whatever_is_not_stored(tmp_path):
    runs = tmp_path / "runs"
    names = [f"2026010{i}T000000Z-abcdef" for i in range(1, 6)]
    for name in names:
        (runs / name).mkdir(parents=True)
        (runs / name / "telemetry.jsonl").write_text("{}\n")
    (runs / "notes").mkdir()  # not a run folder: never touched
    removed = retention.prune(runs, 2, protect={names[0]}, stored=set(names[:2]) | set(names[3:]))
    assert removed == [names[1]]  # names[0] protected, names[2] not stored yet
    assert sorted(p.name for p in runs.iterdir()) == [names[0], names[2], names[3], names[4], "notes"]


def test_the_folder_gets_its_gitignore_only_when_it_is_ours(tmp_path):
    retention.prepare(tmp_path / ".symphony")
    assert (tmp_path / ".symphony" / ".gitignore").read_text().endswith("*\n")
    assert (
        (tmp_path / ".symphony" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    retention.prepare(theirs)
    assert not (theirs / ".gitignore").exists()
    old = tmp_path / "old"
    (old / "runs").mkdir(parents=True)  # made by an earlier version
    retention.prepare(old)
    assert (old / ".gitignore").exists()


@pytest.mark.parametrize("keep", [0, 3])
def test_keep_runs_zero_keeps_everything(tmp_path, keep):
    runs = tmp_path / "runs"
    for i in range(1, 6):
        (runs / f"2026010{i}T000000Z-abcdef").mkdir(parents=True)
    removed = retention.prune(runs, keep, protect=set(), stored=set())
    assert len(removed) == (0 if keep == 0 else 2)
