"""Each run's cells, as the history keeps them (``run_cells``), laid out as one series per beat.

The history folds a run's attempts into one cell per beat once, when the run ends
(:mod:`..telemetry.run_cells`); a report reads one row per run, not a row per attempt.  Runs of
the same beats (nearly all of them) are laid side by side a stretch at a time: the stretch's
blobs joined, each beat's column one array slice (``ms[p::n]``), no Python loop per cell.  A run
without a row (still running, or written outside the store) is folded from its attempt rows the
same way, so the series are what the attempt rows say either way.
"""

from __future__ import annotations

import sqlite3
from array import array
from dataclasses import dataclass
from itertools import count
from typing import Any

from ..telemetry.run_cells import (
    RunCells,
    details_from_json,
    fold_stored,
    from_blob,
    metrics_from_json,
    read_cell_keys,
    spec_refs_from_json,
    to_blob,
)
from .series import BeatSeries

_CELLS_SQL = (
    "SELECT run_id, attempts, keys, first_ids, ms, durations, ranks, details, spec_refs, metrics FROM run_cells WHERE 1"
)


@dataclass
class StoredRun:
    """One run's cells as read: its place in the window, and its row's blobs."""

    index: int
    run_id: str
    attempts: int
    keys: bytes  # cell_keys ids, array('q')
    first_ids: bytes
    ms: bytes
    durations: bytes
    ranks: bytes
    details: dict[int, list[Any]]
    spec_refs: list[tuple[str | None, str | None, str | None, int]]
    metrics: list[tuple[str | None, str | None, float | None]]

    @classmethod
    def folded(cls, index: int, run_id: str, cells: RunCells) -> StoredRun:
        """A run folded here rather than read: its cells as a stored row would give them."""
        blobs = (to_blob(cells.key_ids), to_blob(cells.first_ids), to_blob(cells.ms), to_blob(cells.durations))
        return cls(
            index, run_id, cells.attempts, *blobs, bytes(cells.ranks), cells.details, cells.spec_refs, cells.metrics
        )


@dataclass
class ReadCells:
    """What beat 1.1 reads of the window's runs: their series, attempts, spec references, metrics."""

    beats: dict[str, BeatSeries]  # beat key text -> series, as the attempt rows first name them
    attempts: int
    spec_refs: list[tuple[str, str | None, str | None, str | None]]  # (run, sequence, spec file, hash)
    metric_values: list[tuple[str, str | None, str | None, float | None]]  # (run, sequence, name, last value)


def read_cells(conn: sqlite3.Connection, run_ids: list[str], window: str, args: tuple[Any, ...]) -> ReadCells:
    """The cells of ``run_ids`` (the report's window, oldest first; ``window`` the SQL condition that
    selects them, empty for every run), read from ``run_cells`` or folded from attempt rows."""
    names = read_cell_keys(conn)
    ids = {name: key_id for key_id, name in names.items()}
    rows = {row[0]: row for row in conn.execute(f"{_CELLS_SQL} {window}", args)}
    stored = []
    for index, run_id in enumerate(run_ids):
        row = rows.get(run_id)
        if row is None:
            stored.append(_folded(index, run_id, conn, names, ids))
        else:
            _run, attempts, keys, first_ids, ms, durations, ranks, details, refs, metrics = row
            details, refs, metrics = details_from_json(details), spec_refs_from_json(refs), metrics_from_json(metrics)
            stored.append(
                StoredRun(index, run_id, attempts, keys, first_ids, ms, durations, ranks, details, refs, metrics)
            )
    spec_refs = [
        (run.run_id, seq, spec_file, spec_hash)
        for run in sorted(stored, key=lambda run: run.run_id)  # as SQL lists them: by run id, then row id
        for seq, spec_file, spec_hash, _first in run.spec_refs
    ]
    metric_values = [(run.run_id, *metric) for run in stored for metric in run.metrics]
    beats = lay_out(stored, names, by_run_id=bool(window))
    return ReadCells(beats, sum(run.attempts for run in stored), spec_refs, metric_values)


def _folded(
    index: int,
    run_id: str,
    conn: sqlite3.Connection,
    names: dict[int, tuple[str, str | None]],
    ids: dict[tuple[str, str | None], int],
) -> StoredRun:
    """A run folded here, its beats numbered like the stored ones (new ones after them)."""

    fresh = count(max(names, default=0) + 1)

    def key_ids(cells: list[tuple[str, str | None]]) -> list[int]:
        for name in cells:
            if name not in ids:
                ids[name] = number = next(fresh)
                names[number] = name
        return [ids[name] for name in cells]

    return StoredRun.folded(index, run_id, fold_stored(conn, run_id, key_ids))


def lay_out(
    stored: list[StoredRun], names: dict[int, tuple[str, str | None]], *, by_run_id: bool
) -> dict[str, BeatSeries]:
    """One series per beat from runs in window order, the beats in the order the attempt rows
    first name them: by row id over the whole history, by run id and row id in a window (the
    order SQLite reads them in: the whole table, or the run_id index)."""
    beats: dict[str, BeatSeries] = {}
    first: dict[str, Any] = {}
    start = 0
    while start < len(stored):
        end = start + 1
        while end < len(stored) and stored[end].keys == stored[start].keys:
            end += 1
        _lay_stretch(stored[start:end], names, beats, first, by_run_id)
        start = end
    for series in beats.values():
        series.finish()
    return {key: beats[key] for key in sorted(beats, key=first.__getitem__)}


def _lay_stretch(
    stretch: list[StoredRun],
    names: dict[int, tuple[str, str | None]],
    beats: dict[str, BeatSeries],
    first: dict[str, Any],
    by_run_id: bool,
) -> None:
    """Runs of the same beats, in order: each beat's cells appended with array slices."""
    key_ids = from_blob("q", stretch[0].keys)
    n = len(key_ids)
    if not n:
        return
    runs = array("l", [run.index for run in stretch])
    ms = from_blob("d", b"".join(run.ms for run in stretch))
    durations = from_blob("d", b"".join(run.durations for run in stretch))
    ranks = b"".join(run.ranks for run in stretch)
    firsts = from_blob("q", b"".join(run.first_ids for run in stretch))
    lead = min(range(len(stretch)), key=lambda j: stretch[j].run_id) if by_run_id else 0
    placed: list[tuple[BeatSeries, int]] = []
    for p, key_id in enumerate(key_ids):
        key, handler = names[key_id]
        series = beats.get(key)
        if series is None:
            series = beats[key] = BeatSeries()
        base = len(series.runs)
        placed.append((series, base))
        if not series.handler_from or handler != series.handler:
            series.handler_from.append((base, handler))
            series.handler = handler
        series.runs.extend(runs)
        series.ms.extend(ms[p::n])
        series.durations.extend(durations[p::n])
        series.ranks.extend(ranks[p::n])
        seen = (stretch[lead].run_id, firsts[lead * n + p]) if by_run_id else min(firsts[p::n])
        if key not in first or seen < first[key]:
            first[key] = seen
    for j, run in enumerate(stretch):
        for at, detail in run.details.items():
            series, base = placed[at]
            series.details[base + j] = detail


__all__ = ["ReadCells", "StoredRun", "lay_out", "read_cells"]
