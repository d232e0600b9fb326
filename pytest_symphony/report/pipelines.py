"""The built-in pipelines' own section: their runs and timings, kept out of the project's scores.

A project with three beats is judged on those three: the build, conformity and report
pipelines are recorded in the same history, but health, traceability, handler coverage
and the status rows count the project's sequences only.  Here the built-ins get a
section of their own, and their success rate counts complete runs only: a ``pp`` run,
``-k validation`` or any other selection that left out a beat the run's dynamic would
run says nothing about whether the pipeline succeeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from collections import defaultdict

from ..runtime.dynamics import allows, required
from .series import iter_cells, split_key
from .work import ReportWork
from .stats import median, rate, rnd, timing

#: The slowest beats listed per pipeline (by median time).
SLOWEST = 3

#: A beat's ``(movement number, beat number)`` as a run's telemetry keys it (None: not numbered).
BeatNumbers = tuple["int | None", "int | None"]
#: ``{(movement, beat): (beat title, dynamic it needs)}`` of a built-in spec.
ExpectedBeats = dict[BeatNumbers, tuple[str, "str | None"]]


def expected_beats(path: Path | None) -> tuple[str, ExpectedBeats]:
    """(title, {(movement, beat): (beat title, dynamic it needs)}) of a built-in spec."""
    from ..score.loader import load_spec

    seq = load_spec(path).sequence if path is not None else None
    if seq is None:
        return "", {}
    return seq.title, {(m.number, b.number): (b.title, required(b, m)) for m in seq.movements for b in m.beats}


def is_complete(dynamic: str | None, seen: set[BeatNumbers], expected: ExpectedBeats) -> bool:
    """Whether a run at ``dynamic`` that ran the ``(movement, beat)`` numbers ``seen`` ran every beat the
    dynamic selects (``expected``: from :func:`expected_beats`); a ``pp`` run never is."""
    if not dynamic or dynamic == "pp" or not expected:
        return False
    try:
        wanted = {key for key, (_title, needs) in expected.items() if allows(dynamic, needs)}
    except KeyError:  # a dynamic this version does not know
        return False
    return wanted <= seen


def summarize_builtin_pipelines(work: ReportWork) -> dict[str, Any]:
    """``report["builtin"]``: per built-in pipeline, runs, complete runs and their success, timings."""
    dynamics = {r["run_id"]: r.get("dynamic") for r in work.raw["runs"]}
    order = {r["run_id"]: i for i, r in enumerate(work.raw["runs"])}
    files = {seq: f for _run, seq, f, _hash in work.raw["spec_refs"] if seq in work.raw.get("builtin_sequences", ())}
    per_run: dict[str, dict[str, dict[str, Any]]] = defaultdict(
        lambda: defaultdict(lambda: {"seen": set(), "rank": 0, "ms": 0.0})
    )
    beat_ms: dict[str, dict[BeatNumbers, list[float]]] = defaultdict(lambda: defaultdict(list))
    run_ids = [r["run_id"] for r in work.raw["runs"]]
    for text, series in work.raw.get("builtin_cells", {}).items():
        seq, movnum, _mov, beatnum, _beat = split_key(text)
        key = (movnum, beatnum)
        for index, ms, rank in iter_cells(series):
            run = per_run[seq][run_ids[index]]
            run["seen"].add(key)
            run["rank"] = max(run["rank"], rank)
            run["ms"] += ms
            beat_ms[seq][key].append(ms)
    rows = []
    for seq in sorted(per_run):
        title, expected = expected_beats(work.context.builtin_specs.get(files.get(seq, "")))
        runs = sorted(per_run[seq].items(), key=lambda kv: order[kv[0]])
        complete = [(rid, r) for rid, r in runs if is_complete(dynamics.get(rid), r["seen"], expected)]
        last_id, last = runs[-1]
        slowest = sorted(((median(v), k) for k, v in beat_ms[seq].items()), reverse=True)[:SLOWEST]
        rows.append(
            {
                "id": seq,
                "title": title or seq,
                "spec_file": files.get(seq),
                "runs": len(runs),
                "complete_runs": len(complete),
                "partial_runs": len(runs) - len(complete),
                "success_rate": rate(sum(1 for _rid, r in complete if r["rank"] < 3), len(complete)),
                "last_run": last_id,
                "last_status": "failed" if last["rank"] >= 3 else "passed",
                "last_complete": any(rid == last_id for rid, _r in complete),
                "timing": timing([r["ms"] for _rid, r in complete]),
                "slowest_beats": [
                    {"label": f"{k[0]}.{k[1]}", "title": (expected.get(k) or (str(k),))[0], "median_ms": rnd(ms)}
                    for ms, k in slowest
                ],
            }
        )
    work.report["builtin"] = {"pipelines": rows}
    return {"pipelines": len(rows), "complete_runs": sum(r["complete_runs"] for r in rows)}
