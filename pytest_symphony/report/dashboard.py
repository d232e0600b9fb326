"""The HTML dashboard: one self-contained file that works offline from ``file://``.

Everything is rendered here, in Python, as escaped HTML and inline SVG (the page reads
the same with scripts off); the small inline script only adds chart tooltips, table
sorting and expand/collapse.  No request leaves the page: no external CSS, font, image
or script, and a Content-Security-Policy that allows only the page's own script (by
its hash) enforces it.  Every text that comes from specs, handlers or telemetry goes
through :func:`html.escape`; the data block for the script is JSON with ``<``, ``>``
and ``&`` as ``\\u`` escapes, so nothing in it can close its ``<script>`` element.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any, Iterable

from .audit import AUDIT_ROWS
from .four_keys import html_section as four_keys_section
from .markdown import ms, pct, runs_text, signed
from .summary import DIMENSIONS

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Chart geometry (SVG user units).
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 220, 60, 12, 14, 30
SERIES_COLORS = ("#3b5bdb", "#1f9d55", "#c2255c", "#e67700", "#0c8599", "#7048e8")
MAX_VIOLATION_ROWS = 300


def e(value: Any) -> str:
    """Escaped text (quotes too, so it is safe in attributes); None as a dash."""
    return "–" if value is None else escape(str(value), quote=True)


def short(value: str | None, size: int = 12) -> str:
    """A hash or commit cut to ``size`` characters, escaped; a dash when there is none."""
    return e(value[:size]) if value else "–"


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str, str]:
    read = lambda name: (TEMPLATES / name).read_text(encoding="utf-8")  # noqa: E731
    return read("dashboard.html"), read("dashboard.css"), read("dashboard.js")


def _json_for_script(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def render_dashboard(report: dict) -> str:
    template, css, js = _assets()
    charts: dict[str, dict] = {}
    body = "\n".join(
        [
            _health(report),
            four_keys_section(report),
            _trends(report, charts),
            _status(report),
            _sequences(report),
            _builtin(report),
            _violations(report),
            _recommendations(report),
            _audit(report),
        ]
    )
    script_hash = "sha256-" + base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    hist = report["history"]
    meta = (
        f"Generated {e(report['generated_at'])} from <code>{e(hist['path'])}</code>: {runs_text(hist)}, "
        f"{e(report['summary']['period']['from'])} to {e(report['summary']['period']['to'])}; "
        f"latest run <code>{e(report['subject_run'])}</code>."
    )
    footer = _lineage(report)
    # one pass over the template: a value can never be taken for another placeholder
    values = {
        "SCRIPT_HASH": script_hash,
        "VERSION": e(report["generator"]["version"]),
        "SCHEMA_VERSION": e(report["schema_version"]),
        "TITLE": "Symphony dashboard",
        "CSS": css,
        "META": meta,
        "BODY": body,
        "FOOTER": footer,
        "DATA": _json_for_script({"charts": charts}),
        "JS": js,
    }
    parts = template.split("@@")
    return "".join(values[p] if i % 2 else p for i, p in enumerate(parts))


# --------------------------------------------------------------------------- sections
def _health(report: dict) -> str:
    health = report["summary"]["health"]
    overall = health["overall"]
    cards = "".join(
        f'<div class="card {e(i["status"])}" data-indicator="{e(i["name"])}"><div class="name">{e(i["name"])}</div>'
        f'<div class="value">{pct(i["value"])}</div><div class="band">{e(i["band"])}</div>'
        f'<div class="detail">{e(i["detail"])}</div></div>'
        for i in health["indicators"]
    )
    s = report["summary"]
    subject = s["subject"]
    return (
        f'<section id="health"><h2>Executive summary</h2>'
        f'<p class="overall">Overall health <span class="badge {e(overall["status"])}">{e(overall["band"])}</span> '
        f"{pct(overall['value'])} · latest run <code>{e(subject['run_id'])}</code> "
        f'<span class="badge {e(subject["status"])}">{e(subject["status"])}</span> {subject["passed"]} passed, '
        f"{subject['failed']} failed, {subject['skipped']} skipped in {ms(subject['duration_ms'])} · "
        f"run success {pct(s['run_success_rate'])} · beat pass rate {pct(s['beat_pass_rate'])} · "
        f"duration trend {signed(s['duration']['trend_pct'])}</p>"
        f'<div class="cards">{cards}</div></section>'
    )


def _trends(report: dict, charts: dict) -> str:
    runs = report["trends"]["runs"]
    ids = [r["run_id"] for r in runs]
    when = [r["started_at"] for r in runs]
    figures = [
        _line_chart(
            charts, "duration", "Duration per run", "ms", ids, when, [("duration", [r["duration_ms"] for r in runs])]
        ),
        _line_chart(
            charts,
            "success",
            "Beat success per run",
            "%",
            ids,
            when,
            [("success", [r["success_rate"] for r in runs])],
            fixed=(0.0, 1.0),
        ),
    ]
    dims = [d for d in DIMENSIONS if any(d in r["scores"] for r in runs)]
    dims += sorted({d for r in runs for d in r["scores"]} - set(dims))
    figures.append(
        _line_chart(
            charts,
            "conformity",
            "Conformity scores per run",
            "score",
            ids,
            when,
            [(d, [r["scores"].get(d) for r in runs]) for d in dims],
            fixed=(0.0, 1.0),
            bands=True,
        )
    )
    return f'<section id="trends"><h2>Trends across {len(runs)} run(s)</h2><div class="charts">{"".join(figures)}</div></section>'


def _line_chart(
    charts: dict,
    name: str,
    title: str,
    unit: str,
    ids: list,
    when: list,
    series: list[tuple[str, list]],
    fixed: tuple[float, float] | None = None,
    bands: bool = False,
) -> str:
    values = [v for _n, vals in series for v in vals if v is not None]
    lo, hi = fixed or (0.0, (max(values) * 1.1 if values else 1.0) or 1.0)
    n = len(ids)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + plot_w / 2 if n == 1 else LEFT + i * plot_w / (n - 1)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - lo) / ((hi - lo) or 1))

    fmt = {"ms": ms, "%": pct}.get(unit, lambda v: "–" if v is None else f"{v:.2f}")
    parts = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{e(fmt(hi))}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end">{e(fmt(lo))}</text>',
    ]
    if bands:
        for bound in (0.95, 0.85, 0.75, 0.65):
            parts.append(
                f'<line class="grid" x1="{LEFT}" y1="{y(bound):.1f}" x2="{WIDTH - RIGHT}" y2="{y(bound):.1f}"/>'
                f'<text x="{LEFT - 6}" y="{y(bound) + 4:.1f}" text-anchor="end">{bound:.2f}</text>'
            )
    if n:
        parts.append(
            f'<text x="{LEFT}" y="{HEIGHT - 8}">{e(ids[0])}</text>'
            f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{e(ids[-1])}</text>'
        )
    legend, labels = [], []
    for k, (label, vals) in enumerate(series):
        color = SERIES_COLORS[k % len(SERIES_COLORS)]
        segments: list[list[str]] = []
        current: list[str] = []
        for i, v in enumerate(vals):
            if v is None:
                segments, current = segments + ([current] if current else []), []
            else:
                current.append(f"{x(i):.1f},{y(v):.1f}")
        segments += [current] if current else []
        for seg in segments:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="1.6" data-series="{e(label)}" '
                f'data-count="{len(seg)}" points="{" ".join(seg)}"/>'
            )
            if n <= 60:
                parts.extend(
                    f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2.4" fill="{color}"/>' for p in seg
                )
        last = next((v for v in reversed(vals) if v is not None), None)
        if last is not None:
            labels.append([max(TOP + 10, y(last) - 6), label, last])
        legend.append(f'<span><i style="background:{color}"></i>{e(label)} {e(fmt(last))}</span>')
    labels.sort()
    for i in range(1, len(labels)):  # labels of close values are stacked, never drawn over each other
        labels[i][0] = max(labels[i][0], labels[i - 1][0] + 12)
    parts.extend(
        f'<text class="last-value" data-series="{e(label)}" data-value="{last}" x="{WIDTH - RIGHT}" '
        f'y="{ly:.1f}" text-anchor="end">{e(label) + " " if len(series) > 1 else ""}{e(fmt(last))}</text>'
        for ly, label, last in labels
    )
    parts.append(f'<line class="guide" visibility="hidden" x1="0" y1="{TOP}" x2="0" y2="{TOP + plot_h}"/>')
    charts[name] = {
        "x": ids,
        "when": when,
        "unit": unit,
        "series": [{"name": s, "values": v} for s, v in series],
        "box": {"width": WIDTH, "left": LEFT, "right": WIDTH - RIGHT},
    }
    empty = "" if values else '<p class="empty">no data recorded yet</p>'
    return (
        f'<figure id="chart-{name}"><figcaption>{e(title)}</figcaption>'
        f'<svg class="chart" data-chart="{name}" data-runs="{n}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{e(title)}">{"".join(parts)}</svg><div class="legend">{"".join(legend)}</div>{empty}</figure>'
    )


def _table(table_id: str, header: Iterable[tuple[str, str]], rows: Iterable[str]) -> str:
    """``header``: (label, sort kind: "num", "text" or "")."""
    head = "".join(
        f"<th{' data-sort=' + chr(34) + kind + chr(34) if kind else ''}"
        f"{' class=' + chr(34) + 'num' + chr(34) if kind == 'num' else ''}>{e(label)}</th>"
        for label, kind in header
    )
    body = "".join(rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _num(value: Any, shown: str) -> str:
    return f'<td class="num" data-value="{"" if value is None else value}">{shown}</td>'


def _status(report: dict) -> str:
    rows = [
        f'<tr data-sequence="{e(r["sequence"])}"><td data-value="{e(r["title"])}"><a href="#seq-{e(r["sequence"])}">'
        f"{e(r['title'])}</a> <code>{e(r['sequence'])}</code></td>"
        f'<td><span class="badge {e(r["last_status"])}">{e(r["last_status"])}</span></td>'
        + _num(r["pass_rate"], pct(r["pass_rate"]))
        + _num(r["duration_ms"], ms(r["duration_ms"]))
        + _num(r["median_ms"], ms(r["median_ms"]))
        + _num(r["trend_pct"], signed(r["trend_pct"]))
        + _num(r["runs"], str(r["runs"]))
        + f'<td><span class="badge {e(r["status"])}">{e(r["band"])}</span></td></tr>'
        for r in report["summary"]["status"]
    ]
    header = [
        ("Sequence", "text"),
        ("Last run", "text"),
        ("Pass rate", "num"),
        ("Last duration", "num"),
        ("Median", "num"),
        ("Trend", "num"),
        ("Runs", "num"),
        ("Band", "text"),
    ]
    return f'<section id="status"><h2>Status dashboard</h2>{_table("status-table", header, rows)}</section>'


def _metrics(seq: dict) -> str:
    """The values the sequence's handlers recorded with ``symphony.metric``."""
    if not seq.get("metrics"):
        return ""
    rows = [
        f'<tr data-metric="{e(m["name"])}"><td>{e(m["name"])}</td>'
        + _num(m["last"], _value(m["last"]))
        + _num(m["median"], _value(m["median"]))
        + _num(m["trend_pct"], signed(m["trend_pct"]))
        + _num(m["runs"], str(m["runs"]))
        + "</tr>"
        for m in seq["metrics"]
    ]
    header = [("Metric", "text"), ("Last", "num"), ("Median", "num"), ("Trend", "num"), ("Runs", "num")]
    return f"<h3>Metrics</h3>{_table('metrics-' + e(seq['id']), header, rows)}"


def _value(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _slowest(pipeline: dict) -> str:
    return ", ".join(f"{b['label']} {b['title']} ({ms(b['median_ms'])})" for b in pipeline["slowest_beats"])


def _builtin(report: dict) -> str:
    """The built-in pipelines: their timings, apart from the project's scores."""
    pipelines = report.get("builtin", {}).get("pipelines", [])
    if not pipelines:
        return ""
    rows = [
        f'<tr data-pipeline="{e(p["id"])}"><td>{e(p["title"])} <code>{e(p["id"])}</code></td>'
        + _num(p["runs"], str(p["runs"]))
        + _num(p["complete_runs"], str(p["complete_runs"]))
        + _num(p["success_rate"], pct(p["success_rate"]))
        + f'<td><span class="badge {e(p["last_status"])}">{e(p["last_status"])}</span>'
        + ("" if p["last_complete"] else ' <span class="muted">partial</span>')
        + "</td>"
        + _num(p["timing"]["median"], ms(p["timing"]["median"]))
        + f"<td>{e(_slowest(p))}</td></tr>"
        for p in pipelines
    ]
    header = [
        ("Pipeline", "text"),
        ("Runs", "num"),
        ("Complete runs", "num"),
        ("Success (complete runs)", "num"),
        ("Last run", "text"),
        ("Median (complete runs)", "num"),
        ("Slowest beats", "text"),
    ]
    return (
        f'<section id="builtin"><h2>Built-in pipelines</h2><p class="muted">Not counted in the project\'s '
        f"health, traceability or handler coverage.</p>{_table('builtin-table', header, rows)}</section>"
    )


def _sequences(report: dict) -> str:
    out = ['<section id="sequences"><h2>Sequences, movements and beats</h2>']
    for seq in report["sequences"]:
        movements = []
        for mov in seq["movements"]:
            rows = [
                f'<tr data-beat="{e(b["label"])}"><td data-value="{e(b["label"])}">{e(b["label"])}</td>'
                f"<td>{e(b['title'])}</td><td><code>{e(b['handler'])}</code></td>"
                + _num(b["runs"], str(b["runs"]))
                + _num(b["pass_rate"], pct(b["pass_rate"]))
                + _num(b["timing"]["median"], ms(b["timing"]["median"]))
                + _num(b["timing"]["p95"], ms(b["timing"]["p95"]))
                + _num(b["timing"]["last"], ms(b["timing"]["last"]))
                + _num(b["retries"], str(b["retries"]))
                + f'<td><span class="badge {e(b["last_status"])}">{e(b["last_status"])}</span>'
                + (' <span class="badge yellow">flaky</span>' if b["flaky"] else "")
                + (' <span class="badge red">regressed</span>' if b["regression"] else "")
                + "</td>"
                + f"<td>{e(', '.join(b['events']))}</td></tr>"
                for b in mov["beats"]
            ]
            header = [
                ("#", "text"),
                ("Beat", "text"),
                ("Handler", "text"),
                ("Runs", "num"),
                ("Pass rate", "num"),
                ("Median", "num"),
                ("p95", "num"),
                ("Last", "num"),
                ("Retries", "num"),
                ("Status", "text"),
                ("Events", "text"),
            ]
            movements.append(
                f'<details class="mov" data-movement="{e(mov["number"])}"><summary>{e(mov["number"])}. {e(mov["title"])}'
                f' <span class="muted">· median {ms(mov["timing"]["median"])} · p95 {ms(mov["timing"]["p95"])} · '
                f'{len(mov["beats"])} beat(s)</span></summary><div class="inner">'
                f"{_table('beats-' + e(seq['id']) + '-' + e(mov['slug']), header, rows)}</div></details>"
            )
        description = f'<p class="description">{e(seq["description"])}</p>' if seq.get("description") else ""
        movements.append(_metrics(seq))
        out.append(
            f'<details class="seq" id="seq-{e(seq["id"])}" data-sequence="{e(seq["id"])}"><summary>{e(seq["title"])} '
            f'<code>{e(seq["id"])}</code> <span class="badge {e(seq["last_status"])}">{e(seq["last_status"])}</span> '
            f'<span class="muted">· {seq["runs"]} run(s) · pass rate {pct(seq["pass_rate"])} · median '
            f'{ms(seq["timing"]["median"])} · p95 {ms(seq["timing"]["p95"])}</span></summary><div class="inner">'
            f'{description}<p class="muted">spec <code>{e(seq["spec_file"])}</code> '
            f"<code>{short(seq['spec_hash'])}</code></p>{''.join(movements)}</div></details>"
        )
    if not report["sequences"]:
        out.append('<p class="empty">No beat has run yet.</p>')
    return "".join(out) + "</section>"


def _violations(report: dict) -> str:
    v = report["conformity"]["violations"]
    conf = report["conformity"]
    severities = " ".join(
        f'<span class="badge {e(s)}" data-severity="{e(s)}">{e(s)} {n}</span>' for s, n in v["by_severity"].items()
    )
    codes = v["by_code"][:20]
    top = max((c["count"] for c in codes), default=1)
    bar_h = 18
    bars = "".join(
        f'<g data-code="{e(c["code"])}"><text x="0" y="{i * bar_h + 13}">{e(c["code"])}</text>'
        f'<rect class="badge-{e(c["severity"])}" x="240" y="{i * bar_h + 3}" height="12" '
        f'width="{max(2, 420 * c["count"] / top):.1f}" fill="{_severity_color(c["severity"])}"/>'
        f'<text x="{248 + 420 * c["count"] / top:.1f}" y="{i * bar_h + 13}">{c["count"]}</text></g>'
        for i, c in enumerate(codes)
    )
    chart = (
        (
            f'<svg class="chart" viewBox="0 0 720 {max(1, len(codes)) * bar_h + 6}" role="img" '
            f'aria-label="violations by code">{bars}</svg>'
        )
        if codes
        else ""
    )
    rows = [
        f'<tr><td><code>{e(i["code"])}</code></td><td><span class="badge {e(i["severity"])}">{e(i["severity"])}'
        f"</span></td><td>{e(i['dimension'])}</td><td>{e(i['message'])}</td>"
        f"<td><code>{e(i['path'])}{':' + e(i['line']) if i['line'] else ''}</code></td><td>{e(i['sequence'])}</td>"
        f"<td>{e(i['beat'])}</td></tr>"
        for i in v["items"][:MAX_VIOLATION_ROWS]
    ]
    more = len(v["items"]) - MAX_VIOLATION_ROWS
    dims = "".join(
        f'<div class="card {e(_band_status(d["band"]))}" data-dimension="{e(d["name"])}">'
        f'<div class="name">{e(d["name"])}</div><div class="value">{_score(d["score"])}</div>'
        f'<div class="band">{e(d["band"])}</div><div class="detail">change {e(d["delta"])}</div></div>'
        for d in conf["dimensions"]
    )
    header = [
        ("Code", "text"),
        ("Severity", "text"),
        ("Dimension", "text"),
        ("Message", "text"),
        ("Place", "text"),
        ("Sequence", "text"),
        ("Beat", "text"),
    ]
    return (
        '<section id="violations"><h2>Conformity and violations</h2>'
        + (
            f'<p class="muted">Scores and violations of run <code>{e(conf["run_id"])}</code>.</p>'
            f'<div class="cards">{dims}</div>'
            if conf["run_id"]
            else '<p class="empty">No conformity run recorded.</p>'
        )
        + f"<h3>By severity</h3><p>{severities}</p><h3>By code</h3>{chart or '<p class=empty>none</p>'}"
        + (f"<h3>All violations</h3>{_table('violations-table', header, rows)}" if rows else "")
        + (f'<p class="muted">{more} more in the JSON report.</p>' if more > 0 else "")
        + "</section>"
    )


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _severity_color(severity: str) -> str:
    return {"CRITICAL": "#d64545", "MAJOR": "#e67700", "MINOR": "#c99a06"}.get(severity, "#8a94a6")


def _band_status(name: str | None) -> str:
    from .stats import BAND_STATUS

    return BAND_STATUS.get(name or "", "grey")


def _recommendations(report: dict) -> str:
    recs = report["recommendations"]
    if not recs:
        return (
            '<section id="recommendations"><h2>Recommendations</h2><p class="empty">Nothing to recommend.</p></section>'
        )
    items = "".join(
        f'<li data-kind="{e(r["kind"])}"><span class="impact" title="impact {r["impact"]:.0f}"><b style="width:'
        f'{r["impact"]:.0f}%"></b></span><strong>{e(r["title"])}</strong> <span class="muted">({e(r["kind"])}, impact '
        f'{r["impact"]:.0f})</span><br>{e(r["action"])}<br><span class="muted">evidence: '
        f"{e(json.dumps(r['evidence'], ensure_ascii=False))}</span></li>"
        for r in recs[:50]
    )
    return f'<section id="recommendations"><h2>Recommendations</h2><ol class="recs">{items}</ol></section>'


def _audit(report: dict) -> str:
    audit = report["audit"]
    runs = list(reversed(audit["runs"][-AUDIT_ROWS:]))
    rows = [
        f"<tr><td><code>{e(r['run_id'])}</code></td><td>{e(r['started_at'])}</td>"
        f"<td><code>{short(r['git_commit'])}</code></td><td>{e(r['dynamic'])}</td><td>{e(r['user'])}</td>"
        f"<td>{e(r['host'])}</td><td>{r['outcome']['passed']} passed, {r['outcome']['failed']} failed, "
        f"{r['outcome']['skipped']} skipped</td><td>"
        + ", ".join(f"{e(p['sequence'])} <code>{short(p['spec_hash'])}</code>" for p in r["specs"])
        + "</td></tr>"
        for r in runs
    ]
    header = [
        ("Run", "text"),
        ("Started", "text"),
        ("Commit", "text"),
        ("Dynamic", "text"),
        ("User", "text"),
        ("Host", "text"),
        ("Outcome", "text"),
        ("Spec hashes", "text"),
    ]
    gov = [
        f'<tr><td><code>{e(g["sequence"])}</code></td><td><span class="badge {e(g["status"])}">{e(g["status"])}'
        f"</span></td><td>"
        + "<br>".join(f"{'✓' if c['passed'] else '✗'} {e(c['name'])}: {e(c['evidence'])}" for c in g["checks"])
        + f"</td><td>{e('; '.join(g['policies']))}</td></tr>"
        for g in audit["governance"]
    ]
    fixes = [
        f"<tr><td><code>{e(f['run_id'])}</code></td><td><code>{e(f['code'])}</code></td><td>{e(f['path'])}</td>"
        f"<td><code>{e(f['snapshot_id'])}</code></td><td>{e(f['status'])}</td></tr>"
        for f in audit["fixes"][-AUDIT_ROWS:]
    ]
    changes = [
        f"<tr><td><code>{e(c['run_id'])}</code></td><td>{e(c['what'])}</td><td>{e(c['subject'])}</td>"
        f"<td><code>{short(c['from'])}</code></td><td><code>{short(c['to'])}</code></td></tr>"
        for c in audit["changes"][-AUDIT_ROWS:]
    ]
    s = audit["summary"]
    return (
        f'<section id="audit"><h2>Audit trail and lineage</h2><p>{s["runs"]} run(s), {s["runs_with_commit"]} with a '
        f"commit; {s['spec_changes']} spec change(s); {s['fixes_applied']} fix(es) applied; "
        f"{s['compliant_sequences']} of {s['sequences']} sequence(s) compliant.</p>"
        f"<h3>Runs (newest {len(runs)})</h3>{_table('audit-runs', header, rows)}"
        f"<h3>Governance compliance</h3>"
        + _table("governance", [("Sequence", "text"), ("Status", "text"), ("Checks", ""), ("Policies", "")], gov)
        + (
            "<h3>Changes</h3>"
            + _table("changes", [("Run", "text"), ("What", "text"), ("Of", "text"), ("From", ""), ("To", "")], changes)
            if changes
            else ""
        )
        + (
            "<h3>Fixes</h3>"
            + _table(
                "fixes",
                [("Run", "text"), ("Code", "text"), ("Path", "text"), ("Snapshot", ""), ("Status", "text")],
                fixes,
            )
            if fixes
            else ""
        )
        + "</section>"
    )


def _lineage(report: dict) -> str:
    src = report["lineage"]["sources"]
    stages = ", ".join(f"{e(t['stage'])} {t['duration_ms']:.0f} ms" for t in report["lineage"]["transformations"])
    return (
        f"Made by pytest-symphony {e(report['generator']['version'])} from <code>{e(src['history'])}</code> "
        f"(history schema {e(src['history_schema_version'])}), {src['beat_outcomes']} beat outcomes. Stages: {stages}."
    )
