"""A beat's outcome in every run it ran in, kept as columns: the report's unit of history.

A history of 10,000 runs x 100 beats holds a million beat outcomes (cells).  As one
Python object per cell they took over 700 MiB and most of a report's time; as parallel
columns (``array``/``bytearray``, one entry per run, oldest run first) a cell costs about
40 bytes and the statistics read whole columns.  Attempts stream from one table scan
(:func:`fold_attempts`) straight into the columns: no list of rows, no object per cell.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from itertools import compress, repeat
from operator import add, itemgetter
from typing import Any, Iterable, Iterator

from .stats import rnd

#: Status ranks: the worst final attempt among a beat's targets is the beat's outcome in a run.
STATUS_RANK = {"passed": 0, "skipped": 1, "failed": 3, "timeout": 4, "error": 5}
RANK_STATUS = {0: "passed", 1: "skipped", 3: "failed", 4: "timeout", 5: "error"}
BAD = ("failed", "error", "timeout")
#: Separates the parts of a beat's key text (sequence, movement number, movement, beat number, beat).
KEY_SEP = "\x1f"

#: One row per beat attempt, the beat's identity folded into one string by SQLite: one text per
#: row is the cheapest identity to read (five columns, or a join to a table of keys, cost more).
#: One ``printf`` builds it (NULL prints as nothing): a third less SQLite time than four
#: ``coalesce`` and eight ``||``, the same text.  ``+kind``: a full scan, not the kind index, which
#: would visit nearly every row anyway.  A GROUP BY on the beat key in SQL is slower: SQLite walks
#: the run_id index (a table lookup per row) and sorts the key text in a temporary B-tree; exact
#: medians need every outcome in order anyway.
ATTEMPT_SQL = (
    f"SELECT run_id, printf('{KEY_SEP.join(['%s'] * 5)}', sequence, movement_number, movement, beat_number, beat), "
    "handler, "
    "CASE status WHEN 'passed' THEN 0 WHEN 'skipped' THEN 1 WHEN 'failed' THEN 3 WHEN 'timeout' THEN 4 "
    "ELSE 5 END, coalesce(attempt, 0), coalesce(duration_ms, 0.0), target FROM attempts WHERE +kind = 'beat'"
)

AttemptRow = tuple[str, str, "str | None", int, int, float, "str | None"]
#: Fields of a cell's detail, kept only for cells that are not one first attempt of one target.
X_ATTEMPT, X_COUNT, X_RETRIES, X_RETRY_PASS, X_TARGET, X_OTHERS = range(6)


class BeatSeries:
    """One beat across runs: entry ``[k]`` of every column is the ``k``-th run it ran in.

    Nearly every cell is one first attempt of one target, so the columns hold only what every
    cell has (run, summed milliseconds, rank of the final attempt of the cell's first target);
    the rest (retries, several attempts or targets) is ``details[k]``, and the handler is kept
    where it changes (``handler_from``: ``(k, handler)``).  :meth:`finish` derives what the
    analyses read: ``outcomes`` (the worst final rank over targets), ``statuses``,
    ``durations`` (milliseconds rounded to 3 places) and ``retry_passes``.
    """

    __slots__ = (
        "runs",
        "ms",
        "ranks",
        "details",
        "handler_from",
        "handler",
        "ordered",
        "outcomes",
        "statuses",
        "durations",
        "retry_passes",
        "retries",
        "_positions",
    )

    def __init__(self) -> None:
        self.runs = array("l")  # run index in the report's window, oldest first
        self.ms = array("d")  # every attempt's duration, summed
        self.ranks = bytearray()
        self.details: dict[int, list[Any]] = {}
        self.handler_from: list[tuple[int, str | None]] = []
        self.handler: str | None = None  # the handler of the newest cell folded in
        self.ordered = True  # runs came oldest first so far (a new run only ever appends)
        self.outcomes = bytearray()
        self.statuses: list[str] = []
        self.durations = array("d")
        self.retry_passes = bytearray()
        self.retries = 0
        self._positions: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.runs)

    def add(self, run: int, handler: str | None, rank: int, attempt: int, ms: float, target: str | None) -> None:
        """Fold one attempt in: a new cell for a new run, else into that run's cell."""
        runs = self.runs
        if self.ordered:
            if not runs or run > runs[-1]:
                self._append(run, handler, rank, attempt, ms, target)
                return
            if run == runs[-1]:
                self._merge(len(runs) - 1, rank, attempt, ms, target)
                return
            self.ordered = False
            self._positions = {r: k for k, r in enumerate(runs)}
        at = self._positions.get(run)
        if at is None:
            self._positions[run] = len(runs)
            self._append(run, handler, rank, attempt, ms, target)
        else:
            self._merge(at, rank, attempt, ms, target)

    def _append(self, run: int, handler: str | None, rank: int, attempt: int, ms: float, target: str | None) -> None:
        at = len(self.runs)
        self.runs.append(run)
        self.ms.append(ms)
        self.ranks.append(rank)
        if not self.handler_from or handler != self.handler:
            self.handler_from.append((at, handler))
            self.handler = handler
        if attempt != 1 or target is not None:
            self.details[at] = [attempt, 1, int(attempt > 1), attempt > 1 and rank == 0, target, None]

    def _merge(self, at: int, rank: int, attempt: int, ms: float, target: str | None) -> None:
        detail = self.details.get(at)
        if detail is None:
            detail = self.details[at] = [1, 1, 0, False, None, None]
        self.ms[at] += ms
        detail[X_COUNT] += 1
        if attempt > 1:
            detail[X_RETRIES] += 1
            detail[X_RETRY_PASS] = detail[X_RETRY_PASS] or rank == 0
        if target == detail[X_TARGET]:
            if attempt >= detail[X_ATTEMPT]:
                detail[X_ATTEMPT], self.ranks[at] = attempt, rank
            return
        others = detail[X_OTHERS] = detail[X_OTHERS] or {}
        if target not in others or attempt >= others[target][0]:
            others[target] = (attempt, rank)

    def finish(self) -> BeatSeries:
        """Put the cells in run order and derive outcomes, statuses, durations and retry passes."""
        if not self.ordered:
            self._sort()
        outcomes = bytearray(self.ranks)
        retry_passes = bytearray(len(outcomes))
        for at, detail in self.details.items():
            if detail[X_OTHERS]:
                outcomes[at] = max([outcomes[at]] + [rank for _attempt, rank in detail[X_OTHERS].values()])
            retry_passes[at] = bool(detail[X_RETRY_PASS])
            self.retries += detail[X_RETRIES]
        self.outcomes, self.retry_passes = outcomes, retry_passes
        self.statuses = _statuses(outcomes)
        self.durations = array("d", map(round, self.ms, repeat(3)))  # rounded in C, no list between
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

    def _sort(self) -> None:
        order = sorted(range(len(self.runs)), key=self.runs.__getitem__)
        handlers = self.handlers()
        self.runs = array("l", [self.runs[k] for k in order])
        self.ms = array("d", [self.ms[k] for k in order])
        self.ranks = bytearray(self.ranks[k] for k in order)
        moved = {old: new for new, old in enumerate(order)}
        self.details = {moved[at]: detail for at, detail in self.details.items()}
        self.handler_from = []
        for at, k in enumerate(order):
            if not self.handler_from or handlers[k] != self.handler_from[-1][1]:
                self.handler_from.append((at, handlers[k]))
        self.handler = self.handler_from[-1][1] if self.handler_from else None
        self.ordered, self._positions = True, {}

    def handlers(self) -> list[str | None]:
        """The handler of every cell (its first attempt's)."""
        bounds = [at for at, _handler in self.handler_from[1:]] + [len(self.runs)]
        return [h for (at, h), end in zip(self.handler_from, bounds) for _k in range(at, end)]

    def handler_spans(self) -> Iterator[tuple[str | None, int, int]]:
        """``(handler, first cell, end)`` for each stretch of cells with the same handler."""
        bounds = [at for at, _handler in self.handler_from[1:]] + [len(self.runs)]
        for (at, handler), end in zip(self.handler_from, bounds):
            yield handler, at, end

    def since(self, first_run: int) -> int:
        """The index of the first cell at run ``first_run`` or later."""
        return bisect_left(self.runs, first_run)


def fold_attempts(rows: Iterable[AttemptRow], run_index: dict[str, int]) -> tuple[dict[str, BeatSeries], int]:
    """``{beat key text: series}`` from attempt rows (:data:`ATTEMPT_SQL`), read once, in any order.

    Rows of runs outside ``run_index`` (the window) are skipped.  The loop takes the common case
    (a first attempt, of one target, of a run newer than the beat's last) without a call: a
    million attempts pass through here."""
    beats: dict[str, BeatSeries] = {}
    count = 0
    for run_id, key, handler, rank, attempt, ms, target in rows:
        run = run_index.get(run_id)
        if run is None:
            continue
        count += 1
        series = beats.get(key)
        if series is None:
            series = beats[key] = BeatSeries()
        runs = series.runs
        if attempt == 1 and target is None and series.ordered and runs and run > runs[-1] and handler == series.handler:
            runs.append(run)
            series.ms.append(ms)
            series.ranks.append(rank)
        else:
            series.add(run, handler, rank, attempt, ms, target)
    for series in beats.values():
        series.finish()
    return beats, count


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
