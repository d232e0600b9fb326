"""The four keys against hand-computed answers, from plain data and from a generated git repository.

The history (NOW = 2024-06-29T12:00Z, window 28 days, so the window opens 2024-06-01T12:00Z):

    c1 05-01 10:00  c2 05-20 10:00                       D1 prod success 05-25 10:00 (c2)   outside the window
    c3 06-03 08:00  c4 06-04 08:00                       D2 prod success 06-04 10:00 (c4)   changes c3 c4
                                                         D2s staging success 06-04 11:00    not production
    c5 06-10 12:00                                       D3 prod failure 06-10 14:00 (c5)   final status failure
                                                         D4 prod success 06-11 12:00 (c5)   changes c5
    c6 06-20 00:00                                       D5 prod success 06-20 06:00 (c6)   changes c6
                                                         D6 prod success 06-20 18:00 (c6)   changes: none
                                                         D7 prod success 06-22 10:00 (c4)   rollback: none
    c7 06-25 04:00                                       D8 prod success 06-25 10:00 (c7)   c5 c6 c7 (c5, c6 delivered before)

Answers: 6 deployments in the window -> 1.5 a week; deployment days per 7-day period back
from NOW: [1, 2, 1, 1] -> DevLake median 1 -> high.  Lead times of the commits first
delivered in the window: c3 26 h, c4 2 h, c5 24 h, c6 6 h, c7 6 h -> median 6 h (elite).
Incidents: I1 names D2; I2's root cause c5 -> D4 (its first delivery); I3 (open) by time
-> D8; I4 opened before the window -> D1; I5's root cause is unknown -> by time -> D4.
Change failure rate: D2, D4, D8 of 6 -> 0.5 (low).  Time to restore over I1 90 min,
I2 120 min, I5 10 min -> 90 min (high).
"""

from __future__ import annotations

import json

import pytest

from pytest_symphony.deliverykit import four_keys as compute
from pytest_symphony.deliverykit import parse_deployment, project_four_keys
from pytest_symphony.deliverykit.dora import (
    band_deployment_frequency,
    link_incidents,
    lower_median,
    successful_production,
)
from pytest_symphony.deliverykit.records import Incident

from .conftest import NOW, at, deployment

COMMIT_TIMES = {
    "c1": "2024-05-01T10:00:00Z",
    "c2": "2024-05-20T10:00:00Z",
    "c3": "2024-06-03T08:00:00Z",
    "c4": "2024-06-04T08:00:00Z",
    "c5": "2024-06-10T12:00:00Z",
    "c6": "2024-06-20T00:00:00Z",
    "c7": "2024-06-25T04:00:00Z",
}


def history_deployments(sha) -> list[dict]:
    return [
        deployment("D1", sha["c2"], ("in_progress", "2024-05-25T09:00:00Z"), ("success", "2024-05-25T10:00:00Z")),
        deployment("D2", sha["c4"], ("in_progress", "2024-06-04T09:00:00Z"), ("success", "2024-06-04T10:00:00Z")),
        deployment("D2s", sha["c4"], ("success", "2024-06-04T11:00:00Z"), env="staging"),
        deployment("D3", sha["c5"], ("in_progress", "2024-06-10T13:00:00Z"), ("failure", "2024-06-10T14:00:00Z")),
        deployment("D4", sha["c5"], ("success", "2024-06-11T12:00:00Z")),
        deployment("D5", sha["c6"], ("success", "2024-06-20T06:00:00Z")),
        deployment("D6", sha["c6"], ("success", "2024-06-20T18:00:00Z")),
        deployment("D7", sha["c4"], ("success", "2024-06-22T10:00:00Z")),
        deployment("D8", sha["c7"], ("success", "2024-06-25T10:00:00Z")),
    ]


def history_incidents(sha) -> list[dict]:
    return [
        {
            "id": "I1",
            "opened_at": "2024-06-04T12:00:00Z",
            "resolved_at": "2024-06-04T13:30:00Z",
            "severity": "sev2",
            "deployment": "D2",
        },
        {
            "id": "I2",
            "opened_at": "2024-06-21T00:00:00Z",
            "resolved_at": "2024-06-21T02:00:00Z",
            "severity": "sev2",
            "root_cause": sha["c5"][:10],
        },
        {"id": "I3", "opened_at": "2024-06-26T00:00:00Z", "resolved_at": None, "severity": "sev3"},
        {"id": "I4", "opened_at": "2024-05-26T00:00:00Z", "resolved_at": "2024-05-26T00:30:00Z", "severity": "sev3"},
        {
            "id": "I5",
            "opened_at": "2024-06-15T00:00:00Z",
            "resolved_at": "2024-06-15T00:10:00Z",
            "severity": "sev3",
            "root_cause": "deadbeefdeadbeef",
        },
    ]


def incidents_from(raw: list[dict]) -> list[Incident]:
    return [
        Incident(
            id=r["id"],
            opened_at=at(r["opened_at"]),
            severity=r["severity"],
            resolved_at=at(r["resolved_at"]) if r.get("resolved_at") else None,
            root_cause=r.get("root_cause"),
            deployment=r.get("deployment"),
        )
        for r in raw
    ]


#: The pretend shas of the plain-data test are hex so that they load like real ones.
SHAS = {name: (f"{i}" * 40)[:40] for i, name in enumerate(COMMIT_TIMES, start=1)}
CHANGES = {
    "D1": ["c1", "c2"],
    "D2": ["c3", "c4"],
    "D4": ["c5"],
    "D5": ["c6"],
    "D6": [],
    "D7": [],
    "D8": ["c5", "c6", "c7"],
}


def check_answers(keys) -> None:
    assert keys.deployments == ("D2", "D4", "D5", "D6", "D7", "D8")
    assert keys.deployment_frequency_per_week.value == pytest.approx(1.5)
    assert keys.weekly_deployment_days == (1, 2, 1, 1)
    assert keys.deployment_days_per_week_median.value == 1
    assert keys.deployment_days_per_week_median.band == "high"
    assert keys.deployment_frequency_per_week.band == "high"
    assert sorted(keys.lead_times_hours.values()) == pytest.approx([2, 6, 6, 24, 26])
    assert keys.lead_time_hours_median.value == pytest.approx(6)
    assert keys.lead_time_hours_median.band == "elite"
    assert {k: (v.deployment, v.rule) for k, v in keys.links.items()} == {
        "I1": ("D2", "deployment"),
        "I2": ("D4", "root_cause"),
        "I3": ("D8", "time"),
        "I4": ("D1", "time"),
        "I5": ("D4", "time"),
    }
    assert keys.failed_deployments == ("D2", "D4", "D8")
    assert keys.change_failure_rate.value == pytest.approx(0.5)
    assert keys.change_failure_rate.band == "low"
    assert keys.restore_minutes == {"I1": 90, "I2": 120, "I5": 10}
    assert keys.time_to_restore_minutes_median.value == pytest.approx(90)
    assert keys.time_to_restore_minutes_median.band == "high"


def test_four_keys_from_plain_data_match_the_hand_computed_answers():
    deployments = [parse_deployment(d) for d in history_deployments(SHAS)]
    changes = {d: tuple(SHAS[c] for c in cs) for d, cs in CHANGES.items()}
    times = {SHAS[c]: at(t) for c, t in COMMIT_TIMES.items()}
    incidents = incidents_from(history_incidents(SHAS))
    keys = compute(deployments, incidents, changes, times, now=NOW, window_days=28)
    check_answers(keys)
    assert json.loads(json.dumps(keys.to_json()))["metrics"]["change_failure_rate"]["value"] == 0.5


def test_four_keys_of_a_generated_repository_match_the_hand_computed_answers(repo):
    sha = {
        name: repo.commit(f"feat(search): {name}" if name in ("c3", "c5") else f"fix: {name}", date=when)
        for name, when in COMMIT_TIMES.items()
    }
    repo.tag("v0.1.0", sha["c2"])
    repo.deployments(*history_deployments(sha))
    repo.write("delivery/incidents.yaml", "\n".join("- " + json.dumps(i) for i in history_incidents(sha)) + "\n")
    keys = project_four_keys(repo.settings(), now=NOW)
    check_answers(keys)
    assert set(keys.lead_times_hours) == {sha[c] for c in ("c3", "c4", "c5", "c6", "c7")}


def test_a_commit_delivered_twice_counts_once_at_its_first_delivery():
    deployments = [parse_deployment(d) for d in history_deployments(SHAS)]
    times = {SHAS[c]: at(t) for c, t in COMMIT_TIMES.items()}
    changes = {d: tuple(SHAS[c] for c in cs) for d, cs in CHANGES.items()}
    keys = compute(deployments, [], changes, times, now=NOW)
    assert keys.lead_times_hours[SHAS["c5"]] == pytest.approx(24)  # D4, not D8 (14 days later)
    assert keys.change_failure_rate.value == 0
    assert keys.change_failure_rate.band == "elite"


def test_missing_sources_are_not_measured_never_zero():
    keys = compute(
        None,
        None,
        {},
        {},
        now=NOW,
        sources={"deployments": "delivery/deployments.jsonl", "incidents": "delivery/incidents.yaml"},
    )
    for metric in keys.metrics():
        assert metric.value is None
        assert str(metric).startswith(f"{metric.name}: not measured: no ")
    assert keys.lead_time_hours_median.missing == "no deployment records (delivery/deployments.jsonl)"
    assert keys.time_to_restore_minutes_median.missing == "no incident records (delivery/incidents.yaml)"

    deployments = [parse_deployment(d) for d in history_deployments(SHAS)]
    changes = {d: tuple(SHAS[c] for c in cs) for d, cs in CHANGES.items()}
    times = {SHAS[c]: at(t) for c, t in COMMIT_TIMES.items()}
    without_incidents = compute(deployments, None, changes, times, now=NOW)
    assert without_incidents.change_failure_rate.missing == "no incident records (incidents)"
    assert without_incidents.deployment_frequency_per_week.value == pytest.approx(1.5)


def test_an_empty_window_measures_zero_deployments_and_nothing_else():
    deployments = [parse_deployment(d) for d in history_deployments(SHAS)]
    later = NOW.replace(year=2025)
    keys = compute(
        deployments,
        [],
        {d: tuple(SHAS[c] for c in cs) for d, cs in CHANGES.items()},
        {SHAS[c]: at(t) for c, t in COMMIT_TIMES.items()},
        now=later,
    )
    assert keys.deployment_frequency_per_week.value == 0
    assert keys.deployment_frequency_per_week.band == "low"
    assert keys.lead_time_hours_median.missing.startswith("no commit first delivered")
    assert keys.change_failure_rate.missing == "no successful production deployment in the window"
    assert keys.time_to_restore_minutes_median.missing == "no resolved incident opened in the window"


def test_final_status_decides_success_and_its_time_is_the_success_time():
    d = parse_deployment(
        deployment(
            "X",
            "a" * 40,
            ("success", "2024-06-02T00:00:00Z"),
            ("failure", "2024-06-02T01:00:00Z"),
            ("success", "2024-06-02T00:30:00Z"),
        )
    )
    assert d.final_status.state == "failure" and d.success_time is None
    retried = parse_deployment(
        deployment("Y", "a" * 40, ("failure", "2024-06-02T00:00:00Z"), ("success", "2024-06-02T02:00:00Z"))
    )
    assert retried.success_time == at("2024-06-02T02:00:00Z")
    assert [x.id for x in successful_production([d, retried])] == ["Y"]


def test_devlake_bands_and_median():
    assert lower_median([0, 1, 2, 3]) == 1 and lower_median([5]) == 5 and lower_median([3, 1, 2]) == 2
    assert band_deployment_frequency(7, 30) == "elite"
    assert band_deployment_frequency(1, 4) == "high"
    assert band_deployment_frequency(0, 1) == "medium"
    assert band_deployment_frequency(0, 0) == "low"


def test_incident_rules_apply_in_order():
    deployments = successful_production([parse_deployment(d) for d in history_deployments(SHAS)])
    changes = {d: tuple(SHAS[c] for c in cs) for d, cs in CHANGES.items()}
    both = Incident("both", at("2024-06-26T00:00:00Z"), "sev1", deployment="D5", root_cause=SHAS["c3"][:8])
    cause = Incident("cause", at("2024-06-26T00:00:00Z"), "sev1", root_cause=SHAS["c3"][:8])
    early = Incident("early", at("2024-05-01T00:00:00Z"), "sev1")
    links = link_incidents([both, cause, early], deployments, changes)
    assert (links["both"].deployment, links["both"].rule) == ("D5", "deployment")
    assert (links["cause"].deployment, links["cause"].rule) == ("D2", "root_cause")
    assert (links["early"].deployment, links["early"].rule) == (None, None)
