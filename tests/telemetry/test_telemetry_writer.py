"""Unit tests for pytest_symphony.telemetry.writer."""

from __future__ import annotations

import json

import pytest

from pytest_symphony.warning_types import HistoryCorruptWarning, TelemetryWriteWarning
from pytest_symphony.telemetry.records import make_attempt, make_event, make_run
from pytest_symphony.telemetry.store import HistoryStore
from pytest_symphony.telemetry.settings import TelemetrySettings
from pytest_symphony.telemetry.writer import FLUSH_EVERY, TelemetryWriteError, TelemetryWriter

NO_TIMER = TelemetrySettings(flush_seconds=0)  # batches by count only: the tests count them


def _record(n: int, **extra):
    record = make_attempt(
        sequence="checkout",
        movement="payment",
        beat=f"beat-{n}",
        beat_number=n,
        status="passed",
        attempt=1,
        started_at="2026-11-24T03:15:00.000001Z",
        ended_at="2026-11-24T03:15:00.500001Z",
        duration_ms=500.0,
        events=[make_event("tick", {"n": n, "ünï": "cödé"}, "2026-11-24T03:15:00.100000Z")],
        metrics={"n": n},
        nodeid=f"checkout.yaml::payment::beat-{n}",
    )
    record.update(extra)
    return record


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_lines_are_written_at_once_and_match(tmp_path):
    run = make_run("20261124T031500Z-abcdef")
    writer = TelemetryWriter(tmp_path / ".symphony", run)
    assert not writer.jsonl_path.exists()  # opened lazily
    records = [_record(1), _record(2, run_id="other-run", error="ValueError: x")]
    writer.add(records[0])
    # flushed per line: a run killed now keeps this line
    assert writer.jsonl_path == tmp_path / ".symphony" / "runs" / run["run_id"] / "telemetry.jsonl"
    assert _lines(writer.jsonl_path) == [{**records[0], "run_id": run["run_id"], "seq": 1}]
    writer.add(records[1])
    assert "run_id" not in records[0]  # the caller's record is not mutated
    writer.close(0)
    assert _lines(writer.jsonl_path) == [{**records[0], "run_id": run["run_id"], "seq": 1}, {**records[1], "seq": 2}]


def test_close_writes_history_in_one_go(tmp_path):
    run = make_run("r1", dynamic="f", selected=["checkout"])
    writer = TelemetryWriter(tmp_path, run, settings=NO_TIMER)
    for n in range(5):
        writer.add(_record(n))
    assert writer.pending == 5 and not (tmp_path / "history.sqlite").exists()
    writer.close(exit_status=1)
    writer.close(exit_status=1)  # idempotent
    assert writer.closed and not writer.run_file.is_open
    with pytest.raises(TelemetryWriteError, match="closed"):
        writer.add(_record(9))

    with HistoryStore(tmp_path / "history.sqlite") as store:
        (stored_run,) = store.runs()
        assert stored_run["run_id"] == "r1" and stored_run["exit_status"] == 1
        assert stored_run["ended_at"] and stored_run["selected"] == ["checkout"]
        attempts = store.attempts(run_id="r1")
        assert [a["beat"] for a in attempts] == [f"beat-{n}" for n in range(5)]
        assert attempts[3]["events"][0]["payload"] == {"n": 3, "ünï": "cödé"}
        assert attempts[3]["metrics"] == {"n": 3.0}
    jsonl = _lines(writer.jsonl_path)
    assert [line["beat"] for line in jsonl] == [a["beat"] for a in attempts]


def test_periodic_flush_every_n_records(tmp_path):
    writer = TelemetryWriter(tmp_path, make_run("r"), flush_every=3, settings=NO_TIMER)
    for n in range(7):
        writer.add(_record(n))
    assert writer.pending == 1
    with HistoryStore(tmp_path / "history.sqlite") as store:
        assert len(store.attempts()) == 6
        assert store.runs()[0]["ended_at"] is None  # run recorded, not yet ended
    writer.flush()
    writer.flush()  # nothing pending: no-op
    with HistoryStore(tmp_path / "history.sqlite") as store:
        assert len(store.attempts()) == 7
    writer.close(0)
    with HistoryStore(tmp_path / "history.sqlite") as store:
        assert len(store.attempts()) == 7


def test_default_flush_threshold(tmp_path):
    assert FLUSH_EVERY == 500
    with TelemetryWriter(tmp_path, make_run("r"), settings=NO_TIMER) as writer:
        for n in range(FLUSH_EVERY):
            writer.add(_record(n))
        assert writer.pending == 0 and writer.count == FLUSH_EVERY
    assert writer.closed
    with HistoryStore(tmp_path / "history.sqlite") as store:
        assert len(store.attempts()) == FLUSH_EVERY


def test_start_records_the_run_before_any_attempt(tmp_path):
    writer = TelemetryWriter(tmp_path, make_run("r", started_at="2026-11-24T03:15:00Z"))
    writer.start()
    with HistoryStore(tmp_path / "history.sqlite") as store:
        assert store.last_run_id() == "r"
    writer.close(5)
    with HistoryStore(tmp_path / "history.sqlite") as store:
        assert store.runs()[0]["exit_status"] == 5
        assert store.runs()[0]["started_at"] == "2026-11-24T03:15:00.000000Z"


def test_a_directory_in_place_of_the_history_is_moved_aside(tmp_path):
    history = tmp_path / "history.sqlite"
    history.mkdir()
    writer = TelemetryWriter(tmp_path, make_run("r"))
    writer.add(_record(1))
    with pytest.warns(HistoryCorruptWarning, match="is a directory, not a SQLite file. It was moved aside to "):
        writer.close(0)
    (aside,) = tmp_path.glob("history.sqlite.corrupt-*")
    assert aside.is_dir() and not writer.run_file.is_open
    with HistoryStore(history) as store:
        assert [a["beat"] for a in store.attempts()] == ["beat-1"] and store.runs()[0]["ended_at"]
    assert [line["beat"] for line in _lines(writer.jsonl_path)] == ["beat-1"]


def test_a_damaged_history_met_by_a_periodic_flush_is_replaced_and_nothing_raises(tmp_path):
    (tmp_path / "history.sqlite").write_bytes(b"not a database" * 200)
    writer = TelemetryWriter(tmp_path, make_run("r"), flush_every=1)
    with pytest.warns(HistoryCorruptWarning, match="file is not a database"):
        writer.add(_record(1))
        writer.flush()  # the flush the background flusher was woken for, now
    assert writer.pending == 0
    (aside,) = tmp_path.glob("history.sqlite.corrupt-*")
    assert aside.read_bytes() == b"not a database" * 200  # kept, not destroyed
    writer.close(0)


def test_an_unwritable_jsonl_is_a_warning_and_records_still_reach_the_history(tmp_path):
    (tmp_path / "runs").write_text("a file where the runs directory should be")
    writer = TelemetryWriter(tmp_path, make_run("r"))
    with pytest.warns(TelemetryWriteWarning, match="telemetry.jsonl"):
        writer.add(_record(1))
    writer.close(0)
    with HistoryStore(tmp_path / "history.sqlite") as store:
        assert [a["beat"] for a in store.attempts()] == ["beat-1"]


def test_run_record_needs_an_id(tmp_path):
    with pytest.raises(ValueError):
        TelemetryWriter(tmp_path, {"started_at": "x"})
