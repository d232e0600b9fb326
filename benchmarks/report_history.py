"""The synthetic run histories bench_report.py reads: written once, cached by size and version.

``runs`` x ``beats`` attempts (4 sequences x 5 movements x 5 beats by default), each with one
event and one metric, five conformity scores per run and a few violations.  The first 200 runs
are written through the history store; the rest are copies of them made in SQL (writing a
million attempts one by one would take ten minutes), their cells (``run_cells``) then folded
by the store.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
SEQUENCES, MOVEMENTS = 4, 5
DIMENSIONS = ("Orchestration", "Handler", "Governance", "Traceability", "Dependency")


#: Runs written through the store; more are copies of them made in SQL (writing a million
#: attempts one by one would take the benchmark ten minutes).
DISTINCT_RUNS = 200
#: Bump when the histories this file writes change: cached ones of another version are not reused.
HISTORY_VERSION = 1


def cached_history(cache: Path, runs: int, beats: int, seed: int = 7) -> tuple[Path, float | None]:
    """The history of ``runs`` x ``beats`` from the cache, written there first when missing
    (to a temporary name, renamed when complete); returns its path and the seconds writing took."""
    from pytest_symphony.telemetry.store import schema_version_newest

    name = f"h{runs}x{beats}-seed{seed}-v{HISTORY_VERSION}-schema{schema_version_newest()}"
    path = cache / name / ".symphony" / "history.sqlite"
    if path.is_file():
        return path, None
    partial = cache / f".{name}.{os.getpid()}" / ".symphony" / "history.sqlite"
    shutil.rmtree(partial.parent.parent, ignore_errors=True)
    took = write_history(partial, runs, beats, seed)
    try:
        os.replace(partial.parent.parent, path.parent.parent)
    except OSError:  # another benchmark wrote it meanwhile: use that one
        shutil.rmtree(partial.parent.parent, ignore_errors=True)
    return path, took


def write_history(path: Path, runs: int, beats: int, seed: int = 7) -> float:
    """A history of ``runs`` x ``beats`` attempts; returns the seconds it took."""
    start = time.perf_counter()
    _write_runs(path, min(runs, DISTINCT_RUNS), beats, seed)
    if runs > DISTINCT_RUNS:
        _copy_runs(path, DISTINCT_RUNS, runs)
        from pytest_symphony.telemetry.store import HistoryStore

        with HistoryStore(path) as store:  # the copies' cells, as the store folds a run that ends
            store.fold_unfolded_runs()
    return time.perf_counter() - start


def _run_id(r: int) -> str:
    return f"{(T0 + timedelta(hours=r)):%Y%m%dT%H%M%SZ}-{r:06x}"


def _copy_runs(path: Path, distinct: int, runs: int) -> None:
    """Runs ``distinct..runs-1`` as copies of run ``r % distinct``, each under its own id and hour."""
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")

    def columns(table: str) -> list[str]:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]

    def select(table: str, replace: dict[str, str]) -> str:
        return ", ".join(replace.get(c, c) for c in columns(table))

    by_run = [t for t in ("scores", "violations") if columns(t)]
    with conn:
        for r in range(distinct, runs):
            source, new = _run_id(r % distinct), _run_id(r)
            hours = f"'+{r - r % distinct} hours'"
            moved = {
                "run_id": "?",
                "started_at": f"strftime('%Y-%m-%dT%H:%M:%S+00:00', started_at, {hours})",
                "ended_at": f"strftime('%Y-%m-%dT%H:%M:%S+00:00', ended_at, {hours})",
            }
            conn.execute(f"INSERT INTO runs SELECT {select('runs', moved)} FROM runs WHERE run_id = ?", (new, source))
            shift = (
                conn.execute("SELECT max(id) FROM attempts").fetchone()[0]
                - conn.execute("SELECT min(id) FROM attempts WHERE run_id = ?", (source,)).fetchone()[0]
                + 1
            )
            conn.execute(
                f"INSERT INTO attempts SELECT {select('attempts', {**moved, 'id': f'id + {shift}', 'correlation_id': 'correlation_id'})} "
                "FROM attempts WHERE run_id = ?",
                (new, source),
            )
            for table in ("events", "metrics"):
                conn.execute(
                    f"INSERT INTO {table} SELECT {select(table, {'id': 'NULL', 'run_id': '?', 'attempt_id': f'attempt_id + {shift}'})} "
                    f"FROM {table} WHERE run_id = ?",
                    (new, source),
                )
            for table in by_run:
                conn.execute(
                    f"INSERT INTO {table} SELECT {select(table, {'id': 'NULL', 'run_id': '?'})} "
                    f"FROM {table} WHERE run_id = ?",
                    (new, source),
                )
    conn.close()


def _write_runs(path: Path, runs: int, beats: int, seed: int) -> None:
    from pytest_symphony.telemetry.records import make_run
    from pytest_symphony.telemetry.store import HistoryStore

    rnd = random.Random(seed)
    with HistoryStore(path) as store:
        batch: list[dict] = []
        for r in range(runs):
            run_id = _run_id(r)
            began = T0 + timedelta(hours=r)
            run = make_run(
                run_id,
                started_at=began.isoformat(),
                dynamic="mf",
                git_commit=f"{r // 25:040x}",
                selected=[f"seq-{s}" for s in range(SEQUENCES)],
            )
            run["ended_at"], run["exit_status"] = (began + timedelta(seconds=rnd.uniform(20, 40))).isoformat(), 0
            store.begin_run(run)
            batch += _attempts(run_id, r, began, beats, rnd)
            store.add_scores(run_id, {d: round(min(1.0, rnd.uniform(0.7, 1.05)), 4) for d in DIMENSIONS})
            if r % 10 == 0:
                store.add_violations(run_id, VIOLATIONS)
            if len(batch) >= 20_000:
                store.add_attempts(batch)
                batch = []
        store.add_attempts(batch)


def _attempts(run_id: str, r: int, began: datetime, beats: int, rnd: random.Random) -> list[dict]:
    """Run ``r``'s attempts: one per beat, 0.5% failed, every 37th beat eight times slower."""
    from pytest_symphony.telemetry.records import make_attempt, make_event

    per_seq = max(1, beats // SEQUENCES)
    per_mov = max(1, per_seq // MOVEMENTS)
    at = began.isoformat()
    attempts = []
    for b in range(beats):
        seq, index = divmod(b, per_seq)
        seq = min(seq, SEQUENCES - 1)
        mov, beat = divmod(index, per_mov)
        status = "failed" if rnd.random() < 0.005 else "passed"
        attempts.append(
            make_attempt(
                run_id=run_id,
                correlation_id=f"{run_id}-{seq}",
                sequence=f"seq-{seq}",
                movement=f"movement-{mov}",
                movement_number=mov + 1,
                beat=f"beat-{b}",
                beat_number=beat + 1,
                handler=f"handler_{b}",
                nodeid=f"sequences/seq-{seq}.yaml::seq-{seq}::movement-{mov}::beat-{b}",
                started_at=at,
                ended_at=at,
                duration_ms=rnd.lognormvariate(2.5, 0.4) * (8 if b % 37 == 0 else 1),
                status=status,
                attempt=1,
                events=[make_event(f"beat-{b}:done", {"n": b}, at)],
                metrics={"items": float(b)},
                dynamic="mf",
                spec_file=f"sequences/seq-{seq}.yaml",
                spec_line=b,
                spec_hash=f"{seq}{r // 100:063x}",
            )
        )
    return attempts


#: Written to every tenth run.
VIOLATIONS = [
    {
        "code": code,
        "severity": sev,
        "dimension": dim,
        "message": "synthetic",
        "place": {"path": "sequences/seq-0.yaml", "line": 3},
        "sequence": "seq-0",
    }
    for code, sev, dim in (("HANDLER_NOT_FOUND", "CRITICAL", "Handler"), ("METADATA_MISSING", "MINOR", "Governance"))
]
