"""Movement 5 of the report: audit trail and lineage.

For each run: its git commit, the hash of every spec it ran, its dynamic, who ran it,
where and when; the changes between runs (spec hashes, commits) and the fixes applied
with their snapshot ids; whether each sequence complies with its governance.
"""

from __future__ import annotations

from typing import Any

import re
from collections import defaultdict

from .work import ReportWork

#: Newest runs listed one by one in the Markdown and HTML audit tables (JSON has all).
AUDIT_ROWS = 25


# --------------------------------------------------------------------------- beat 5.1
def trace_execution_lineage(work: ReportWork) -> dict[str, Any]:
    """Per run: commit, spec hashes, dynamic, user, host, when, outcome, artifacts."""
    hashes: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for run_id, seq, spec_file, spec_hash in sorted(work.raw["spec_refs"], key=lambda r: (r[1], r[2] or "")):
        hashes[run_id].append((seq, spec_file, spec_hash))
    artifacts = defaultdict(list)
    for art in work.raw["artifacts"]:
        artifacts[art["run_id"]].append({k: art[k] for k in ("name", "version", "kind", "size", "sha256", "path")})
    stats = {s["run_id"]: s for s in work.raw["run_stats"]}
    lineage = []
    for run in work.raw["runs"]:
        s = stats[run["run_id"]]
        lineage.append(
            {
                "run_id": run["run_id"],
                "started_at": run["started_at"],
                "ended_at": run["ended_at"],
                "git_commit": run["git_commit"],
                "dynamic": run["dynamic"],
                "user": run["user"],
                "host": run["host"],
                "argv": run["argv"],
                "exit_status": run["exit_status"],
                "outcome": {"passed": s["passed"], "failed": s["failed"], "skipped": s["skipped"]},
                "specs": [{"sequence": q, "spec_file": f, "spec_hash": h} for q, f, h in hashes.get(run["run_id"], [])],
                "artifacts": artifacts.get(run["run_id"], []),
            }
        )
    work.report["audit"] = {"runs": lineage}
    return {"runs": len(lineage), "with_commit": sum(1 for r in lineage if r["git_commit"])}


# --------------------------------------------------------------------------- beat 5.2
def document_changes(work: ReportWork) -> dict[str, Any]:
    """Spec hash and commit changes between consecutive runs, and every fix applied."""
    changes = []
    last_hash: dict[str, str] = {}
    last_commit = None
    for run in work.report["audit"]["runs"]:
        if run["git_commit"] and last_commit and run["git_commit"] != last_commit:
            changes.append(
                {
                    "run_id": run["run_id"],
                    "what": "commit",
                    "subject": None,
                    "from": last_commit,
                    "to": run["git_commit"],
                }
            )
        last_commit = run["git_commit"] or last_commit
        for spec in run["specs"]:
            seq, new = spec["sequence"], spec["spec_hash"]
            if new and seq in last_hash and last_hash[seq] != new:
                changes.append(
                    {"run_id": run["run_id"], "what": "spec", "subject": seq, "from": last_hash[seq], "to": new}
                )
            if new:
                last_hash[seq] = new
    fixes = [{k: f.get(k) for k in ("run_id", "code", "path", "snapshot_id", "status")} for f in work.raw["fixes"]]
    work.report["audit"]["changes"] = changes
    work.report["audit"]["fixes"] = fixes
    return {"changes": len(changes), "fixes": len(fixes)}


# --------------------------------------------------------------------------- beat 5.3
def verify_governance(work: ReportWork) -> dict[str, Any]:
    """Each sequence against its governance: beats pass, telemetry and declared metrics are
    recorded, no Governance violation is open."""
    runs = work.raw["run_stats"]
    gov_violations: defaultdict[str, int] = defaultdict(int)
    for v in work.raw["violations"]:
        if str(v.get("dimension")) == "Governance":
            gov_violations[v.get("sequence") or ""] += 1
    newest: defaultdict[str, set[tuple[str, int]]] = defaultdict(set)  # sequence -> (beat, newest run it ran in)
    for (seq, _mn, _ms, _bn, beat), series in work.raw["beats"].items():
        if len(series):
            newest[seq].add((beat, series.runs[-1]))
    results = []
    for seq, spec in sorted(work.raw["specs"].items()):
        policies = spec.get("governance", {}).get("policies", [])
        last = next((s for s in reversed(runs) if seq in s["sequences"]), None)
        if last is None:
            results.append({"sequence": seq, "policies": policies, "status": "not run", "checks": []})
            continue
        last_index = work.raw["run_index"][last["run_id"]]
        seen = {b for b, run in newest[seq] if run == last_index}
        checks = _governance_checks(work, seq, spec, last, seen, gov_violations.get(seq, 0))
        results.append(
            {
                "sequence": seq,
                "policies": policies,
                "status": "compliant" if all(c["passed"] for c in checks) else "non-compliant",
                "checks": checks,
            }
        )
    work.report["audit"]["governance"] = results
    return {"sequences": len(results), "compliant": sum(1 for r in results if r["status"] == "compliant")}


def _governance_checks(
    work: ReportWork, seq: str, spec: dict[str, Any], last: dict[str, Any], seen: set[str], violations: int
) -> list[dict[str, Any]]:
    """The four checks of one sequence's latest run (``seen``: the beats that ran in it)."""
    missing = [b["slug"] for m in spec.get("movements", []) for b in m["beats"] if b["slug"] not in seen]
    declared = spec.get("governance", {}).get("metrics", [])
    names = {_slug(n) for n in work.raw["metric_names"].get(seq, ())}
    untracked = [m for m in declared if _slug(m) not in names]
    return [
        _check(
            "every beat passed in the latest run",
            last["sequences"][seq]["status"] == "passed",
            f"run {last['run_id']}: {last['sequences'][seq]['status']}",
        ),
        _check(
            "every beat recorded telemetry",
            not missing,
            "all beats" if not missing else f"no telemetry for {', '.join(missing[:5])}",
        ),
        _check(
            "declared metrics are tracked",
            not untracked,
            f"{len(declared) - len(untracked)} of {len(declared)} tracked"
            + (f"; missing: {', '.join(untracked[:3])}" if untracked else ""),
        ),
        _check(
            "no Governance violation",
            not violations,
            f"{violations} Governance violation(s) in run {work.raw['conformity_run']}"
            if work.raw["conformity_run"]
            else "no conformity run recorded",
        ),
    ]


def _check(name: str, passed: bool, evidence: str) -> dict[str, Any]:
    return {"name": name, "passed": bool(passed), "evidence": evidence}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


# --------------------------------------------------------------------------- beat 5.4
def generate_audit_report(work: ReportWork) -> dict[str, Any]:
    """The audit summary: coverage of lineage, changes, fixes, governance, and the sources
    every section was computed from (so each number traces back to the history)."""
    audit = work.report["audit"]
    runs = audit["runs"]
    governance = audit["governance"]
    audit["summary"] = {
        "runs": len(runs),
        "runs_with_commit": sum(1 for r in runs if r["git_commit"]),
        "runs_with_spec_hashes": sum(1 for r in runs if r["specs"]),
        "spec_changes": sum(1 for c in audit["changes"] if c["what"] == "spec"),
        "commits": len({r["git_commit"] for r in runs if r["git_commit"]}),
        "fixes_applied": sum(1 for f in audit["fixes"] if (f["status"] or "applied") == "applied"),
        "compliant_sequences": sum(1 for g in governance if g["status"] == "compliant"),
        "sequences": len(governance),
    }
    work.report["lineage"]["sources"] = {
        "history": work.report["history"]["path"],
        "history_schema_version": work.raw["history_version"],
        "runs": [work.report["history"]["first_run"], work.report["history"]["last_run"]],
        "beat_outcomes": sum(len(series) for series in work.raw["beats"].values()),
        "specs": {
            seq: {"spec_file": s.get("spec_file"), "spec_hash": s.get("spec_hash")}
            for seq, s in sorted(work.raw["specs"].items())
        },
        "conformity_run": work.raw["conformity_run"],
    }
    return dict(audit["summary"])
