"""Movement 4 of the report: recommendations, each with its evidence, ranked by impact.

Impact is a number from 0 to 100 that says how much fixing the finding would move
the pipeline; it is derived from the evidence, never guessed:

* bottleneck: the beat's share of its sequence's median duration (x100);
* regression: the time the regression adds, as a share of the sequence's median
  duration (x100, at most 100);
* failing beat: 50 + 50 x its failure rate over the newest runs;
* flaky beat: 80 x its flake rate (at least 10);
* conformity gap: 200 x the distance of the score below Good (0.85), plus 30 when
  the dimension has a CRITICAL violation (at most 100);
* missing handler: 70 (the beat cannot run); orphaned handlers: 5;
* untraced beats: 40 x the share of beats without a scenario or test link.
"""

from __future__ import annotations

from typing import Any, Iterator

from .work import ReportWork
from .stats import rnd

#: A beat is a bottleneck when it takes this share of its sequence's median time...
BOTTLENECK_SHARE = 0.25
#: ...and at least this long (ms) at the median.
BOTTLENECK_MIN_MS = 10.0
#: Dimensions scoring under this (the bottom of Good) are conformity gaps.
GAP_BELOW = 0.85
#: Failure rates look at this many newest runs of a beat.
RECENT_RUNS = 10


def _add(work: ReportWork, item: dict[str, Any]) -> None:
    work.raw.setdefault("findings", []).append(item)


def _beats(work: ReportWork) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    for seq in work.report["sequences"]:
        for mov in seq["movements"]:
            for beat in mov["beats"]:
                yield seq, mov, beat


# --------------------------------------------------------------------------- beat 4.1
def identify_bottlenecks(work: ReportWork) -> dict[str, Any]:
    """Slow beats (a large share of their sequence) and beats slower than their baseline."""
    found = 0
    for seq, mov, beat in _beats(work):
        seq_median = seq["timing"]["median"] or 0.0
        median = beat["timing"]["median"] or 0.0
        where = f"{seq['id']} {beat['label']} {beat['slug']}"
        if seq_median and median >= BOTTLENECK_MIN_MS and median / seq_median >= BOTTLENECK_SHARE:
            share = median / seq_median
            _add(
                work,
                {
                    "kind": "bottleneck",
                    "sequence": seq["id"],
                    "beat": beat["label"],
                    "impact": round(share * 100, 1),
                    "title": f"Beat {where} takes {share:.0%} of its sequence",
                    "evidence": {
                        "median_ms": median,
                        "p95_ms": beat["timing"]["p95"],
                        "sequence_median_ms": seq_median,
                        "share": rnd(share, 4),
                        "runs": beat["runs"],
                    },
                    "action": f"speed up handler '{beat['handler']}' or split the beat; cache what it recomputes",
                },
            )
            found += 1
        reg = beat["regression"]
        if reg:
            added = reg["last_ms"] - reg["baseline_ms"]
            _add(
                work,
                {
                    "kind": "regression",
                    "sequence": seq["id"],
                    "beat": beat["label"],
                    "impact": round(min(100.0, added / max(seq_median, 1.0) * 100), 1),
                    "title": f"Beat {where} regressed to {reg['last_ms']:.0f} ms ({reg['ratio']}x its baseline)",
                    "evidence": dict(reg),
                    "action": f"compare handler '{beat['handler']}' against the baseline runs",
                },
            )
            found += 1
    return {"found": found}


# --------------------------------------------------------------------------- beat 4.2
def identify_conformity_gaps(work: ReportWork) -> dict[str, Any]:
    """Dimensions below Good, with the codes that pull them down."""
    conf = work.report["conformity"]
    codes = conf["violations"]["by_code"]
    found = 0
    for dim in conf["dimensions"]:
        if dim["score"] is None or dim["score"] >= GAP_BELOW:
            continue
        mine = [c for c in codes if c["dimension"] == dim["name"]]
        critical = any(c["severity"] == "CRITICAL" for c in mine)
        impact = min(100.0, (GAP_BELOW - dim["score"]) * 200 + (30 if critical else 0))
        top = ", ".join(f"{c['code']} x{c['count']}" for c in mine[:3]) or "no violation stored"
        _add(
            work,
            {
                "kind": "conformity",
                "dimension": dim["name"],
                "impact": round(impact, 1),
                "title": f"{dim['name']} conformity is {dim['band']} ({dim['score']:.2f})",
                "evidence": {"score": dim["score"], "band": dim["band"], "run_id": conf["run_id"], "codes": mine[:5]},
                "action": f"fix {top}; run pytest --symphony-fix for the safe fixes",
            },
        )
        found += 1
    return {"found": found}


# --------------------------------------------------------------------------- beat 4.3
def generate_suggestions(work: ReportWork) -> dict[str, Any]:
    """Failing and flaky beats, missing or unused handlers, beats nothing traces to."""
    suggestions = _beat_suggestions(work) + _handler_suggestions(work.report["handlers"])
    suggestions += _traceability_suggestions(work.report["traceability"])
    for suggestion in suggestions:
        _add(work, suggestion)
    return {"found": len(suggestions)}


def _beat_suggestions(work: ReportWork) -> list[dict[str, Any]]:
    """A beat that failed in its latest run, else one that is flaky."""
    found = []
    for seq, mov, beat in _beats(work):
        where = f"{seq['id']} {beat['label']} {beat['slug']}"
        series = work.raw["beats"][(seq["id"], mov["number"], mov["slug"], beat["number"], beat["slug"])]
        recent = series.statuses[-RECENT_RUNS:]
        failures = sum(1 for s in recent if s not in ("passed", "skipped"))
        if beat["last_status"] not in ("passed", "skipped"):
            found.append(
                {
                    "kind": "failing",
                    "sequence": seq["id"],
                    "beat": beat["label"],
                    "impact": round(50 + 50 * failures / len(recent), 1),
                    "title": f"Beat {where} failed in its latest run",
                    "evidence": {"last_status": beat["last_status"], "failures": failures, "recent_runs": len(recent)},
                    "action": "read the failing beat's error in the pytest output or the telemetry JSONL",
                }
            )
        elif beat["flaky"]:
            found.append(
                {
                    "kind": "flaky",
                    "sequence": seq["id"],
                    "beat": beat["label"],
                    "impact": round(max(10.0, 80 * beat["flake_rate"]), 1),
                    "title": f"Beat {where} is flaky ({beat['flake_rate']:.0%} of runs)",
                    "evidence": {
                        "flake_rate": beat["flake_rate"],
                        "retries": beat["retries"],
                        "runs": beat["runs"],
                        "passed": beat["passed"],
                        "failed": beat["failed"],
                    },
                    "action": "make the handler deterministic; retries hide the cause",
                }
            )
    return found


def _handler_suggestions(handlers: dict[str, Any]) -> list[dict[str, Any]]:
    """Handlers specs name that are not registered; registered ones no beat uses."""
    found = [
        {
            "kind": "handler",
            "impact": 70.0,
            "title": f"Handler '{name}' is named but not registered",
            "evidence": {"handler": name},
            "action": "add it with @handler in a module of ini symphony_handlers",
        }
        for name in handlers["missing"]
    ]
    if handlers["orphaned"]:
        found.append(
            {
                "kind": "handler",
                "impact": 5.0,
                "title": f"{len(handlers['orphaned'])} registered handler(s) no beat uses",
                "evidence": {"handlers": handlers["orphaned"][:20]},
                "action": "remove them or name them from a beat",
            }
        )
    return found


def _traceability_suggestions(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """Beats linked to no scenario and no test."""
    untraced = [b for b in trace["beats"] if not (b["scenario"] or b["scenarios_run"] or b["tests"])]
    if not (trace["total"] and untraced):
        return []
    return [
        {
            "kind": "traceability",
            "impact": round(40 * (len(untraced) / trace["total"]), 1),
            "title": f"{len(untraced)} of {trace['total']} beats have no scenario or test link",
            "evidence": {
                "beats": [f"{b['sequence']} {b['movement_number']}.{b['beat_number']}" for b in untraced[:20]]
            },
            "action": "link a BDD scenario (scenario:) or a test (tests:) to each beat",
        }
    ]


# --------------------------------------------------------------------------- beat 4.4
def rank_by_impact(work: ReportWork) -> dict[str, Any]:
    """Highest impact first (ties: kind, then title); each gets its rank and a stable id."""
    findings = sorted(work.raw.get("findings", []), key=lambda f: (-f["impact"], f["kind"], f["title"]))
    for rank, item in enumerate(findings, start=1):
        item["rank"] = rank
        item["id"] = f"R{rank}"
    work.report["recommendations"] = findings
    return {"recommendations": len(findings), "top": findings[0]["title"] if findings else None}
