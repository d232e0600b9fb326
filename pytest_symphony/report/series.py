"""A beat's outcome in every run it ran in, kept as columns: the report's unit of history.

A history of 10,000 runs x 100 beats holds a million beat outcomes (cells).  As one
Python object per cell they took over 700 MiB and most of a report's time; as parallel
columns (``array``/``bytearray``, one entry per run, oldest run first) a cell costs about
40 bytes and the statistics read whole columns.  The history keeps each run's cells folded
(:mod:`..telemetry.run_cells`); :mod:`.history_cells` lays them into the columns.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from itertools import compress
from operator import add, itemgetter
from typing import Any, Iterable, Iterator

from ..telemetry.run_cells import KEY_SEP, STATUS_RANK, X_OTHERS, X_RETRIES, X_RETRY_PASS
from .stats import rnd

RANK_STATUS = {rank: status for status, rank in STATUS_RANK.items()}
BAD = ("failed", "error", "timeout")


class BeatSeries:
    """One beat across runs: entry ``[k]`` of every column is the ``k``-th run it ran in.

    Nearly every cell is one first attempt of one target, so the columns hold only what every
    cell has (run, summed milliseconds, rank of the final attempt of the cell's first target);
    the rest (retries, several attempts or targets) is ``details[k]``, and the handler is kept
    where it changes (``handler_from``: ``(k, handler)``).  :meth:`finish` derives what the
    analyses read: ``outcomes`` (the worst final rank over targets), ``statuses`` and
    ``retry_passes``; ``durations`` (milliseconds rounded to 3 places) are laid in with the cells.
    """

    __slots__ = (
        "runs",
        "ms",
        "ranks",
        "details",
        "handler_from",
        "handler",
        "outcomes",
        "statuses",
        "durations",
        "retry_passes",
        "retries",
    )

    def __init__(self) -> None:
        self.runs = array("l")  # run index in the report's window, oldest first
        self.ms = array("d")  # every attempt's duration, summed
        self.ranks = bytearray()
        self.details: dict[int, list[Any]] = {}
        self.handler_from: list[tuple[int, str | None]] = []
        self.handler: str | None = None  # the handler of the newest cell laid in
        self.outcomes = bytearray()
        self.statuses: list[str] = []
        self.durations = array("d")
        self.retry_passes = bytearray()
        self.retries = 0

    def __len__(self) -> int:
        return len(self.runs)

    def finish(self) -> BeatSeries:
        """Derive outcomes, statuses and retry passes from the cells laid in."""
        outcomes = bytearray(self.ranks)
        retry_passes = bytearray(len(outcomes))
        for at, detail in self.details.items():
            if detail[X_OTHERS]:
                outcomes[at] = max([outcomes[at]] + [rank for _attempt, rank in detail[X_OTHERS].values()])
            retry_passes[at] = bool(detail[X_RETRY_PASS])
            self.retries += detail[X_RETRIES]
        self.outcomes, self.retry_passes = outcomes, retry_passes
        self.statuses = _statuses(outcomes)
        return self

    def flake_rate(self, since: int = 0) -> float:
        """How often the beat's outcome was unreliable, in the cells from ``since`` on: passes after
        a retry plus pass/fail flips between consecutive runs that did not skip it, per cell (0 for
        a beat that always passes, or always fails).  Read off the byte columns: the flips are the
        set bits of the pass bytes XOR the same bytes one cell on, no list of statuses."""
        cells = len(self.outcomes) - since
        if cells <= 0:
            return 0.0
        passed = self.outcomes[since:].translate(_IS_PASSED, _SKIPPED)  # 1 passed, 0 failed; skips gone
        flips = (int.from_bytes(passed[:-1], "big") ^ int.from_bytes(passed[1:], "big")).bit_count()
        return rnd(min(1.0, (self.retry_passes.count(1, since) + flips) / cells), 4) or 0.0

    def handler_spans(self) -> Iterator[tuple[str | None, int, int]]:
        """``(handler, first cell, end)`` for each stretch of cells with the same handler."""
        bounds = [at for at, _handler in self.handler_from[1:]] + [len(self.runs)]
        for (at, handler), end in zip(self.handler_from, bounds):
            yield handler, at, end

    def since(self, first_run: int) -> int:
        """The index of the first cell at run ``first_run`` or later."""
        return bisect_left(self.runs, first_run)


class RunSums:
    """A float per run of the window, summed beat by beat, and which runs had any.

    Added in beat order either way, so a sum is the same float whether its beats ran in every
    run (one ``map`` over the column) or in a few (a loop over their cells)."""

    __slots__ = ("values", "seen")

    def __init__(self, runs: int) -> None:
        self.values = [0.0] * runs
        self.seen = bytearray(runs)

    def add(self, runs: array[int], values: Iterable[float]) -> None:
        if len(runs) == len(self.values):  # the beat ran in every run: cell k is run k
            self.values = list(map(add, self.values, values))
            self.seen = bytearray(b"\x01" * len(runs))
            return
        sums, seen = self.values, self.seen
        for run, value in zip(runs, values):
            sums[run] += value
            seen[run] = 1

    def __len__(self) -> int:
        return self.seen.count(1)

    def in_run_order(self) -> list[float]:
        """The sums of the runs that had any, oldest first."""
        return list(compress(self.values, self.seen))


_IS_PASSED = bytes(int(rank == 0) for rank in range(256))
_SKIPPED = bytes([STATUS_RANK["skipped"]])
_IS_SKIPPED = bytes(int(rank == 1) for rank in range(256))
_IS_FAILED = bytes(int(rank not in (0, 1)) for rank in range(256))


class RunTotals:
    """Per run, what its beats add up to: outcomes, beat time, and each sequence's time and status."""

    def __init__(self, runs: int) -> None:
        self.runs = runs
        self.passed, self.failed, self.skipped = [0] * runs, [0] * runs, [0] * runs
        self.beat_ms = RunSums(runs)
        self.sequence_ms: dict[str, RunSums] = {}
        self.sequence_failed: dict[str, set[int]] = {}

    def add(self, sequence: str, series: BeatSeries) -> None:
        outcomes = series.outcomes
        self.beat_ms.add(series.runs, series.ms)
        if sequence not in self.sequence_ms:
            self.sequence_ms[sequence], self.sequence_failed[sequence] = RunSums(self.runs), set()
        self.sequence_ms[sequence].add(series.runs, series.ms)
        failing = outcomes.translate(_IS_FAILED)
        if failing.count(1):
            self.sequence_failed[sequence].update(compress(series.runs, failing))
        if len(series) == self.runs:  # cell k is run k
            self.passed = list(map(add, self.passed, outcomes.translate(_IS_PASSED)))
            self.skipped = list(map(add, self.skipped, outcomes.translate(_IS_SKIPPED)))
            self.failed = list(map(add, self.failed, failing))
            return
        for run, rank in zip(series.runs, outcomes):
            if rank == 0:
                self.passed[run] += 1
            elif rank == 1:
                self.skipped[run] += 1
            else:
                self.failed[run] += 1

    def run_stats(self, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sequences: list[dict[str, dict[str, Any]]] = [{} for _run in runs]
        for seq, sums in self.sequence_ms.items():
            failing = self.sequence_failed[seq]
            for i in compress(range(len(runs)), sums.seen):
                sequences[i][seq] = {"status": "failed" if i in failing else "passed", "ms": sums.values[i]}
        return [
            {
                "run_id": r["run_id"],
                "started_at": r["started_at"],
                "passed": self.passed[i],
                "failed": self.failed[i],
                "skipped": self.skipped[i],
                "beat_ms": self.beat_ms.values[i],
                "sequences": sequences[i],
            }
            for i, r in enumerate(runs)
        ]


#: Every rank's status name, by rank (a bytes value indexes it directly).
_STATUS_OF_RANK = tuple(RANK_STATUS.get(rank, "error") for rank in range(256))


def _statuses(outcomes: bytearray) -> list[str]:
    """Status names of ranks: ``itemgetter`` picks them all in C (a million cells, no Python loop)."""
    if len(outcomes) < 2:
        return [_STATUS_OF_RANK[rank] for rank in outcomes]
    return list(itemgetter(*outcomes)(_STATUS_OF_RANK))


def split_key(text: str) -> tuple[str, int | None, str, int | None, str]:
    """A beat's key text back to ``(sequence, movement number, movement, beat number, beat)``."""
    seq, movnum, mov, beatnum, beat = text.split(KEY_SEP)
    return seq, as_int(movnum), mov, as_int(beatnum), beat


def as_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def iter_cells(series: BeatSeries) -> Iterator[tuple[int, float, int]]:
    """``(run, ms, outcome rank)`` per cell, oldest run first."""
    return zip(series.runs, series.ms, series.outcomes)
