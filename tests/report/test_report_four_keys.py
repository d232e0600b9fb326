"""The four DORA keys in the report: Markdown, JSON (schema 1.2) and the dashboard in a real Chromium."""

from __future__ import annotations

from datetime import timedelta

from pytest_symphony.report.dashboard import render_dashboard
from pytest_symphony.report.json_report import validate_report
from pytest_symphony.report.markdown import render_markdown
from pytest_symphony.report.model import ReportContext, build_report
from pytest_symphony.telemetry.records import make_attempt, make_event, make_run
from pytest_symphony.telemetry.store import HistoryStore

from .conftest import T0


def _key(name, value, unit, band, source="delivery/deployments.jsonl"):
    data = {"name": name, "value": value, "unit": unit, "source": source}
    return {**data, "band": band} if band else {**data, "not_measured": "no incident records (delivery/incidents.yaml)"}


def measurement(frequency: float, lead: float, failure: float | None) -> dict:
    """A ``delivery:metrics`` payload as beat 14 emits it."""
    keys = [
        _key("deployment_frequency_per_week", frequency, "per week", "high"),
        _key("deployment_days_per_week_median", 1.0, "days", "high"),
        _key("lead_time_hours_median", lead, "hours", "high" if lead < 168 else "medium"),
        _key("change_failure_rate", failure, "", "low" if failure is not None else None),
        _key("time_to_restore_minutes_median", None, "minutes", None),
    ]
    keys.append({"name": "coverage", "value": 91.5, "unit": "%", "source": "coverage.json"})
    return {
        "metrics": {k["name"]: k for k in keys},
        "verdicts": [],
        "window": {"start": "2026-10-27T03:00:00Z", "end": "2026-11-24T03:00:00Z", "days": 28.0},
    }


def _history(tmp_path, payloads: list[dict]) -> ReportContext:
    path = tmp_path / ".symphony" / "history.sqlite"
    with HistoryStore(path) as store:
        for n, payload in enumerate(payloads):
            run_id, at = f"run-{n}", (T0 + timedelta(days=7 * n)).isoformat()
            store.begin_run(make_run(run_id, started_at=at, dynamic="mf", rootdir=str(tmp_path)))
            events = [make_event("delivery:metrics", payload, at)]
            if n == len(payloads) - 1:
                events.append(
                    make_event(
                        "delivery:target-missed",
                        {
                            "gate": "stabilize",
                            "message": "change failure rate 50.0% over the last 28 days is above 15%",
                        },
                        at,
                    )
                )
            store.add_attempts(
                [
                    make_attempt(
                        run_id=run_id,
                        correlation_id=f"c{n}",
                        sequence="delivery",
                        movement="release-on-demand",
                        movement_number=4,
                        beat="measure-usage-impact",
                        beat_number=3,
                        handler="measureUsageAndImpact",
                        started_at=at,
                        ended_at=at,
                        duration_ms=5.0,
                        status="passed",
                        attempt=1,
                        events=events,
                        dynamic="mf",
                        spec_file="symphony:delivery",
                        spec_line=1,
                        spec_hash="d" * 64,
                        nodeid="symphony:delivery::delivery::release-on-demand::measure-usage-impact",
                    )
                ]
            )
            store.end_run(run_id, at, 0)
    return ReportContext(history_path=path, rootdir=tmp_path)


def test_the_newest_measurement_gives_values_bands_and_trends(tmp_path):
    work = build_report(_history(tmp_path, [measurement(0.5, 72.0, 0.25), measurement(0.75, 48.0, 0.5)]))
    delivery = work.report["delivery"]
    assert validate_report(work.report) == [] and work.report["schema_version"] == "1.3"
    keys = {k["name"]: k for k in delivery["keys"]}
    assert delivery["run_id"] == "run-1" and delivery["measurements"] == 2
    assert keys["deployment_frequency_per_week"]["trend"] == {
        "direction": "up",
        "better": True,
        "change": 0.25,
        "points": [
            {"run_id": "run-0", "at": keys["deployment_frequency_per_week"]["trend"]["points"][0]["at"], "value": 0.5},
            {"run_id": "run-1", "at": delivery["measured_at"], "value": 0.75},
        ],
    }
    assert (
        keys["lead_time_hours_median"]["trend"]["direction"],
        keys["lead_time_hours_median"]["trend"]["better"],
    ) == ("down", True)  # lower lead time is better
    assert (keys["change_failure_rate"]["trend"]["direction"], keys["change_failure_rate"]["trend"]["better"]) == (
        "up",
        False,
    )
    assert keys["time_to_restore_minutes_median"]["value"] is None
    assert keys["time_to_restore_minutes_median"]["not_measured"] == "no incident records (delivery/incidents.yaml)"
    assert delivery["notes"] == [
        {"gate": "stabilize", "message": "change failure rate 50.0% over the last 28 days is above 15%"}
    ]
    markdown = render_markdown(work.report)
    assert "| Change failure rate | 50.0% | low | ↑ worse | delivery/deployments.jsonl |" in markdown
    assert "| Lead time for changes (median) | 48 hours | high | ↓ better |" in markdown
    assert "| coverage | 91.5% | coverage.json |" in markdown
    assert "- stabilize: change failure rate 50.0% over the last 28 days is above 15%" in markdown


def test_a_history_without_a_measurement_has_no_delivery_section(tmp_path, history):
    history.run({"compile": 10.0})
    work = build_report(ReportContext(history_path=history.path, rootdir=tmp_path))
    assert work.report["delivery"] is None and validate_report(work.report) == []
    assert "Delivery: the four keys" not in render_markdown(work.report)
    assert "No delivery measurement in the history" in render_dashboard(work.report)


CARDS = (
    "[...document.querySelectorAll('#four-keys .card')].map(c => [c.dataset.key, c.dataset.band,"
    " c.querySelector('.value').textContent, c.querySelector('.band').textContent,"
    " c.querySelector('.trend').textContent, c.querySelector('svg.spark') ? c.querySelector('svg.spark')"
    ".dataset.points : null, getComputedStyle(c).borderLeftColor, c.getBoundingClientRect().height > 0])"
)


def test_dashboard_in_chromium_shows_the_four_keys_with_bands_and_trends(tmp_path, chromium):
    work = build_report(
        _history(tmp_path, [measurement(0.5, 72.0, 0.25), measurement(1.0, 60.0, 0.25), measurement(0.75, 48.0, 0.5)])
    )
    page = tmp_path / "dashboard.html"
    page.write_text(render_dashboard(work.report), encoding="utf-8")
    seen = chromium(
        page,
        tmp_path,
        expressions={
            "cards": CARDS,
            "nav": "document.querySelector('nav a[href=\"#four-keys\"]').textContent",
            "others": "[...document.querySelectorAll('#delivery-metrics tbody tr')].map(r => r.cells[1].textContent)",
            "notes": "[...document.querySelectorAll('#delivery-notes li')].map(li => li.textContent)",
            "missing": "document.querySelector('#four-keys .card[data-key=time_to_restore_minutes_median] .missing')"
            ".textContent",
        },
        screenshot="four-keys.png",
    )
    assert seen.requests == [seen.url] and seen.exceptions == [] and seen.log_errors == []
    green, red, grey = "rgb(31, 157, 85)", "rgb(214, 69, 69)", "rgb(138, 148, 166)"
    assert seen.values["cards"] == [
        ["deployment_frequency_per_week", "high", "0.75 per week", "high", "↓ worse", "3", green, True],
        ["deployment_days_per_week_median", "high", "1 days", "high", "→ unchanged", "3", green, True],
        ["lead_time_hours_median", "high", "48 hours", "high", "↓ better", "3", green, True],
        ["change_failure_rate", "low", "50.0%", "low", "↑ worse", "3", red, True],
        ["time_to_restore_minutes_median", "–", "–", "not measured", "–", None, grey, True],
    ]
    assert seen.values["missing"] == "no incident records (delivery/incidents.yaml)"
    assert seen.values["nav"] == "Delivery"
    assert seen.values["others"][1] == "91.5%"
    assert seen.values["notes"] == ["stabilize: change failure rate 50.0% over the last 28 days is above 15%"]
