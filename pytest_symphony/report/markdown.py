"""The Markdown report: what a person reads in a pull request or a wiki.

Rendered from the report dict only, so it says exactly what the JSON says.  Text
that comes from specs, handlers or telemetry is escaped: Markdown renderers pass
raw HTML through, so ``<``, ``>`` and ``&`` become entities, and table cells
escape ``|`` and lose their newlines.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .audit import AUDIT_ROWS
from .four_keys import markdown_lines as four_keys_lines
from .numbers import ms, pct, runs_text, signed

#: Violations listed one by one (the JSON report has every one).
MAX_VIOLATIONS = 50

_BADGE = {"green": "🟢", "yellow": "🟡", "red": "🔴", "grey": "⚪"}


def esc(value: Any) -> str:
    """Text made inert for Markdown and for the HTML a renderer lets through."""
    if value is None:
        return "–"
    text = str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "\\`*_[]|#":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def code(value: Any) -> str:
    """A code span: literal inside (no entities, no escapes), so only backticks and table pipes change."""
    if value is None or value == "":
        return "–"
    return "`" + " ".join(str(value).replace("`", "'").replace("|", "\\|").split()) + "`"


def table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    head = list(header)
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


def render_markdown(report: Mapping[str, Any]) -> str:
    out: list[str] = []
    _header(report, out)
    _summary(report, out)
    out += four_keys_lines(report, esc, table)
    _deep_dive(report, out)
    _recommendations(report, out)
    _audit(report, out)
    _lineage(report, out)
    return "\n".join(out).rstrip() + "\n"


def _header(report: Mapping[str, Any], out: list[str]) -> None:
    hist, summary = report["history"], report["summary"]
    out += [
        "# Symphony report",
        "",
        f"Generated {esc(report['generated_at'])} by pytest-symphony {esc(report['generator']['version'])} "
        f"(report schema {esc(report['schema_version'])}) from {code(hist['path'])}: "
        f"{runs_text(hist)}, {esc(summary['period']['from'])} to {esc(summary['period']['to'])}.",
        "",
    ]


def _summary(report: Mapping[str, Any], out: list[str]) -> None:
    s = report["summary"]
    health, subject = s["health"], s["subject"]
    overall = health["overall"]
    out += [
        "## Executive summary",
        "",
        f"**Overall health: {_BADGE[overall['status']]} {esc(overall['band'])} ({pct(overall['value'])})**",
        "",
        f"- Latest run {code(subject['run_id'])} ({esc(subject['started_at'])}, commit "
        f"{code((subject['git_commit'] or '')[:12]) if subject['git_commit'] else 'none'}): **{esc(subject['status'])}**, "
        f"{subject['passed']} passed, {subject['failed']} failed, {subject['skipped']} skipped in {ms(subject['duration_ms'])}",
        f"- Run success rate: {pct(s['run_success_rate'])} of runs had no failed beat; beat pass rate {pct(s['beat_pass_rate'])}",
        f"- Duration: last {ms(s['duration']['last'])}, median {ms(s['duration']['median'])}, "
        f"p95 {ms(s['duration']['p95'])}, trend {signed(s['duration']['trend_pct'])} against the baseline",
        f"- Conformity: score {pct(s['conformity']['score'])}, {s['conformity']['violations']} violation(s) "
        f"in run {code(s['conformity']['run_id'])}",
        "",
    ]
    out += [f"### Health indicators (newest {health['window_runs']} runs)", ""]
    out += table(
        ["Indicator", "Value", "Band", "Detail"],
        (
            [esc(i["name"]), pct(i["value"]), f"{_BADGE[i['status']]} {esc(i['band'])}", esc(i["detail"])]
            for i in health["indicators"]
        ),
    )
    out += ["### Status dashboard", ""]
    out += table(
        ["Sequence", "Last run", "Status", "Pass rate", "Duration", "Median", "Trend", "Band"],
        (
            [
                f"{esc(r['title'])} ({code(r['sequence'])})",
                f"{code(r['last_run'])}",
                f"{_BADGE[r['status']]} {esc(r['last_status'])}",
                pct(r["pass_rate"]),
                ms(r["duration_ms"]),
                ms(r["median_ms"]),
                signed(r["trend_pct"]),
                esc(r["band"]),
            ]
            for r in s["status"]
        ),
    )


def _deep_dive(report: Mapping[str, Any], out: list[str]) -> None:
    out += ["## Deep dive", ""]
    for seq in report["sequences"]:
        _sequence(seq, out)
    _builtin(report, out)
    _conformity(report["conformity"], out)
    _coverage(report, out)


def _sequence(seq: Mapping[str, Any], out: list[str]) -> None:
    """One sequence: its movements and beats in one table, then the metrics its handlers recorded."""
    out += [f"### {esc(seq['title'])} ({code(seq['id'])})", ""]
    if seq.get("description"):
        out += [esc(seq["description"]), ""]
    out += [
        f"{seq['runs']} run(s), pass rate {pct(seq['pass_rate'])}, median {ms(seq['timing']['median'])}, "
        f"p95 {ms(seq['timing']['p95'])}; spec {code(seq['spec_file'])}",
        "",
    ]
    rows = []
    for mov in seq["movements"]:
        rows.append(
            [
                f"**{mov['number']}**",
                f"**{esc(mov['title'])}**",
                "",
                "",
                "",
                ms(mov["timing"]["median"]),
                ms(mov["timing"]["p95"]),
                "",
                "",
            ]
        )
        for b in mov["beats"]:
            flags = ("flaky " if b["flaky"] else "") + ("regressed" if b["regression"] else "")
            rows.append(
                [
                    b["label"],
                    esc(b["title"]),
                    f"{code(b['handler'])}",
                    b["runs"],
                    pct(b["pass_rate"]),
                    ms(b["timing"]["median"]),
                    ms(b["timing"]["p95"]),
                    ms(b["timing"]["last"]),
                    esc(flags.strip()) if flags else "",
                ]
            )
    out += table(["#", "Movement / beat", "Handler", "Runs", "Pass rate", "Median", "p95", "Last", "Flags"], rows)
    if seq.get("metrics"):
        out += [f"Metrics of {esc(seq['title'])} (recorded with `symphony.metric`):", ""]
        out += table(
            ["Metric", "Last", "Median", "Trend", "Runs"],
            (
                [esc(m["name"]), _value(m["last"]), _value(m["median"]), signed(m["trend_pct"]), m["runs"]]
                for m in seq["metrics"]
            ),
        )


def _conformity(conf: Mapping[str, Any], out: list[str]) -> None:
    """The latest scores per dimension, and the violations by code and one by one."""
    out += ["### Conformity", ""]
    if not conf["dimensions"]:
        out += ["No conformity run is recorded in the history.", ""]
    else:
        out += [f"Scores of run {code(conf['run_id'])}, with the change since the run before:", ""]
        out += table(
            ["Dimension", "Score", "Band", "Previous", "Change", "Lowest", "Highest"],
            (
                [
                    esc(d["name"]),
                    _num(d["score"]),
                    esc(d["band"]),
                    _num(d["previous"]),
                    _num(d["delta"], sign=True),
                    _num(d["min"]),
                    _num(d["max"]),
                ]
                for d in conf["dimensions"]
            ),
        )
        v = conf["violations"]
        out += [f"{v['total']} violation(s): " + ", ".join(f"{n} {esc(s)}" for s, n in v["by_severity"].items()), ""]
        if v["by_code"]:
            out += table(
                ["Code", "Severity", "Dimension", "Count"],
                ([f"{code(c['code'])}", esc(c["severity"]), esc(c["dimension"]), c["count"]] for c in v["by_code"]),
            )
            shown = v["items"][:MAX_VIOLATIONS]
            out += [f"Violations ({len(shown)} of {len(v['items'])}; all of them are in the JSON report):", ""]
            out += table(
                ["Code", "Severity", "Place", "Sequence", "Beat", "Message"],
                (
                    [
                        code(i["code"]),
                        esc(i["severity"]),
                        code(f"{i['path']}:{i['line']}" if i["line"] else i["path"]),
                        esc(i["sequence"]),
                        esc(i["beat"]),
                        esc(i["message"]),
                    ]
                    for i in shown
                ),
            )


def _coverage(report: Mapping[str, Any], out: list[str]) -> None:
    """Handlers named, registered and seen passing; beats linked to a handler, scenario or test."""
    h = report["handlers"]
    out += [
        "### Handler coverage",
        "",
        f"{h['covered']} of {h['referenced']} handlers named by specs passed at least once ({pct(h['coverage'])}).",
        "",
    ]
    if h["missing"]:
        out += ["Not registered: " + ", ".join(f"{code(n)}" for n in h["missing"]), ""]
    if h["orphaned"]:
        out += ["Registered but unused: " + ", ".join(f"{code(n)}" for n in h["orphaned"]), ""]
    t = report["traceability"]
    out += [
        f"Traceability: {t['with_handler']} of {t['total']} beats name a handler, {t['with_bdd']} link a BDD "
        f"scenario, {t['with_tests']} link a test.",
        "",
    ]


def _value(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _builtin(report: Mapping[str, Any], out: list[str]) -> None:
    pipelines = report.get("builtin", {}).get("pipelines", [])
    if not pipelines:
        return
    out += [
        "### Built-in pipelines",
        "",
        "Their runs are not counted in the project's health, traceability or handler coverage; success "
        "counts complete runs only (not `pp`, nor a `-k` selection that left a beat out).",
        "",
    ]
    out += table(
        ["Pipeline", "Runs", "Complete", "Success", "Last run", "Median (complete)", "Slowest beats"],
        (
            [
                f"{esc(p['title'])} ({code(p['id'])})",
                p["runs"],
                p["complete_runs"],
                pct(p["success_rate"]),
                f"{esc(p['last_status'])}{'' if p['last_complete'] else ' (partial)'}",
                ms(p["timing"]["median"]),
                ", ".join(f"{b['label']} {esc(b['title'])} ({ms(b['median_ms'])})" for b in p["slowest_beats"]),
            ]
            for p in pipelines
        ),
    )


def _num(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.4f}" if sign else f"{value:.4f}"


def _recommendations(report: Mapping[str, Any], out: list[str]) -> None:
    out += ["## Recommendations", ""]
    recs = report["recommendations"]
    if not recs:
        out += ["Nothing to recommend: no bottleneck, regression, failing or flaky beat, or conformity gap.", ""]
    for r in recs:
        evidence = "; ".join(f"{esc(k)}: {esc(v)}" for k, v in r["evidence"].items() if not isinstance(v, (list, dict)))
        out += [
            f"{r['rank']}. **{esc(r['title'])}** (impact {r['impact']:.0f}, {esc(r['kind'])}): {esc(r['action'])}."
            + (f" Evidence: {evidence}." if evidence else "")
        ]
    out += [""]


def _audit(report: Mapping[str, Any], out: list[str]) -> None:
    audit = report["audit"]
    s = audit["summary"]
    out += [
        "## Audit trail and lineage",
        "",
        f"{s['runs']} run(s); {s['runs_with_commit']} with a git commit ({s['commits']} distinct), "
        f"{s['spec_changes']} spec change(s), {s['fixes_applied']} fix(es) applied; "
        f"{s['compliant_sequences']} of {s['sequences']} sequence(s) comply with their governance.",
        "",
    ]
    runs = audit["runs"][-AUDIT_ROWS:]
    out += [f"### Runs (newest {len(runs)}; every run is in the JSON report)", ""]
    out += table(
        ["Run", "Started", "Commit", "Dynamic", "User", "Host", "Outcome", "Spec hashes"],
        (
            [
                f"{code(r['run_id'])}",
                esc(r["started_at"]),
                f"{code((r['git_commit'] or '')[:12])}",
                esc(r["dynamic"]),
                esc(r["user"]),
                esc(r["host"]),
                f"{r['outcome']['passed']}✓ {r['outcome']['failed']}✗ {r['outcome']['skipped']}↷",
                ", ".join(f"{esc(p['sequence'])} {code((p['spec_hash'] or '')[:12])}" for p in r["specs"]),
            ]
            for r in reversed(runs)
        ),
    )
    _changes_and_fixes(audit, out)
    _governance(audit["governance"], out)


def _changes_and_fixes(audit: Mapping[str, Any], out: list[str]) -> None:
    """The newest spec and commit changes, and the newest fixes applied."""
    if audit["changes"]:
        out += ["### Changes", ""]
        out += table(
            ["Run", "What", "Of", "From", "To"],
            (
                [
                    f"{code(c['run_id'])}",
                    esc(c["what"]),
                    esc(c["subject"]),
                    f"{code((c['from'] or '')[:12])}",
                    f"{code((c['to'] or '')[:12])}",
                ]
                for c in audit["changes"][-AUDIT_ROWS:]
            ),
        )
    if audit["fixes"]:
        out += ["### Fixes", ""]
        out += table(
            ["Run", "Code", "Path", "Snapshot", "Status"],
            (
                [
                    f"{code(f['run_id'])}",
                    f"{code(f['code'])}",
                    esc(f["path"]),
                    f"{code(f['snapshot_id'])}",
                    esc(f["status"]),
                ]
                for f in audit["fixes"][-AUDIT_ROWS:]
            ),
        )


def _governance(governance: list[dict[str, Any]], out: list[str]) -> None:
    out += ["### Governance compliance", ""]
    out += table(
        ["Sequence", "Status", "Checks", "Policies"],
        (
            [
                f"{code(g['sequence'])}",
                esc(g["status"]),
                "<br>".join(
                    f"{'✓' if c['passed'] else '✗'} {esc(c['name'])}: {esc(c['evidence'])}" for c in g["checks"]
                ),
                len(g["policies"]),
            ]
            for g in governance
        ),
    )


def _lineage(report: Mapping[str, Any], out: list[str]) -> None:
    src = report["lineage"]["sources"]
    out += [
        "## How this report was made",
        "",
        f"From {code(src['history'])} (history schema {src['history_schema_version']}), runs "
        f"{code(src['runs'][0])} to {code(src['runs'][1])}, {src['beat_outcomes']} beat outcomes.",
        "",
    ]
    out += table(
        ["Stage", "Started", "Time"],
        ([esc(t["stage"]), esc(t["started_at"]), ms(t["duration_ms"])] for t in report["lineage"]["transformations"]),
    )
