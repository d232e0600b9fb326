"""Movement 1 of the report: collect what the history and the specs say, then normalize it.

Reads the SQLite history in snapshots (a run writing at the same time never makes
one stage see half of another), loads the specs the history names (and those under
``symphony_paths``) for titles, descriptions, governance and links, and reduces
attempts to one outcome per beat per run.  Large histories stay fast: attempts are
read as plain tuples with the columns the report needs, nothing more.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from ..telemetry.store import HistoryStore
from .work import ReportError, ReportWork

#: Status ranks: the worst final attempt among a beat's targets is the beat's outcome in a run.
STATUS_RANK = {"passed": 0, "skipped": 1, "failed": 3, "timeout": 4, "error": 5}
RANK_STATUS = {0: "passed", 1: "skipped", 3: "failed", 4: "timeout", 5: "error"}
_BAD = ("failed", "error", "timeout")
_SEP = "\x1f"

# One row per beat attempt, with the beat's identity folded into one string by SQLite:
# building fewer Python objects is what keeps 100,000 attempts fast.  (``+kind``: a full
# scan, not the kind index, which would visit nearly every row anyway.  Folding in SQL
# instead, with GROUP BY on the beat key, measured three times slower.)
_ATTEMPT_SQL = (
    "SELECT run_id, sequence || char(31) || coalesce(movement_number, '') || char(31) || coalesce(movement, '') "
    "|| char(31) || coalesce(beat_number, '') || char(31) || coalesce(beat, ''), handler, "
    "CASE status WHEN 'passed' THEN 0 WHEN 'skipped' THEN 1 WHEN 'failed' THEN 3 WHEN 'timeout' THEN 4 "
    "ELSE 5 END, coalesce(attempt, 0), coalesce(duration_ms, 0.0), target FROM attempts WHERE +kind = 'beat'"
)
#: The newest ``?`` runs: the window a report looks at (``symphony_report_runs``); read through
#: the run_id index, so a report's cost follows the window, not the size of the history.
_WINDOW = "run_id IN (SELECT run_id FROM runs ORDER BY coalesce(started_at, '') DESC, run_id DESC LIMIT ?)"
# cell fields: total ms, final rank, final attempt, target, attempts, retries, passed on a retry, handler,
# finals of other targets ({target: (attempt, rank)}, or None)
C_MS, C_RANK, C_ATTEMPT, C_TARGET, C_COUNT, C_RETRIES, C_RETRY_PASS, C_HANDLER, C_OTHERS = range(9)
# fields of the per-beat series tuples normalize_metrics builds (oldest run first)
S_RUN, S_MS, S_STATUS, S_RETRIES, S_RETRY_PASS, S_HANDLER = range(6)
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
def query_execution_metrics(work: ReportWork) -> dict:
    """Runs, every beat attempt folded into one cell per beat per run, spec hashes,
    scenario attempts, event and metric names: what timing and success are made of."""
    store = open_history(work)
    try:
        with store.snapshot():
            in_history = store.rows("SELECT count(*) FROM runs")[0][0]
            limit = work.context.max_runs or 0
            limit = limit if limit < in_history else 0  # a window that holds every run is no window
            window, args = (f"AND {_WINDOW}", (limit,)) if limit else ("", ())
            order = (
                "coalesce(started_at, '') DESC, run_id DESC LIMIT ?" if limit else "coalesce(started_at, ''), run_id"
            )
            runs = [
                dict(zip(_RUN_FIELDS, row))
                for row in store.rows(f"SELECT {', '.join(_RUN_FIELDS)} FROM runs ORDER BY {order}", args)
            ]
            if limit:
                runs.reverse()
            beats, attempts = _fold_attempts(store.rows(f"{_ATTEMPT_SQL} {window}", args))
            spec_refs = store.rows(
                f"SELECT DISTINCT run_id, sequence, spec_file, spec_hash FROM attempts WHERE +kind = 'beat' {window}",
                args,
            )
            scenarios = store.rows(
                f"SELECT run_id, sequence, beat, status, nodeid, target FROM attempts WHERE kind = 'scenario' {window}",
                args,
            )
            recent = [r["run_id"] for r in runs[-EVENT_RUNS:]]
            events = store.rows(
                "SELECT a.sequence, a.movement, a.beat, e.name, count(*) FROM events e "
                "JOIN attempts a ON a.id = e.attempt_id "
                f"WHERE a.run_id IN ({', '.join('?' * len(recent))}) GROUP BY 1, 2, 3, 4",
                recent,
            )
            metric_names = store.rows(f"SELECT sequence, name FROM metrics WHERE 1 {window} GROUP BY 1, 2", args)
            # the last value each run recorded of each metric (a beat may record one twice, or retry)
            metric_values = store.rows(
                "SELECT run_id, sequence, name, value FROM metrics WHERE id IN "
                f"(SELECT max(id) FROM metrics WHERE 1 {window} GROUP BY run_id, sequence, name)",
                args,
            )
            version = store.schema_version()
    finally:
        store.close()
    if not runs:
        raise ReportError(f"{work.context.history_path}: the history holds no run yet; run a pipeline first")
    for run in runs:
        run["argv"] = json.loads(run.pop("argv_json") or "[]")
        run["selected"] = json.loads(run.pop("selected_json") or "[]")
    builtin = {seq for _run, seq, spec_file, _hash in spec_refs if str(spec_file or "").startswith(BUILTIN_PREFIX)}
    builtin_cells = {k: v for k, v in beats.items() if k.split(_SEP, 1)[0] in builtin}
    beats = {k: v for k, v in beats.items() if k not in builtin_cells}  # the project's own: what it is scored on
    subject = _subject(work.context.subject_run, runs, beats)
    work.raw.update(
        runs=runs,
        cells=beats,
        spec_refs=spec_refs,
        scenarios=scenarios,
        subject_run=subject,
        history_version=version,
        events=defaultdict(dict),
        metric_names=defaultdict(set),
        builtin_sequences=builtin,
        builtin_cells=builtin_cells,
        metric_values=metric_values,
    )
    for seq, mov, beat, name, count in events:
        work.raw["events"][(seq, mov, beat)][name] = count
    for seq, name in metric_names:
        work.raw["metric_names"][seq].add(name)
    work.report["history"] = {
        "path": str(work.context.history_path),
        "schema_version": version,
        "runs": len(runs),
        "runs_in_history": in_history,
        "first_run": runs[0]["run_id"],
        "last_run": runs[-1]["run_id"],
    }
    work.report["subject_run"] = subject
    return {"runs": len(runs), "attempts": attempts, "beats": len(beats), "subject_run": subject}


def _subject(asked: str | None, runs: list[dict], project_cells: dict) -> str:
    """The run the summary is about: the one asked for (else the newest), or, when that run holds no
    beat of the project's own sequences (a built-in pipeline's run), the newest run that does."""
    known = [r["run_id"] for r in runs]
    subject = asked if asked is not None and asked in known else known[-1]
    with_project = {run for cells in project_cells.values() for run in cells}
    if subject not in with_project:
        subject = next((r for r in reversed(known) if r in with_project), subject)
    return subject


def _fold_attempts(rows) -> tuple[dict, int]:
    """``{beat key text: {run id: cell}}``: time of every attempt, and the final attempt per target.

    ``rows`` are the window's already (the query selects them by run)."""
    beats: dict[str, dict[str, list]] = {}
    count = 0
    for run_id, key, handler, rank, attempt, ms, target in rows:
        count += 1
        cells = beats.get(key)
        if cells is None:
            cells = beats[key] = {}
        cell = cells.get(run_id)
        if cell is None:
            cells[run_id] = [ms, rank, attempt, target, 1, attempt > 1, attempt > 1 and rank == 0, handler, None]
            continue
        cell[C_MS] += ms
        cell[C_COUNT] += 1
        if attempt > 1:
            cell[C_RETRIES] += 1
            cell[C_RETRY_PASS] = cell[C_RETRY_PASS] or rank == 0
        if target == cell[C_TARGET]:
            if attempt >= cell[C_ATTEMPT]:
                cell[C_ATTEMPT], cell[C_RANK] = attempt, rank
        else:
            others = cell[C_OTHERS] = cell[C_OTHERS] or {}
            if target not in others or attempt >= others[target][0]:
                others[target] = (attempt, rank)
    return beats, count


# --------------------------------------------------------------------------- beat 1.2
def query_conformity_audit(work: ReportWork) -> dict:
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
def query_sequence_traceability(work: ReportWork) -> dict:
    """Specs behind the history (and under symphony_paths): beats, handlers, BDD and test links."""
    ctx = work.context
    spec_files: dict[str, str] = {}  # sequence -> newest spec file recorded
    order = work.raw["run_order"] = {r["run_id"]: i for i, r in enumerate(work.raw["runs"])}
    for run_id, seq, spec_file, _hash in sorted(work.raw["spec_refs"], key=lambda r: order[r[0]]):
        if spec_file:
            spec_files[seq] = spec_file
    candidates: list[tuple[str | None, Path, str]] = [(seq, _spec_path(ctx, f), f) for seq, f in spec_files.items()]
    for root in ctx.spec_roots:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.suffix in (".json", ".yaml", ".yml") and path.is_file():
                    candidates.append((None, path, _display(ctx, path)))
    specs: dict[str, dict] = {}
    builtin = work.raw.get("builtin_sequences", set())
    for seq, path, display in candidates:
        if seq in builtin:  # the built-in pipelines have a section of their own, outside the project's scores
            continue
        info = _load(path, display)
        key = info["id"] if info.get("loaded") else seq
        if key is None or key in specs or key in builtin:
            continue
        specs[key] = info
    scenarios: dict[tuple, list] = defaultdict(list)  # (sequence, beat slug) -> statuses
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


def _spec_path(ctx, spec_file: str) -> Path:
    if spec_file in ctx.builtin_specs:
        return ctx.builtin_specs[spec_file]
    return ctx.rootdir / spec_file


def _display(ctx, path: Path) -> str:
    try:
        return path.relative_to(ctx.rootdir).as_posix()
    except ValueError:
        return str(path)


def _load(path: Path, display: str) -> dict:
    from ..score.loader import load_spec

    if not path.is_file():
        return {"loaded": False, "spec_file": display, "problem": "spec file not found", "movements": []}
    result = load_spec(path, display_path=display)
    seq = result.sequence
    if seq is None:
        return {
            "loaded": False,
            "spec_file": display,
            "movements": [],
            "problem": str(result.problems[0]) if result.problems else "does not load",
        }
    gov = dict(seq.governance or {})
    return {
        "loaded": True,
        "id": seq.id,
        "title": seq.title,
        "description": seq.description,
        "kind": seq.kind,
        "version": seq.version,
        "spec_file": display,
        "spec_hash": seq.content_hash,
        "rollback": seq.rollback.display if seq.rollback else None,
        "governance": {
            "policies": [str(p) for p in _as_list(gov.get("policies"))],
            "metrics": [str(m) for m in _as_list(gov.get("metrics"))],
        },
        "movements": [
            {
                "number": m.number,
                "slug": m.slug,
                "title": m.title,
                "beats": [
                    {
                        "number": b.number,
                        "slug": b.slug,
                        "title": b.title,
                        "handler": b.handler.display if b.handler else None,
                        "event": b.event,
                        "scenario": b.scenario,
                        "tests": _tests(b.raw),
                        "criteria": len(b.acceptance_criteria),
                        "critical": b.critical,
                    }
                    for b in m.beats
                ],
            }
            for m in seq.movements
        ],
    }


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _tests(raw) -> list[str]:
    """Test links a beat declares: ``testFile``/``testCase``, ``test`` or ``tests``."""
    links = [str(t) for t in _as_list(raw.get("tests")) + _as_list(raw.get("test"))]
    if raw.get("testFile") or raw.get("testCase"):
        links.append("::".join(str(raw[k]) for k in ("testFile", "testCase") if raw.get(k)))
    return links


# --------------------------------------------------------------------------- beat 1.4
def aggregate_handler_coverage(work: ReportWork) -> dict:
    """Handlers the specs name, the registry holds, and the history saw pass."""
    referenced: dict[str, list[str]] = defaultdict(list)
    for seq, spec in work.raw["specs"].items():
        for mov in spec["movements"]:
            for beat in mov["beats"]:
                if beat["handler"]:
                    referenced[beat["handler"]].append(f"{seq} {mov['number']}.{beat['number']}")
        if spec.get("rollback"):
            referenced[spec["rollback"]].append(f"{seq} rollback")
    runs: dict[str, dict] = defaultdict(lambda: {"attempts": 0, "passed": 0, "duration_ms": 0.0})
    for cells in work.raw["cells"].values():
        for cell in cells.values():
            if cell[C_HANDLER] and cell[C_ATTEMPT]:
                h = runs[cell[C_HANDLER]]
                h["attempts"] += cell[C_COUNT]
                h["passed"] += cell[C_RANK] == 0
                h["duration_ms"] += cell[C_MS]
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
        "runs": dict(runs),
        "registered": registered,
        "orphaned": sorted(project - set(referenced)) if registry is not None else [],
        "missing": sorted(n for n in referenced if registered is not None and _unregistered(n, registered)),
        "covered": sorted(covered),
    }
    return {"referenced": len(referenced), "executed": len(executed), "covered": len(covered)}


def _unregistered(name: str, registered: set[str]) -> bool:
    return name not in registered and name.rpartition("#")[2] not in registered


# --------------------------------------------------------------------------- beat 1.5
def normalize_metrics(work: ReportWork) -> dict:
    """Per beat, its runs oldest first as ``(run index, ms, status, retries, passed on retry, handler)``;
    per run, beat outcomes, duration (wall time, else the sum of its beats) and success rate."""
    runs = work.raw["runs"]
    index = {r["run_id"]: i for i, r in enumerate(runs)}
    run_stats = [
        {
            "run_id": r["run_id"],
            "started_at": r["started_at"],
            "passed": 0,
            "failed": 0,
            "skipped": 0,
            "beat_ms": 0.0,
            "sequences": {},
        }
        for r in runs
    ]
    beats: dict[tuple, list[tuple]] = {}
    for text, cells in work.raw["cells"].items():
        seq, movnum, mov, beatnum, beat = text.split(_SEP)
        key = (seq, _int(movnum), mov, _int(beatnum), beat)
        series = []
        for run_id, cell in cells.items():
            rank = cell[C_RANK]
            if cell[C_OTHERS]:
                rank = max([rank] + [r for _a, r in cell[C_OTHERS].values()])
            status = RANK_STATUS.get(rank, "error")
            i = index[run_id]
            series.append((i, round(cell[C_MS], 3), status, cell[C_RETRIES], bool(cell[C_RETRY_PASS]), cell[C_HANDLER]))
            stat = run_stats[i]
            outcome = "failed" if rank >= 3 else status
            stat[outcome] += 1
            stat["beat_ms"] += cell[C_MS]
            per_seq = stat["sequences"].get(seq)
            if per_seq is None:
                per_seq = stat["sequences"][seq] = {"status": "passed", "ms": 0.0}
            per_seq["ms"] += cell[C_MS]
            if rank >= 3:
                per_seq["status"] = "failed"
        series.sort()
        beats[key] = series
    for stat, run in zip(run_stats, runs):
        stat["duration_ms"] = round(_wall_ms(run) or stat["beat_ms"], 3)
        ran = stat["passed"] + stat["failed"]
        stat["success_rate"] = round(stat["passed"] / ran, 4) if ran else None
    work.raw.update(beats=beats, run_stats=run_stats, run_index=index)
    return {"beats": len(beats), "runs": len(run_stats)}


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _wall_ms(run: dict) -> float | None:
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
