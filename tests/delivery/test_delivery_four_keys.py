"""The four keys, end to end: the Release on Demand movement run alone on the generated project,
its recorded metrics against answers computed by hand from tests/delivery/conftest.py's data.

Days are before T0 (the moment the project was made; the run starts seconds later):

* successful production deployments: D1 (-40, outside the window), D2 (-18), D4 (-8), D5 (-2);
  D3 failed.  In the 28-day window: D2, D4, D5.
* deployment frequency: 3 / (28 / 7) = 0.75 per week; deployment days per week: one date in
  each of the weeks (-7, 0], (-14, -7], (-21, -14] and none in (-28, -21]: [1, 1, 1, 0], lower
  median 1, band high.
* lead time: D2 delivers c1 (-20) and c2 (-19): 48 h and 24 h; D4 delivers c3 (-10): 48 h; D5
  delivers c4 (-6) and c5 (-5): 96 h and 72 h.  The median of 24, 48, 48, 72, 96 is 48 h (high).
* change failure rate: I1's root cause c3 is in D4's changes; I2 names D2; I3 opened before any
  deployment.  2 of 3 deployments failed: 0.667 (low).
* time to restore: I1 took 90 minutes, I2 30 (I3 opened outside the window): median 60 (high:
  elite is under 60).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

BEAT = "measure-usage-impact"


def _recorded(root, beat: str = BEAT) -> dict[str, float]:
    with sqlite3.connect(root / ".symphony" / "history.sqlite") as conn:
        return dict(
            conn.execute(
                "SELECT m.name, m.value FROM metrics m JOIN attempts a ON a.id = m.attempt_id "
                "WHERE a.sequence = 'delivery' AND a.beat = ?",
                (beat,),
            )
        )


def _event(root, name: str) -> list[dict]:
    with sqlite3.connect(root / ".symphony" / "history.sqlite") as conn:
        return [json.loads(p) for (p,) in conn.execute("SELECT payload_json FROM events WHERE name = ?", (name,))]


def test_the_release_movement_alone_records_the_hand_computed_keys(shop, pytester):
    result = pytester.runpytest("--symphony=delivery/release", "-v")
    result.assert_outcomes(passed=5, deselected=42, warnings=1)
    assert "exploration" not in result.stdout.str()  # a standalone movement pulls in nothing before it
    metrics = _recorded(shop.root)
    assert metrics["deployment_frequency_per_week"] == 0.75
    assert metrics["deployment_days_per_week_median"] == 1
    assert metrics["lead_time_hours_median"] == 48
    assert metrics["change_failure_rate"] == pytest.approx(2 / 3)
    assert metrics["time_to_restore_minutes_median"] == 60
    assert metrics["exploration_to_release_days_median"] == 28  # research at -30, released by D5 at -2
    assert metrics["customer_satisfaction"] == 75  # CSAT 5, 4, 3, 5: three of four score 4 or 5
    bands = {name: m.get("band") for name, m in _event(shop.root, "delivery:metrics")[0]["metrics"].items()}
    assert [
        bands[k]
        for k in (
            "deployment_frequency_per_week",
            "deployment_days_per_week_median",
            "lead_time_hours_median",
            "change_failure_rate",
            "time_to_restore_minutes_median",
        )
    ] == ["high", "high", "high", "low", "high"]
    # below f, the stabilize gate's missed target is a warning and a note, and the beat passes
    result.stdout.fnmatch_lines(
        [
            "*DeliveryTargetWarning: stabilize: *change failure rate 66.7% over the last 28 "
            "days is above 15% (failed: D2, D4)*(at --symphony-dynamic=f this fails the beat)"
        ]
    )
    assert _event(shop.root, "delivery:target-missed")[0]["gate"] == "stabilize"


def test_at_f_the_missed_target_fails_and_the_rollback_restores_the_flags(shop, pytester):
    pytest.importorskip("openfeature", reason="the delivery extra evaluates the flags")
    flags = (shop.root / "delivery/flags.flagd.json").read_bytes()
    result = pytester.runpytest("--symphony=delivery/release", "--symphony-dynamic=f", "-v")
    result.assert_outcomes(passed=1, failed=1, skipped=4, deselected=41)
    result.stdout.fnmatch_lines(
        [
            "*release-features PASSED*",
            "*stabilize FAILED*",
            "*delivery gate 'stabilize' failed:*",
            "*change failure rate 66.7%*",
        ]
    )
    assert (shop.root / "delivery/flags.flagd.json").read_bytes() == flags
    assert shop.git("log", "-2", "--format=%s").splitlines() == [
        "revert(release): restore flag search-by-tag",
        "chore(release): raise flag search-by-tag to 10%",
    ]
    rolled = json.loads((shop.root / ".symphony/delivery/1.2.0/rollback.json").read_text())
    assert rolled["failed_beat"] == "4.2 Stabilize" and rolled["actions"] == [
        f"flags file {shop.root / 'delivery/flags.flagd.json'} restored"
    ]


def test_a_looser_target_lets_the_same_keys_pass_at_f(shop, pytester):
    shop.settings(max_change_failure_rate=0.7)
    result = pytester.runpytest(
        "--symphony=delivery/release", "--symphony-dynamic=f", "--symphony-isolated", "-k", "stabilize or measure"
    )
    result.assert_outcomes(passed=2, deselected=45)
    assert _recorded(shop.root, "stabilize")["change_failure_rate"] == pytest.approx(2 / 3)


def _seed_build_run(root, run_id: str, beats: list, last_status: str) -> None:
    """A build run at mf that ran ``beats`` ((movement, beat) pairs), the last one ending ``last_status``."""
    from pytest_symphony.telemetry.records import make_attempt, make_run
    from pytest_symphony.telemetry.store import HistoryStore

    at = "2026-01-05T10:00:00+00:00"
    records = [
        make_attempt(
            run_id=run_id,
            correlation_id=run_id,
            sequence="build",
            movement=m.slug,
            movement_number=m.number,
            beat=b.slug,
            beat_number=b.number,
            handler="h",
            started_at=at,
            ended_at=at,
            duration_ms=1.0,
            attempt=1,
            dynamic="mf",
            status=last_status if n == len(beats) - 1 else "passed",
            spec_file="symphony:build",
            spec_line=1,
            spec_hash="b" * 64,
            nodeid=f"symphony:build::build::{m.slug}::{b.slug}",
        )
        for n, (m, b) in enumerate(beats)
    ]
    with HistoryStore(root / ".symphony" / "history.sqlite") as store:
        store.begin_run(make_run(run_id, started_at=at, dynamic="mf", rootdir=str(root)))
        store.add_attempts(records)
        store.end_run(run_id, at, 0)


def test_build_success_counts_complete_build_runs_only(shop, pytester):
    from pytest_symphony.pipelines import builtin_pipelines
    from pytest_symphony.runtime.dynamics import allows, required
    from pytest_symphony.score.loader import load_spec

    build = load_spec(next(p.spec for p in builtin_pipelines() if p.alias == "build")).sequence
    every = [(m, b) for m in build.movements for b in m.beats if allows("mf", required(b, m))]
    _seed_build_run(shop.root, "complete-passed", every, "passed")
    _seed_build_run(shop.root, "complete-failed", every, "failed")
    _seed_build_run(shop.root, "partial-failed", every[:3], "failed")  # a -k selection: says nothing
    pytester.runpytest("--symphony=delivery/release", "--symphony-isolated", "-k", "measure").assert_outcomes(
        passed=1, deselected=46
    )
    assert _recorded(shop.root)["build_success_rate"] == 0.5
