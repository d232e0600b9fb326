"""Unit tests for pytest_symphony.telemetry.records."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta, timezone

import pytest

from pytest_symphony.telemetry.records import (
    STATUSES,
    make_attempt,
    make_event,
    make_run,
    new_correlation_id,
    new_run_id,
    normalize_timestamp,
    summarize_error,
    utc_now,
)
from pytest_symphony.stamps import iso_utc

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_utc_now_is_iso_utc_with_microseconds():
    stamp = utc_now()
    assert ISO_Z.match(stamp), stamp
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert abs(parsed - datetime.now(timezone.utc)) < timedelta(seconds=5)


def _datetime_form(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="microseconds")[:-6] + "Z"


def test_stamps_are_datetimes_form_across_seconds_and_rounding():
    """Stamps reuse the text of the current second: a new second, or an older one, gets its own."""
    edges = [1_795_000_000 + offset for offset in (0.0, 0.9999994, 0.9999995, 0.9999996, 1.0000004, 1.5)]
    back_and_forth = [1_795_000_005.25, 1_795_000_004.75, 1_795_000_005.25, 0.0, -0.5, -1.0000004, 4_102_444_799.9999]
    rng = random.Random(16)
    spread = [rng.uniform(-1e9, 4e9) for _ in range(2000)]
    for timestamp in edges + back_and_forth + spread:
        assert iso_utc(timestamp) == _datetime_form(timestamp), timestamp


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-24T03:15:00Z", "2026-11-24T03:15:00.000000Z"),
        ("2026-11-24T03:15:00.5+00:00", "2026-11-24T03:15:00.500000Z"),
        ("2026-11-24T05:15:00.123456+02:00", "2026-11-24T03:15:00.123456Z"),
        ("2026-11-24T03:15:00", "2026-11-24T03:15:00.000000Z"),
        ("2026-11-24 04:15:00.1234567+0100", "2026-11-24T03:15:00.123456Z"),
        ("2026-11-24T03:15z", "2026-11-24T03:15:00.000000Z"),
        ("2026-13-24T03:15:00Z", "2026-13-24T03:15:00Z"),
        (datetime(2026, 11, 24, 3, 15, tzinfo=timezone.utc), "2026-11-24T03:15:00.000000Z"),
        ("yesterday", "yesterday"),
        (None, None),
    ],
)
def test_normalize_timestamp(value, expected):
    assert normalize_timestamp(value) == expected


def test_new_run_id_is_sortable_and_unique():
    early = new_run_id(datetime(2026, 11, 24, 3, 15, tzinfo=timezone.utc))
    late = new_run_id(datetime(2026, 11, 24, 3, 16, tzinfo=timezone.utc))
    assert re.match(r"^20261124T031500Z-[0-9a-f]{6}$", early), early
    assert early < late
    assert re.match(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$", new_run_id())
    assert len({new_run_id() for _ in range(50)}) == 50


def test_new_correlation_id_is_uuid_hex():
    ids = {new_correlation_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.match(r"^[0-9a-f]{32}$", i) for i in ids)


def test_summarize_error_short_text_is_one_block():
    text = "Traceback (most recent call last):\n\n  File 'x.py', line 1   \n\nValueError: bad\n"
    assert summarize_error(text) == "Traceback (most recent call last):\n  File 'x.py', line 1\nValueError: bad"
    assert summarize_error("") == ""
    assert summarize_error(None) == ""  # type: ignore[arg-type]


def test_summarize_error_long_text_keeps_head_and_tail():
    text = "START " + "x" * 10_000 + " KeyError: 'the end'"
    summary = summarize_error(text, limit=500)
    assert len(summary) <= 500
    assert summary.startswith("START ")
    assert summary.endswith("KeyError: 'the end'")
    assert "chars omitted" in summary
    assert len(summarize_error(text)) <= 2000
    tiny = summarize_error(text, limit=10)
    assert len(tiny) == 10 and tiny.startswith("START")


def test_make_attempt_defaults_and_validation():
    record = make_attempt(run_id="r", sequence="s", beat="b", status="passed", attempt=1)
    assert record["events"] == [] and record["metrics"] == {} and record["error"] is None
    assert json.loads(json.dumps(record)) == record
    with pytest.raises(TypeError, match="bogus"):
        make_attempt(bogus=1)
    with pytest.raises(ValueError, match="status"):
        make_attempt(status="exploded")
    for status in STATUSES:
        assert make_attempt(status=status)["status"] == status


def test_make_event_and_run():
    event = make_event("order.placed", {"id": 7})
    assert event["name"] == "order.placed" and event["payload"] == {"id": 7}
    assert ISO_Z.match(event["at"])
    run = make_run(rootdir="/r", argv=["-x"], dynamic="mf", selected=["checkout"], git_commit="abc")
    assert run["argv"] == ["-x"] and run["selected"] == ["checkout"] and run["dynamic"] == "mf"
    assert run["python"] and run["host"] and run["platform"] and "user" in run
    assert run["ended_at"] is None and run["exit_status"] is None
    assert re.match(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$", run["run_id"])
    assert json.loads(json.dumps(run)) == run


def _raises(*args):
    raise TypeError("a signature this code does not know")


@pytest.mark.parametrize(
    "c_make_encoder",
    [None, _raises, lambda *args: lambda value, level: ["{}"]],
    ids=["absent", "other-signature", "other-output"],
)
def test_json_s_c_encoder_is_used_only_when_it_writes_what_json_dumps_writes(monkeypatch, c_make_encoder):
    """The JSONL line goes through json's undocumented C encoder only when it checks out; else json.dumps."""
    from pytest_symphony.telemetry import values

    assert values._c_encoder(json.encoder.c_make_encoder) is not None  # this interpreter's checks out
    assert values._c_encoder(c_make_encoder) is None
    monkeypatch.setattr(values, "_C_ENCODER", None)
    record = {"beat": "b\u00e9", "metrics": {"x": 1.5}, "error": None}
    assert values.record_line(record) == json.dumps(record, default=str)
