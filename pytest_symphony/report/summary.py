"""Movement 2 of the report: the executive summary.

Success rates, duration trends, health indicators in the guide's bands (Excellent,
Good, Acceptable, Needs attention, Critical) and a status row per sequence.
Health looks at the newest :data:`HEALTH_WINDOW` runs, so an old failure stops
weighing on today's health once the pipeline has been green for a while.
"""

from __future__ import annotations

from typing import Any

from .series import BAD as _BAD
from .work import ReportWork
from .stats import BAND_STATUS, band, mean, median, percentile, rate, regression, rnd, trend_pct

#: Runs the health indicators and the status dashboard look at (the newest ones).
HEALTH_WINDOW = 20

DIMENSIONS = ("Orchestration", "Handler", "Governance", "Traceability", "Dependency")


# --------------------------------------------------------------------------- beat 2.1
def calculate_summary_metrics(work: ReportWork) -> dict[str, Any]:
    """Run and beat success, duration now against before, violations, the trend series."""
    stats = [s for s in work.raw["run_stats"] if s["passed"] + s["failed"] + s["skipped"]]
    scores = work.raw["scores"]
    trends = []
    for s in work.raw["run_stats"]:
        trends.append(
            {
                "run_id": s["run_id"],
                "started_at": s["started_at"],
                "duration_ms": s["duration_ms"],
                "success_rate": s["success_rate"],
                "passed": s["passed"],
                "failed": s["failed"],
                "skipped": s["skipped"],
                "scores": scores.get(s["run_id"], {}),
            }
        )
    work.report["trends"] = {"runs": trends}
    subject = next(s for s in work.raw["run_stats"] if s["run_id"] == work.raw["subject_run"])
    durations = [s["duration_ms"] for s in stats]
    passed = sum(s["passed"] for s in stats)
    ran = passed + sum(s["failed"] for s in stats)
    conf_scores = scores.get(work.raw["conformity_run"] or "", {})
    by_severity: dict[str, int] = {}
    for v in work.raw["violations"]:
        sev = str(v.get("severity") or "INFO")
        by_severity[sev] = by_severity.get(sev, 0) + 1
    run = next(r for r in work.raw["runs"] if r["run_id"] == subject["run_id"])
    work.report["summary"] = {
        "runs": len(work.raw["runs"]),
        "period": {"from": work.raw["runs"][0]["started_at"], "to": work.raw["runs"][-1]["started_at"]},
        "subject": {
            "run_id": subject["run_id"],
            "started_at": subject["started_at"],
            "git_commit": run["git_commit"],
            "duration_ms": subject["duration_ms"],
            "passed": subject["passed"],
            "failed": subject["failed"],
            "skipped": subject["skipped"],
            "success_rate": subject["success_rate"],
            "status": "failed" if subject["failed"] else ("passed" if subject["passed"] else "no beats"),
        },
        "run_success_rate": rate(sum(1 for s in stats if not s["failed"]), len(stats)),
        "beat_pass_rate": rate(passed, ran),
        "duration": {
            "last": subject["duration_ms"],
            "median": rnd(median(durations)),
            "p95": rnd(percentile(durations, 95)),
            "trend_pct": trend_pct(durations),
        },
        "conformity": {
            "run_id": work.raw["conformity_run"],
            "score": mean(conf_scores.values()),
            "violations": len(work.raw["violations"]),
            "by_severity": by_severity,
        },
    }
    return {"runs": len(stats), "beat_pass_rate": work.report["summary"]["beat_pass_rate"]}


# --------------------------------------------------------------------------- beat 2.2
def compute_health_indicators(work: ReportWork) -> dict[str, Any]:
    """Each indicator a 0-1 value with its band and traffic light; overall: their mean."""
    window = work.raw["run_stats"][-HEALTH_WINDOW:]
    first = len(work.raw["run_stats"]) - len(window)
    ran = [s for s in window if s["passed"] + s["failed"]]
    passed = sum(s["passed"] for s in ran)
    total = passed + sum(s["failed"] for s in ran)
    flaky = regressed = beats = 0
    for series in work.raw["beats"].values():
        recent = series.since(first)
        if recent == len(series):
            continue
        beats += 1
        flaky += series.flake_rate(recent) > 0
        regressed += regression(series.durations) is not None
    indicators = [
        _indicator(
            "Run success",
            rate(sum(1 for s in ran if not s["failed"]), len(ran)),
            f"runs without a failed beat, newest {len(ran)}",
        ),
        _indicator("Beat pass rate", rate(passed, total), f"{passed} of {total} beat runs passed"),
        _indicator("Stability", rate(beats - flaky, beats), f"{flaky} flaky of {beats} beats"),
        _indicator("Performance", rate(beats - regressed, beats), f"{regressed} regressed of {beats} beats"),
    ]
    scores = work.raw["scores"].get(work.raw["conformity_run"] or "", {})
    if scores:
        indicators.append(_indicator("Conformity", mean(scores.values()), "mean of the five scores"))
        for dim in sorted(scores, key=lambda d: (DIMENSIONS.index(d) if d in DIMENSIONS else 9, d)):
            indicators.append(_indicator(f"Conformity: {dim}", scores[dim], f"{dim} score"))
    handlers = work.raw["handlers"]
    if handlers["referenced"]:
        indicators.append(
            _indicator(
                "Handler coverage",
                rate(len(handlers["covered"]), len(handlers["referenced"])),
                f"{len(handlers['covered'])} of {len(handlers['referenced'])} handlers passed",
            )
        )
    trace = work.report["traceability"]
    if trace["total"]:
        linked = sum(1 for b in trace["beats"] if b["scenario"] or b["scenarios_run"] or b["tests"])
        indicators.append(
            _indicator(
                "Traceability",
                rate(linked, trace["total"]),
                f"{linked} of {trace['total']} beats linked to a scenario or test",
            )
        )
    values = [i["value"] for i in indicators if i["value"] is not None]
    overall = mean(values)
    work.report["summary"]["health"] = {
        "overall": _indicator("Overall", overall, "mean of the indicators"),
        "indicators": indicators,
        "window_runs": len(window),
    }
    return {"overall": band(overall), "indicators": len(indicators)}


def _indicator(name: str, value: float | None, detail: str) -> dict[str, Any]:
    name_band = band(value)
    return {
        "name": name,
        "value": value,
        "band": name_band,
        "status": BAND_STATUS.get(name_band or "", "grey"),
        "detail": detail,
    }


# --------------------------------------------------------------------------- beat 2.3
def generate_status_dashboard(work: ReportWork) -> dict[str, Any]:
    """One row per sequence: last outcome, pass rate over the window, duration and trend."""
    runs = work.raw["run_stats"]
    rows = []
    titles = {seq: spec.get("title") or seq for seq, spec in work.raw["specs"].items()}
    names = sorted({seq for s in runs for seq in s["sequences"]})
    for seq in names:
        history = [(s["run_id"], s["sequences"][seq]) for s in runs if seq in s["sequences"]]
        window = history[-HEALTH_WINDOW:]
        durations = [h["ms"] for _r, h in history]
        pass_rate = rate(sum(1 for _r, h in window if h["status"] == "passed"), len(window))
        last_run, last = history[-1]
        rows.append(
            {
                "sequence": seq,
                "title": titles.get(seq, seq),
                "last_run": last_run,
                "last_status": last["status"],
                "runs": len(history),
                "pass_rate": pass_rate,
                "duration_ms": rnd(last["ms"]),
                "median_ms": rnd(median(durations)),
                "trend_pct": trend_pct(durations),
                "band": band(pass_rate),
                "status": "red"
                if last["status"] in _BAD or last["status"] == "failed"
                else BAND_STATUS.get(band(pass_rate) or "", "grey"),
            }
        )
    work.report["summary"]["status"] = rows
    return {"sequences": len(rows), "failing": sum(1 for r in rows if r["last_status"] == "failed")}
