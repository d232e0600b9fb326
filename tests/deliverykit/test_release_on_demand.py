"""Beats 13-17 on the four-keys history: stabilize, measure with verdicts, feedback, lessons, plan."""

from __future__ import annotations

import json
import sqlite3

import pytest

from pytest_symphony.deliverykit import (
    DeliveryError,
    feedback,
    lessons,
    measure,
    next_iteration,
    stabilize,
    load_deployments,
    load_incidents,
    read_evidence,
    write_evidence,
)
from pytest_symphony.deliverykit.records import Metric
from pytest_symphony.deliverykit import history as delivery_history
from pytest_symphony.telemetry import delivery_store

from .conftest import NOW
from .test_four_keys import COMMIT_TIMES, history_deployments, history_incidents


@pytest.fixture
def history(repo):
    sha = {
        name: repo.commit(f"feat(search): {name}" if name in ("c3", "c5") else f"fix: {name}", date=when)
        for name, when in COMMIT_TIMES.items()
    }
    repo.tag("v1.0.0", sha["c2"])
    repo.deployments(*history_deployments(sha))
    repo.write("delivery/incidents.yaml", "\n".join("- " + json.dumps(i) for i in history_incidents(sha)) + "\n")
    repo.write(
        "delivery/research/r.yaml", "{id: r1, feature: search, date: 2024-05-30, participants: [{role: user}]}\n"
    )
    repo.write(
        "delivery/hypotheses.yaml",
        """
        - {id: clicks, feature: search, metric: search_click_through, target: 0.3, window: 7d}
        - {id: speed, feature: search, metric: lead_time_hours_median, target: 4, direction: at_most, window: 7}
        - {id: later, feature: search, metric: search_click_through, target: 0.3, window: 60}
        - {id: unknown, feature: search, metric: nobody_measures_this, target: 1, window: 1}
        """,
    )
    repo.write(
        "delivery/measurements.yaml",
        "- {metric: search_click_through, value: 0.41, measured_at: 2024-06-08T00:00:00Z, feature: search}\n",
    )
    repo.sha = sha
    return repo


def test_stabilize_fails_above_the_change_failure_rate_at_f_and_warns_below(history):
    settings = history.settings()
    with pytest.raises(
        DeliveryError,
        match=r"change failure rate 50.0% over the last 28 days is above 15% "
        r"\(failed: D2, D4, D8\)",
    ):
        stabilize(settings, now=NOW)
    warned = stabilize(settings, now=NOW, enforce=False)
    assert warned.four_keys.change_failure_rate.value == 0.5 and "above 15%" in str(warned.warnings[0])
    assert stabilize(settings, now=NOW, max_change_failure_rate=0.5).warnings == ()


def test_measure_records_every_metric_and_judges_each_hypothesis(history):
    result = measure(
        history.settings(),
        now=NOW,
        features=["search"],
        enforce=False,
        extra={"coverage": Metric("coverage", 91.5, "%", "coverage.json")},
    )
    m = result.metrics
    assert m["lead_time_hours_median"].value == pytest.approx(6) and m["coverage"].value == 91.5
    assert m["feature_toggle_adoption"].missing.startswith("no flags file")
    assert m["build_success_rate"].missing == "no run history"
    # search's first commit c3 was first delivered by D2 at 06-04 10:00; research r1 on 05-30: 5.4167 days
    assert m["exploration_to_release_days_median"].value == pytest.approx(5 + 10 / 24)
    verdicts = {v.hypothesis: (v.verdict, v.reason) for v in result.verdicts}
    assert verdicts["clicks"] == ("validated", "search_click_through = 0.41, target >= 0.3 (from measurements)")
    assert verdicts["speed"][0] == "refuted" and "lead_time_hours_median = 6, target <= 4" in verdicts["speed"][1]
    assert verdicts["later"][0] == "inconclusive" and verdicts["later"][1].startswith("window ends 2024-08-03")
    assert verdicts["unknown"] == (
        "inconclusive",
        "not measured: no measurement of 'nobody_measures_this' in the window",
    )
    assert any("hypothesis speed is refuted" in str(w) for w in result.warnings)
    with pytest.raises(DeliveryError, match=r"hypotheses.yaml:2: hypothesis speed is refuted"):
        measure(history.settings(), now=NOW)


def test_feedback_computes_csat_and_nps_or_needs_a_waiver(history):
    settings = history.settings()
    with pytest.raises(DeliveryError, match="no feedback records in the window and no waiver"):
        feedback(settings, now=NOW)
    history.write(
        "delivery/feedback/june.yaml",
        """
        - {kind: csat, score: 5, date: 2024-06-20}
        - {kind: csat, score: 4, date: 2024-06-21}
        - {kind: csat, score: 2, date: 2024-06-22}
        - {kind: csat, score: 5, date: 2024-04-01}
        - {kind: nps, score: 10, date: 2024-06-20}
        - {kind: nps, score: 9, date: 2024-06-20}
        - {kind: nps, score: 7, date: 2024-06-20}
        - {kind: nps, score: 3, date: 2024-06-20}
        """,
    )
    result = feedback(settings, now=NOW)
    assert result.csat.value == pytest.approx(200 / 3) and result.nps.value == pytest.approx(25)
    history.write("pyproject.toml", "[tool.symphony.delivery]\ncsat_target = 80\n")
    with pytest.raises(DeliveryError, match=r"pyproject.toml:2: customer_satisfaction 66.7 is below the target 80"):
        feedback(history.settings(), now=NOW)
    assert len(feedback(history.settings(), now=NOW, enforce=False).warnings) == 1


def test_a_recorded_waiver_stands_in_for_feedback_until_it_expires(history):
    history.write(
        "pyproject.toml",
        '[tool.symphony.delivery]\nfeedback_waiver = {reason = "internal tool", '
        'approved_by = "PO", until = "2024-07-01"}\n',
    )
    assert feedback(history.settings(), now=NOW).waiver["approved_by"] == "PO"
    with pytest.raises(DeliveryError, match="the feedback waiver expired on 2024-07-01"):
        feedback(history.settings(), now=NOW.replace(month=8))


def test_lessons_write_the_changelog_entry_and_a_retro_with_the_numbers_once(history):
    history.write("CHANGELOG.md", "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2024-05-20\n\n- first\n")
    metrics = {
        "change_failure_rate": Metric("change_failure_rate", 0.5, "", "deployments", band="low"),
        "coverage": Metric.not_measured("coverage", "the test beat has not run", "%"),
    }
    result = lessons(history.settings(), version="1.1.0", metrics=metrics, now=NOW)
    text = (history.root / "CHANGELOG.md").read_text()
    assert text.index("## [Unreleased]") < text.index("## [1.1.0] - 2024-06-29") < text.index("## [1.0.0]")
    assert f"- **search:** c3 ({history.sha['c3'][:7]})" in text and "### Fixes" in text
    retro = result.retro.read_text()
    assert "| change_failure_rate | 0.5 (low) | deployments |" in retro
    assert "| coverage | not measured: the test beat has not run |" in retro
    history.write("delivery/retro/1.1.0.md", "# kept\n")
    again = lessons(history.settings(), version="1.1.0", now=NOW)
    assert not again.changelog_written and not again.retro_written
    assert (history.root / "CHANGELOG.md").read_text() == text and result.retro.read_text() == "# kept\n"


def test_next_iteration_proposes_the_version_and_a_plan_citing_evidence(history, tmp_path):
    history.write(
        "delivery/roadmap.yaml",
        """
        items:
          - {id: export, title: Export, status: next, wsjf: {business_value: 1, time_criticality: 1, risk_reduction: 1, job_size: 1}}
        """,
    )
    history.write("delivery/retro/1.0.0.md", "# Retro\n\n## Actions\n\n- Shorten the review queue\n")
    metrics = {"change_failure_rate": Metric("change_failure_rate", 0.5, "", "deployments", band="low")}
    plan = next_iteration(history.settings(), metrics=metrics, out_dir=tmp_path / "plan")
    assert (plan.current, plan.next_version, plan.bump) == ("v1.0.0", "1.1.0", "minor")
    evidence = {item.title: item.evidence for item in plan.items}
    assert evidence["Resolve incident I3 (sev3)"] == ("incident:I3",)
    assert evidence["Improve change_failure_rate"] == ("metric:change_failure_rate",)
    assert evidence["Deliver export: Export"] == ("roadmap:export",)
    assert evidence["Shorten the review queue"] == ("retro:delivery/retro/1.0.0.md:5",)
    assert all(item.evidence for item in plan.items)
    assert json.loads((tmp_path / "plan" / "plan.json").read_text())["next_version"] == "1.1.0"


def test_a_hand_written_plan_must_cite_evidence_that_exists(history):
    history.write(
        "delivery/plan.yaml",
        f"""
        - {{title: Fix search, evidence: ["incident:I1", "commit:{history.sha["c5"][:10]}"]}}
        - {{title: Rewrite everything}}
        - {{title: Chase ghosts, evidence: ["incident:I99"]}}
        """,
    )
    with pytest.raises(DeliveryError) as info:
        next_iteration(history.settings())
    text = str(info.value)
    assert "plan.yaml:2: plan item 'Rewrite everything' cites no evidence" in text
    assert "plan.yaml:3: plan item 'Chase ghosts': evidence 'incident:I99' is not in the history" in text
    assert "Fix search" not in text


def test_deployments_and_incidents_round_trip_through_the_history_tables(history):
    settings = history.settings()
    conn = sqlite3.connect(":memory:")
    delivery_store.create_tables(conn)
    deployments, incidents = load_deployments(settings).records, load_incidents(settings).records
    assert delivery_history.upsert_deployments(conn, deployments, run_id="r1") == 9
    assert delivery_history.upsert_deployments(conn, deployments[:1]) == 1  # an import twice changes nothing
    delivery_history.upsert_incidents(conn, incidents)
    assert delivery_history.query_deployments(conn) == sorted(deployments, key=lambda d: (d.created_at, d.id))
    assert [d.id for d in delivery_history.query_deployments(conn, "staging")] == ["D2s"]
    assert delivery_history.query_incidents(conn) == sorted(incidents, key=lambda i: (i.opened_at, i.id))


def test_evidence_persists_per_version_for_later_movements(history):
    settings = history.settings()
    path = write_evidence(settings, "1.1.0", "stage", {"green": "/envs/x"})
    assert path == history.root / ".symphony/delivery/1.1.0/stage.json"
    assert read_evidence(settings, "1.1.0", "stage") == {"green": "/envs/x"}
    with pytest.raises(DeliveryError, match="no evidence from beat 'deploy' for version 1.1.0"):
        read_evidence(settings, "1.1.0", "deploy")
