"""Movement 1 of the report: collect what the history and the specs say, then normalize it.

Reads the SQLite history in snapshots (a run writing at the same time never makes
one stage see half of another), loads the specs the history names (and those under
``symphony_paths``) for titles, descriptions, governance and links, and reduces
attempts to one outcome per beat per run (:mod:`.series`).  Large histories stay fast: the
history keeps each run's attempts folded into one cell per beat (:mod:`.history_cells`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from functools import reduce
from operator import add
from pathlib import Path
from typing import Any, Iterable

from ..paths import shown_path
from ..telemetry.store import HistoryStore
from ..telemetry.run_cells import KEY_SEP, X_ATTEMPT, X_COUNT
from .history_cells import read_cells
from .series import BeatSeries, RunSums, RunTotals, split_key
from .specs import load_spec_summary, spec_path
from .work import ReportError, ReportWork

#: The newest ``?`` runs: the window a report looks at (``symphony_report_runs``); read through
#: the run_id index, so a report's cost follows the window, not the size of the history.
_WINDOW = "run_id IN (SELECT run_id FROM runs ORDER BY coalesce(started_at, '') DESC, run_id DESC LIMIT ?)"
_RUN_FIELDS = (
    "run_id",
    "started_at",
    "ended_at",
    "dynamic",
    "user",
    "host",
    "git_commit",
    "exit_status",
    "argv_json",
    "selected_json",
    "python",
    "platform",
)
#: Events are listed per beat from the newest runs only (what a beat emits today).
EVENT_RUNS = 20
#: The recorded spec file of a built-in pipeline's beats: ``symphony:<alias>``.
BUILTIN_PREFIX = "symphony:"


def open_history(work: ReportWork) -> HistoryStore:
    path = work.context.history_path
    if not path.is_file():
        raise ReportError(
            f"{path}: no run history yet; run a pipeline first (pytest --symphony=<id>), "
            "or set ini symphony_dir to the folder that holds history.sqlite"
        )
    return HistoryStore(path).open()


# --------------------------------------------------------------------------- beat 1.1
def query_execution_metrics(work: ReportWork) -> dict[str, Any]:
    """Runs, every beat attempt folded into one series per beat, spec hashes, scenario attempts,
    event and metric names: what timing and success are made of."""
    store = open_history(work)
    try:
        with store.snapshot():
            read = _read_execution(store, work.context.max_runs or 0)
    finally:
        store.close()
    runs, beats = read["runs"], read["beats"]
    if not runs:
        raise ReportError(f"{work.context.history_path}: the history holds no run yet; run a pipeline first")
    builtin = {
        seq for _run, seq, spec_file, _hash in read["spec_refs"] if str(spec_file or "").startswith(BUILTIN_PREFIX)
    }
    builtin_cells = {k: v for k, v in beats.items() if k.split(KEY_SEP, 1)[0] in builtin}
    beats = {k: v for k, v in beats.items() if k not in builtin_cells}  # the project's own: what it is scored on
    subject = _subject(work.context.subject_run, runs, beats)
    work.raw.update(
        runs=runs,
        cells=beats,
        spec_refs=read["spec_refs"],
        scenarios=read["scenarios"],
        subject_run=subject,
        history_version=read["version"],
        events=defaultdict(dict),
        metric_names=defaultdict(set),
        builtin_sequences=builtin,
        builtin_cells=builtin_cells,
        metric_values=read["metric_values"],
    )
    for seq, mov, beat, name, count in read["events"]:
        work.raw["events"][(seq, mov, beat)][name] = count
    for seq, name in read["metric_names"]:
        work.raw["metric_names"][seq].add(name)
    work.report["history"] = {
        "path": str(work.context.history_path),
        "schema_version": read["version"],
        "runs": len(runs),
        "runs_in_history": read["in_history"],
        "first_run": runs[0]["run_id"],
        "last_run": runs[-1]["run_id"],
    }
    work.report["subject_run"] = subject
    return {"runs": len(runs), "attempts": read["attempts"], "beats": len(beats), "subject_run": subject}


def _read_execution(store: HistoryStore, limit: int) -> dict[str, Any]:
    """Everything beat 1.1 reads, in one snapshot: the newest ``limit`` runs (0: every run)."""
    in_history = store.rows("SELECT count(*) FROM runs")[0][0]
    limit = limit if limit < in_history else 0  # a window that holds every run is no window
    window, args = (f"AND {_WINDOW}", (limit,)) if limit else ("", ())
    order = "coalesce(started_at, '') DESC, run_id DESC LIMIT ?" if limit else "coalesce(started_at, ''), run_id"
    runs = [
        dict(zip(_RUN_FIELDS, row))
        for row in store.rows(f"SELECT {', '.join(_RUN_FIELDS)} FROM runs ORDER BY {order}", args)
    ]
    if limit:
        runs.reverse()
    for run in runs:
        run["argv"] = json.loads(run.pop("argv_json") or "[]")
        run["selected"] = json.loads(run.pop("selected_json") or "[]")
    # each run's cells as the history keeps them folded: a row per run, not per attempt
    cells = store.read(lambda conn: read_cells(conn, [run["run_id"] for run in runs], window, args))
    recent = [r["run_id"] for r in runs[-EVENT_RUNS:]]
    return {
        "in_history": in_history,
        "runs": runs,
        "beats": cells.beats,
        "attempts": cells.attempts,
        "spec_refs": cells.spec_refs,
        "scenarios": store.rows(
            f"SELECT run_id, sequence, beat, status, nodeid, target FROM attempts WHERE kind = 'scenario' {window}",
            args,
        ),
        "events": store.rows(
            "SELECT a.sequence, a.movement, a.beat, e.name, count(*) FROM events e "
            "JOIN attempts a ON a.id = e.attempt_id "
            f"WHERE a.run_id IN ({', '.join('?' * len(recent))}) GROUP BY 1, 2, 3, 4",
            recent,
        ),
        # the last value each run recorded of each metric, folded with its cells
        "metric_names": sorted({(seq, name) for _run, seq, name, _value in cells.metric_values}, key=_nulls_first),
        "metric_values": cells.metric_values,
        "version": store.schema_version(),
    }


def _nulls_first(pair: tuple[str | None, str | None]) -> tuple[tuple[bool, str], ...]:
    return tuple((text is not None, text or "") for text in pair)


def _subject(asked: str | None, runs: list[dict[str, Any]], project: dict[str, BeatSeries]) -> str:
    """The run the summary is about: the one asked for (else the newest), or, when that run holds no
    beat of the project's own sequences (a built-in pipeline's run), the newest run that does."""
    known = [r["run_id"] for r in runs]
    subject = asked if asked is not None and asked in known else known[-1]
    with_project: set[int] = set().union(*(series.runs for series in project.values()))
    if known.index(subject) not in with_project:
        subject = next((known[i] for i in reversed(range(len(known))) if i in with_project), subject)
    return subject


# --------------------------------------------------------------------------- beat 1.2
def query_conformity_audit(work: ReportWork) -> dict[str, Any]:
    """Scores, violations, fixes and artifacts of the runs collected in beat 1.1."""
    known = {r["run_id"] for r in work.raw["runs"]}
    store = open_history(work)
    try:
        with store.snapshot():
            scores = {r: s for r, s in store.scores().items() if r in known}
            counts = [c for c in store.violation_counts() if c["run_id"] in known]
            fixes = [f for f in store.fixes() if f["run_id"] in known]
            artifacts = [a for a in store.artifacts() if a["run_id"] in known]
            with_violations = {c["run_id"] for c in counts}
            audited = [r["run_id"] for r in work.raw["runs"] if r["run_id"] in scores or r["run_id"] in with_violations]
            latest = audited[-1] if audited else None
            violations = store.violations(latest) if latest else []
    finally:
        store.close()
    work.raw.update(
        scores=scores,
        violation_counts=counts,
        fixes=fixes,
        artifacts=artifacts,
        conformity_run=latest,
        violations=violations,
    )
    return {
        "scored_runs": len(scores),
        "conformity_run": latest,
        "violations": len(violations),
        "fixes": len(fixes),
        "artifacts": len(artifacts),
    }


# --------------------------------------------------------------------------- beat 1.3
def query_sequence_traceability(work: ReportWork) -> dict[str, Any]:
    """Specs behind the history (and under symphony_paths): beats, handlers, BDD and test links."""
    ctx = work.context
    spec_files: dict[str, str] = {}  # sequence -> newest spec file recorded
    order = work.raw["run_order"] = {r["run_id"]: i for i, r in enumerate(work.raw["runs"])}
    for run_id, seq, spec_file, _hash in sorted(work.raw["spec_refs"], key=lambda r: order[r[0]]):
        if spec_file:
            spec_files[seq] = spec_file
    candidates: list[tuple[str | None, Path, str]] = [(seq, spec_path(ctx, f), f) for seq, f in spec_files.items()]
    for root in ctx.spec_roots:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.suffix in (".json", ".yaml", ".yml") and path.is_file():
                    candidates.append((None, path, shown_path(path, ctx.rootdir, resolve=False)))
    specs: dict[str, dict[str, Any]] = {}
    builtin = work.raw.get("builtin_sequences", set())
    for seq, path, display in candidates:
        if seq in builtin:  # the built-in pipelines have a section of their own, outside the project's scores
            continue
        info = load_spec_summary(path, display)
        key = info["id"] if info.get("loaded") else seq
        if key is None or key in specs or key in builtin:
            continue
        specs[key] = info
    scenarios: dict[tuple[str, str], list[str]] = defaultdict(list)  # (sequence, beat slug) -> statuses
    for _run, seq, beat, status, _node, _target in work.raw["scenarios"]:
        scenarios[(seq, beat)].append(status)
    rows = []
    for seq, spec in specs.items():
        for mov in spec["movements"]:
            for beat in mov["beats"]:
                ran = scenarios.get((seq, beat["slug"]), [])
                rows.append(
                    {
                        "sequence": seq,
                        "movement": mov["slug"],
                        "movement_number": mov["number"],
                        "beat": beat["slug"],
                        "beat_number": beat["number"],
                        "handler": beat["handler"],
                        "scenario": beat["scenario"],
                        "tests": beat["tests"],
                        "criteria": beat["criteria"],
                        "scenarios_run": len(ran),
                        "scenarios_passed": ran.count("passed"),
                    }
                )
    work.raw["specs"] = specs
    work.report["traceability"] = {
        "beats": rows,
        "with_handler": sum(1 for r in rows if r["handler"]),
        "with_bdd": sum(1 for r in rows if r["scenario"] or r["scenarios_run"]),
        "with_tests": sum(1 for r in rows if r["tests"]),
        "total": len(rows),
    }
    return {"sequences": len(specs), "beats": len(rows)}


# --------------------------------------------------------------------------- beat 1.4
def aggregate_handler_coverage(work: ReportWork) -> dict[str, Any]:
    """Handlers the specs name, the registry holds, and the history saw pass."""
    referenced: dict[str, list[str]] = defaultdict(list)
    for seq, spec in work.raw["specs"].items():
        for mov in spec["movements"]:
            for beat in mov["beats"]:
                if beat["handler"]:
                    referenced[beat["handler"]].append(f"{seq} {mov['number']}.{beat['number']}")
        if spec.get("rollback"):
            referenced[spec["rollback"]].append(f"{seq} rollback")
    runs = _handler_runs(work.raw["cells"].values())
    registry = work.context.registry
    registered = None
    project = set()
    if registry is not None:
        entries = list(registry.entries())
        registered = {e.name for e in entries}
        project = {e.name for e in entries if e.origin != "builtin"}
    executed = {name for name, h in runs.items() if h["passed"]}
    covered = [n for n in referenced if n in executed]
    work.raw["handlers"] = {
        "referenced": dict(referenced),
        "runs": runs,
        "registered": registered,
        "orphaned": sorted(project - set(referenced)) if registry is not None else [],
        "missing": sorted(n for n in referenced if registered is not None and _unregistered(n, registered)),
        "covered": sorted(covered),
    }
    return {"referenced": len(referenced), "executed": len(executed), "covered": len(covered)}


def _handler_runs(beats: Iterable[BeatSeries]) -> dict[str, dict[str, Any]]:
    """Per handler: its attempts, the runs its beat passed in, and their time (cells whose attempt
    ran; a cell's handler is its first attempt's).  A stretch of plain cells (one first attempt
    each) is added up without a Python loop per cell, in the same order, so the sums are the same."""
    runs: dict[str, dict[str, Any]] = {}
    for series in beats:
        details, ranks, ms = series.details, series.ranks, series.ms
        for handler, start, end in series.handler_spans():
            if not handler:
                continue
            if not details or not any(start <= at < end for at in details):
                h = runs.setdefault(handler, {"attempts": 0, "passed": 0, "duration_ms": 0.0})
                h["attempts"] += end - start
                h["passed"] += ranks.count(0, start, end)
                h["duration_ms"] = reduce(add, ms[start:end], h["duration_ms"])
                continue
            for at in range(start, end):
                detail = details.get(at)
                if detail is None or detail[X_ATTEMPT]:
                    h = runs.setdefault(handler, {"attempts": 0, "passed": 0, "duration_ms": 0.0})
                    h["attempts"] += detail[X_COUNT] if detail else 1
                    h["passed"] += ranks[at] == 0
                    h["duration_ms"] += ms[at]
    return runs


def _unregistered(name: str, registered: set[str]) -> bool:
    return name not in registered and name.rpartition("#")[2] not in registered


# --------------------------------------------------------------------------- beat 1.5
def normalize_metrics(work: ReportWork) -> dict[str, Any]:
    """Per beat, its series (runs oldest first); per run, beat outcomes, duration (wall time, else
    the sum of its beats) and success rate; per sequence and movement, their time in each run."""
    runs = work.raw["runs"]
    index = {r["run_id"]: i for i, r in enumerate(runs)}
    beats = {split_key(text): series for text, series in work.raw["cells"].items()}
    totals = RunTotals(len(runs))
    sequence_ms: dict[str, RunSums] = {}  # per run, of the beats' rounded times, as the tree shows them
    movement_ms: dict[tuple[str, int | None, str], RunSums] = {}  # (sequence, number, slug)
    for key, series in beats.items():
        totals.add(key[0], series)
        sequence_ms.setdefault(key[0], RunSums(len(runs))).add(series.runs, series.durations)
        movement_ms.setdefault(key[:3], RunSums(len(runs))).add(series.runs, series.durations)
    run_stats = totals.run_stats(runs)
    for stat, run in zip(run_stats, runs):
        stat["duration_ms"] = round(_wall_ms(run) or stat["beat_ms"], 3)
        ran = stat["passed"] + stat["failed"]
        stat["success_rate"] = round(stat["passed"] / ran, 4) if ran else None
    work.raw.update(beats=beats, run_stats=run_stats, run_index=index, sequence_ms=sequence_ms, movement_ms=movement_ms)
    return {"beats": len(beats), "runs": len(run_stats)}


def _wall_ms(run: dict[str, Any]) -> float | None:
    start, end = run.get("started_at"), run.get("ended_at")
    if not (start and end):
        return None
    try:
        delta = datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(
            start.replace("Z", "+00:00")
        )
    except ValueError:
        return None
    return max(0.0, delta.total_seconds() * 1000)
