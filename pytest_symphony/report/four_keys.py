"""The delivery section of the report: the four DORA keys with their DevLake bands and trends.

Its source is the history's ``delivery:metrics`` events: the delivery symphony's beat 14 (or a
project pipeline using its handler) emits every metric it measured with its unit, band and
source, or why it is not measured.  The newest such event gives the values; the same metric
across the earlier events gives each key's trend (better or worse, by the key's direction).
The targets a gate missed below ``f`` (``delivery:target-missed`` events of that run) are
listed as notes.  A history without a measurement gives ``report["delivery"] = None``.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

import json
from html import escape

from .collect import open_history
from .work import ReportWork

#: (metric, title, True when a higher value is better)
KEYS = (
    ("deployment_frequency_per_week", "Deployment frequency", True),
    ("deployment_days_per_week_median", "Deployment days per week (median)", True),
    ("lead_time_hours_median", "Lead time for changes (median)", False),
    ("change_failure_rate", "Change failure rate", False),
    ("time_to_restore_minutes_median", "Time to restore (median)", False),
)
OTHERS = (
    "build_success_rate",
    "coverage",
    "feature_toggle_adoption",
    "exploration_to_release_days_median",
    "customer_satisfaction",
)
#: Trend points kept per key (the newest measurements).
TREND_POINTS = 20
BAND_STATUS = {"elite": "green", "high": "green", "medium": "yellow", "low": "red"}


def _events(work: ReportWork) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    known = {r["run_id"] for r in work.raw["runs"]}
    store = open_history(work)
    try:
        with store.snapshot():
            rows = store.rows(
                "SELECT run_id, sequence, name, payload_json, at FROM events WHERE name IN "
                "('delivery:metrics', 'delivery:target-missed') ORDER BY at, id"
            )
    finally:
        store.close()
    rows = [r for r in rows if r[0] in known]
    return [r for r in rows if r[2] == "delivery:metrics"], [r for r in rows if r[2] == "delivery:target-missed"]


def _trend(points: list[dict[str, Any]], higher_is_better: bool) -> dict[str, Any]:
    values = [p["value"] for p in points if p["value"] is not None]
    if len(values) < 2:
        return {"direction": None, "better": None, "change": None, "points": points}
    change = values[-1] - values[-2]
    direction = "flat" if change == 0 else ("up" if change > 0 else "down")
    better = None if change == 0 else (change > 0) == higher_is_better
    return {"direction": direction, "better": better, "change": change, "points": points}


def _metric(name: str, data: dict[str, Any] | None) -> dict[str, Any]:
    data = data or {"value": None, "unit": "", "source": "", "not_measured": "not recorded by this run"}
    return {
        "name": name,
        "value": data.get("value"),
        "unit": data.get("unit") or "",
        "band": data.get("band"),
        "source": data.get("source") or "",
        "not_measured": data.get("not_measured"),
    }


def summarize_four_keys(work: ReportWork) -> dict[str, Any]:
    """``report["delivery"]``: the newest measurement's keys with bands and trends, other metrics, notes."""
    measured, missed = _events(work)
    if not measured:
        work.report["delivery"] = None
        return {"measurements": 0}
    runs = [(run, seq, json.loads(payload or "{}"), at) for run, seq, _name, payload, at in measured]
    run_id, sequence, newest, at = runs[-1]
    recent = runs[-TREND_POINTS:]
    keys = []
    for name, title, higher in KEYS:
        points = [
            {"run_id": r, "at": when, "value": (p.get("metrics", {}).get(name) or {}).get("value")}
            for r, _s, p, when in recent
        ]
        keys.append(
            {
                **_metric(name, newest.get("metrics", {}).get(name)),
                "title": title,
                "higher_is_better": higher,
                "trend": _trend(points, higher),
            }
        )
    work.report["delivery"] = {
        "run_id": run_id,
        "sequence": sequence,
        "measured_at": at,
        "window": newest.get("window"),
        "measurements": len(runs),
        "keys": keys,
        "others": [_metric(n, newest.get("metrics", {}).get(n)) for n in OTHERS],
        "verdicts": newest.get("verdicts", []),
        "notes": [json.loads(p or "{}") for r, _s, _n, p, _at in missed if r == run_id],
    }
    return {"measurements": len(runs), "measured_keys": sum(1 for k in keys if k["value"] is not None)}


# --------------------------------------------------------------------------- rendering
def shown(metric: Mapping[str, Any]) -> str:
    """``0.75 per week``, ``66.7%`` for a rate, or ``not measured: <why>``."""
    value = metric["value"]
    if value is None:
        return f"not measured: {metric['not_measured'] or 'no value'}"
    if metric["name"] in ("change_failure_rate", "build_success_rate", "feature_toggle_adoption"):
        return f"{value * 100:.1f}%"
    unit = metric["unit"]
    return f"{value:.4g}" + ("%" if unit == "%" else f" {unit}" if unit else "")


def _arrow(trend: Mapping[str, Any]) -> str:
    if trend["direction"] is None:
        return "–"
    mark = {"up": "↑", "down": "↓", "flat": "→ unchanged"}[trend["direction"]]
    return mark + ("" if trend["better"] is None else " better" if trend["better"] else " worse")


def _days(window: Mapping[str, Any]) -> str:
    days = window.get("days")
    return f"{days:g}" if isinstance(days, (int, float)) else "?"


def markdown_lines(
    report: Mapping[str, Any],
    esc: Callable[[Any], str],
    table: Callable[[Iterable[str], Iterable[Iterable[Any]]], list[str]],
) -> list[str]:
    """The Markdown section (``esc`` and ``table`` are the Markdown renderer's)."""
    d = report.get("delivery")
    if not d:
        return []
    window = d.get("window") or {}
    out = [
        "## Delivery: the four keys",
        "",
        f"Measured by {esc(d['sequence'])} in run `{d['run_id']}` over the {_days(window)} days to "
        f"{esc(window.get('end'))}; bands are DevLake's (elite, high, medium, low); trends compare with the "
        f"measurement before ({d['measurements']} measurement(s)).",
        "",
    ]
    out += table(
        ["Key", "Value", "Band", "Trend", "Source"],
        (
            [esc(k["title"]), esc(shown(k)), esc(k["band"]), esc(_arrow(k["trend"])), esc(k["source"])]
            for k in d["keys"]
        ),
    )
    out += table(
        ["Metric", "Value", "Source"], ([esc(m["name"]), esc(shown(m)), esc(m["source"])] for m in d["others"])
    )
    if d["notes"]:
        out += ["Targets missed (warnings below the f dynamic):", ""]
        out += [f"- {esc(n.get('gate'))}: {esc(n.get('message'))}" for n in d["notes"]] + [""]
    return out


def _spark(points: list[dict[str, Any]]) -> str:
    values = [p["value"] for p in points]
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    lo, hi = min(known), max(known)
    step = 100 / (len(values) - 1)
    coords = " ".join(
        f"{i * step:.1f},{28 - 24 * ((v - lo) / ((hi - lo) or 1)):.1f}" for i, v in enumerate(values) if v is not None
    )
    return (
        f'<svg class="spark" viewBox="0 0 100 30" preserveAspectRatio="none" data-points="{len(known)}">'
        f'<polyline fill="none" stroke="currentColor" stroke-width="2" points="{coords}"/></svg>'
    )


def e(value: Any) -> str:
    return "–" if value is None else escape(str(value), quote=True)


def html_section(report: Mapping[str, Any]) -> str:
    """The dashboard section ``#four-keys``: a card per key with its band, trend and sparkline."""
    d = report.get("delivery")
    if not d:
        return (
            '<section id="four-keys"><h2>Delivery: the four keys</h2><p class="empty">No delivery '
            "measurement in the history (pytest --symphony=delivery records one).</p></section>"
        )
    cards = "".join(
        f'<div class="card {BAND_STATUS.get(k["band"] or "", "grey")}" data-key="{e(k["name"])}" '
        f'data-band="{e(k["band"])}" data-value="{e(k["value"])}" data-trend="{e(k["trend"]["direction"])}">'
        f'<div class="name">{e(k["title"])}</div><div class="value">{e(shown(k) if k["value"] is not None else None)}'
        f'</div><div class="band">{e(k["band"] or "not measured")}</div>'
        f'<div class="detail trend">{e(_arrow(k["trend"]))}</div>'
        + (f'<div class="detail missing">{e(k["not_measured"])}</div>' if k["value"] is None else "")
        + f"{_spark(k['trend']['points'])}</div>"
        for k in d["keys"]
    )
    others = "".join(
        f'<tr data-metric="{e(m["name"])}"><td>{e(m["name"])}</td><td>{e(shown(m))}</td><td>{e(m["source"])}</td></tr>'
        for m in d["others"]
    )
    notes = "".join(f"<li>{e(n.get('gate'))}: {e(n.get('message'))}</li>" for n in d["notes"])
    window = d.get("window") or {}
    return (
        f'<section id="four-keys"><h2>Delivery: the four keys</h2><p class="muted">Measured by '
        f"<code>{e(d['sequence'])}</code> in run <code>{e(d['run_id'])}</code> over the {_days(window)} "
        f"days to {e(window.get('end'))}; DevLake bands; trends against the measurement before.</p>"
        f'<div class="cards">{cards}</div><table id="delivery-metrics"><thead><tr><th>Metric</th><th>Value</th>'
        f"<th>Source</th></tr></thead><tbody>{others}</tbody></table>"
        + (f'<h3>Targets missed</h3><ul id="delivery-notes">{notes}</ul>' if notes else "")
        + "</section>"
    )
