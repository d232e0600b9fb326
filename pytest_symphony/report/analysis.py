"""Movement 3 of the report: the deep dive.

Per sequence, per movement and per beat timing across runs (median and p95, nearest
rank), outcomes and flakiness; conformity per dimension over time with violations by
code and severity; handler coverage.  Builds the drill-down tree the dashboard shows:
``sequences[] > movements[] > beats[]``.
"""

from __future__ import annotations

from typing import Any

from collections import defaultdict

from .series import RunSums
from .work import ReportWork
from .stats import band, median, rate, regression, rnd, timing, trend_pct
from .summary import DIMENSIONS

_SEVERITIES = ("CRITICAL", "MAJOR", "MINOR", "INFO")


# --------------------------------------------------------------------------- beat 3.1
def analyze_movements(work: ReportWork) -> dict[str, Any]:
    """The sequence > movement tree with per-run totals: median and p95 of each level."""
    seq_runs: dict[str, RunSums] = work.raw["sequence_ms"]
    mov_runs: dict[tuple[str, int | None, str], RunSums] = work.raw["movement_ms"]
    specs = work.raw["specs"]
    status = {row["sequence"]: row for row in work.report["summary"]["status"]}
    sequences = []
    for seq in sorted(seq_runs):
        spec = specs.get(seq, {})
        titles = {m["number"]: m for m in spec.get("movements", [])}
        movements: list[dict[str, Any]] = []
        for (s, number, slug), runs in sorted(mov_runs.items(), key=lambda kv: (kv[0][1] or 0, kv[0][2])):
            if s != seq:
                continue
            movements.append(
                {
                    "number": number,
                    "slug": slug,
                    "title": (titles.get(number) or {}).get("title") or slug,
                    "timing": timing(runs.in_run_order()),
                    "beats": [],
                }
            )
        row = status.get(seq, {})
        sequences.append(
            {
                "id": seq,
                "title": spec.get("title") or seq,
                "description": spec.get("description"),
                "kind": spec.get("kind"),
                "spec_file": spec.get("spec_file"),
                "spec_hash": spec.get("spec_hash"),
                "runs": len(seq_runs[seq]),
                "pass_rate": row.get("pass_rate"),
                "last_status": row.get("last_status"),
                "timing": timing(seq_runs[seq].in_run_order()),
                "movements": movements,
            }
        )
    work.report["sequences"] = sequences
    return {"sequences": len(sequences), "movements": sum(len(s["movements"]) for s in sequences)}


# --------------------------------------------------------------------------- beat 3.2
def analyze_beats(work: ReportWork) -> dict[str, Any]:
    """Each beat: outcomes, timing, retries, flakiness, regression, the events it emits."""
    tree = {(s["id"], m["number"], m["slug"]): m for s in work.report["sequences"] for m in s["movements"]}
    titles = {}
    for seq, spec in work.raw["specs"].items():
        for mov in spec.get("movements", []):
            for beat in mov["beats"]:
                titles[(seq, mov["number"], beat["number"])] = beat["title"]
    flaky = 0
    for key in sorted(work.raw["beats"], key=lambda k: (k[0], k[1] or 0, k[3] or 0, k[4])):
        seq, movnum, movslug, beatnum, beatslug = key
        series = work.raw["beats"][key]
        statuses = series.statuses
        durations = series.durations
        passed, skipped = statuses.count("passed"), statuses.count("skipped")
        counts = {"passed": passed, "failed": len(statuses) - passed - skipped, "skipped": skipped}
        rate_flaky = series.flake_rate()
        flaky += rate_flaky > 0
        events = work.raw["events"].get((seq, movslug, beatslug), {})
        tree[(seq, movnum, movslug)]["beats"].append(
            {
                "number": beatnum,
                "slug": beatslug,
                "label": f"{movnum}.{beatnum}",
                "title": titles.get((seq, movnum, beatnum)) or beatslug,
                "handler": series.handler,
                "runs": len(series),
                **counts,
                "pass_rate": rate(counts["passed"], counts["passed"] + counts["failed"]),
                "timing": timing(durations),
                "retries": series.retries,
                "flake_rate": rate_flaky,
                "flaky": rate_flaky > 0,
                "last_status": statuses[-1],
                "regression": regression(durations),
                "events": sorted(events, key=lambda n: (-events[n], n))[:10],
            }
        )
    return {"beats": len(work.raw["beats"]), "flaky": flaky}


# --------------------------------------------------------------------------- beat 3.3
def analyze_conformity(work: ReportWork) -> dict[str, Any]:
    """Scores per dimension over time, the latest bands, violations by code and severity."""
    runs = work.raw["runs"]
    scores = work.raw["scores"]
    over_time = [
        {"run_id": r["run_id"], "started_at": r["started_at"], "scores": scores[r["run_id"]]}
        for r in runs
        if r["run_id"] in scores
    ]
    latest_run = work.raw["conformity_run"]
    latest = scores.get(latest_run or "", {})
    dims = sorted(
        {d for s in scores.values() for d in s} | (set(DIMENSIONS) if scores else set()),
        key=lambda d: (DIMENSIONS.index(d) if d in DIMENSIONS else 9, d),
    )
    dimensions = [_dimension(dim, over_time, latest.get(dim)) for dim in dims]
    violations = _violations(work.raw["violations"])
    per_run: dict[str, int] = defaultdict(int)
    for c in work.raw["violation_counts"]:
        per_run[c["run_id"]] += c["count"]
    violations["per_run"] = [
        {"run_id": r["run_id"], "count": per_run[r["run_id"]]} for r in runs if r["run_id"] in per_run
    ]
    work.report["conformity"] = {
        "run_id": latest_run,
        "dimensions": dimensions,
        "over_time": over_time,
        "violations": violations,
    }
    return {"dimensions": len(dimensions), "violations": violations["total"], "codes": len(violations["by_code"])}


def _dimension(dim: str, over_time: list[dict[str, Any]], value: float | None) -> dict[str, Any]:
    """One dimension's latest score and band, its change since the run before, its range."""
    series = [p["scores"][dim] for p in over_time if p["scores"].get(dim) is not None]
    previous = series[-2] if len(series) > 1 else None
    return {
        "name": dim,
        "score": value,
        "band": band(value),
        "previous": previous,
        "delta": rnd(value - previous, 4) if value is not None and previous is not None else None,
        "min": min(series) if series else None,
        "max": max(series) if series else None,
    }


def _violations(violations: list[dict[str, Any]]) -> dict[str, Any]:
    """The latest conformity run's violations: by severity, by code (worst and most first), one by one."""
    by_code: dict[tuple[Any, ...], int] = defaultdict(int)
    by_severity = {s: 0 for s in _SEVERITIES}
    items = []
    for v in violations:
        sev = str(v.get("severity") or "INFO")
        by_code[(v["code"], sev, str(v.get("dimension") or ""))] += 1
        by_severity[sev] = by_severity.get(sev, 0) + 1
        place = v.get("place") or v.get("location") or {}
        items.append(
            {
                "code": v["code"],
                "severity": sev,
                "dimension": v.get("dimension"),
                "message": v.get("message"),
                "path": place.get("path"),
                "line": place.get("line"),
                "sequence": v.get("sequence"),
                "beat": v.get("beat"),
                "fix": (v.get("fix") or {}).get("safety"),
            }
        )
    rank = {s: i for i, s in enumerate(_SEVERITIES)}
    codes = [
        {"code": c, "severity": s, "dimension": d or None, "count": n}
        for (c, s, d), n in sorted(by_code.items(), key=lambda kv: (rank.get(kv[0][1], 9), -kv[1], kv[0][0]))
    ]
    return {"total": len(items), "by_severity": by_severity, "by_code": codes, "items": items}


# --------------------------------------------------------------------------- beat 3.4
def analyze_handlers(work: ReportWork) -> dict[str, Any]:
    """Per handler: the beats naming it, attempts, pass rate, mean time; what is missing or unused."""
    h = work.raw["handlers"]
    rows = []
    for name in sorted(set(h["referenced"]) | set(h["runs"])):
        runs = h["runs"].get(name, {"attempts": 0, "passed": 0, "duration_ms": 0.0})
        rows.append(
            {
                "name": name,
                "beats": h["referenced"].get(name, []),
                "attempts": runs["attempts"],
                "passed": runs["passed"],
                "pass_rate": rate(runs["passed"], runs["attempts"]),
                "mean_ms": rnd(runs["duration_ms"] / runs["attempts"]) if runs["attempts"] else None,
                "registered": None
                if h["registered"] is None
                else name in h["registered"] or name.rpartition("#")[2] in h["registered"],
            }
        )
    work.report["handlers"] = {
        "referenced": len(h["referenced"]),
        "covered": len(h["covered"]),
        "coverage": rate(len(h["covered"]), len(h["referenced"])),
        "missing": h["missing"],
        "orphaned": h["orphaned"],
        "handlers": rows,
    }
    return {"handlers": len(rows), "missing": len(h["missing"]), "orphaned": len(h["orphaned"])}


# --------------------------------------------------------------------------- beat 3.5
def analyze_metrics(work: ReportWork) -> dict[str, Any]:
    """What handlers record with ``symphony.metric``: per sequence and name, the last value, median, trend."""
    order = {r["run_id"]: i for i, r in enumerate(work.raw["runs"])}
    series: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for run_id, seq, name, value in work.raw.get("metric_values", []):
        if run_id in order and value is not None:
            series[(seq, name)].append((order[run_id], float(value)))
    total = 0
    for seq in work.report["sequences"]:
        rows = []
        for (sid, name), points in sorted(series.items()):
            if sid != seq["id"]:
                continue
            values = [v for _i, v in sorted(points)]
            rows.append(
                {
                    "name": name,
                    "runs": len(values),
                    "last": rnd(values[-1], 6),
                    "median": rnd(median(values), 6),
                    "trend_pct": trend_pct(values),
                }
            )
        seq["metrics"] = rows
        total += len(rows)
    return {"metrics": total}
