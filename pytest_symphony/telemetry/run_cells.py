"""Each run's beat outcomes folded once (schema version 7): what reports read instead of attempt rows.

A report over every run of a history of 10,000 runs x 100 beats read a million attempt rows
(about three seconds in SQLite and tuples alone) and folded them into one cell per beat and run
(another second and a half).  ``run_cells`` keeps each run's cells instead, one row per run:
``keys`` (ids into the ``cell_keys`` table of beat key texts and handlers), each cell's summed
``ms`` and the same rounded as reports show them (``durations``: a million ``round`` calls are a
third of a second), the rank of its final attempt (``ranks``), its first attempt's row id
(``first_ids``, which orders the beats as the attempt rows would), the few cells that are more
than one first attempt of one target (``details``), the run's spec references, and the last
value of each metric it recorded (``metrics``: two queries over a million metric rows took half
a second).  A report reads 10,000 rows of blobs and lays runs of the same beats side by side
with array slices.

Kept exact by construction, whoever writes:

* triggers on ``attempts`` and ``metrics`` delete a run's row whenever one of its attempts or
  metrics is inserted, changed or deleted (and deleting a run deletes it): a row is never stale,
  at worst missing;
* the store (re)builds a run's row, in the same write transaction, when the run ends and when
  attempts reach a run that has ended (an import, a merge, ``add_attempts``); the migration
  builds every run's row once;
* a reader folds a run without a row (still running, or written outside the store) from its
  attempt rows with the same :func:`fold_run`.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from array import array
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Callable, Iterable, Mapping

#: Separates the parts of a beat's key text (sequence, movement number, movement, beat number, beat).
KEY_SEP = "\x1f"
#: Fields of a cell's detail, kept only for cells that are not one first attempt of one target.
X_ATTEMPT, X_COUNT, X_RETRIES, X_RETRY_PASS, X_TARGET, X_OTHERS = range(6)

#: Status ranks: the worst final attempt among a beat's targets is the beat's outcome in a run
#: (a status not named here ranks as an error).
STATUS_RANK = {"passed": 0, "skipped": 1, "failed": 3, "timeout": 4, "error": 5}
_RANK_SQL = (
    "CASE status "
    + "".join(f"WHEN '{status}' THEN {rank} " for status, rank in STATUS_RANK.items() if status != "error")
    + f"ELSE {STATUS_RANK['error']} END"
)

#: A run's beat attempts in storage order, the beat's identity folded into one text by SQLite
#: (one ``printf``; NULL prints as nothing), the status as its rank.
CELL_SQL = (
    f"SELECT id, printf('{KEY_SEP.join(['%s'] * 5)}', sequence, movement_number, movement, beat_number, beat), "
    f"handler, {_RANK_SQL}, coalesce(attempt, 0), coalesce(duration_ms, 0.0), target, sequence, spec_file, "
    "spec_hash FROM attempts WHERE run_id = ? AND +kind = 'beat' ORDER BY id"
)
#: The last value a run recorded of each metric (a beat may record one twice, or retry).
METRIC_SQL = (
    "SELECT sequence, name, value FROM metrics WHERE id IN "
    "(SELECT max(id) FROM metrics WHERE run_id = ? GROUP BY sequence, name) ORDER BY id"
)
CellRow = tuple[int, str, "str | None", int, int, float, "str | None", "str | None", "str | None", "str | None"]
SpecRef = tuple["str | None", "str | None", "str | None"]

#: Schema version 6 -> 7.  Shipped: never edit, append a new migration instead.
TABLES_7 = """
CREATE TABLE cell_keys (
    id      INTEGER PRIMARY KEY,
    key     TEXT NOT NULL,
    handler TEXT
);
CREATE INDEX idx_cell_keys_key ON cell_keys (key);

CREATE TABLE run_cells (
    run_id    TEXT PRIMARY KEY REFERENCES runs (run_id) ON DELETE CASCADE,
    attempts  INTEGER NOT NULL,
    keys      BLOB NOT NULL,
    first_ids BLOB NOT NULL,
    ms        BLOB NOT NULL,
    durations BLOB NOT NULL,
    ranks     BLOB NOT NULL,
    details   TEXT,
    spec_refs TEXT NOT NULL,
    metrics   TEXT NOT NULL
);

CREATE TRIGGER run_cells_on_insert AFTER INSERT ON attempts BEGIN
    DELETE FROM run_cells WHERE run_id = NEW.run_id;
END;
CREATE TRIGGER run_cells_on_update AFTER UPDATE ON attempts BEGIN
    DELETE FROM run_cells WHERE run_id IN (OLD.run_id, NEW.run_id);
END;
CREATE TRIGGER run_cells_on_delete AFTER DELETE ON attempts BEGIN
    DELETE FROM run_cells WHERE run_id = OLD.run_id;
END;
CREATE TRIGGER run_cells_on_metric_insert AFTER INSERT ON metrics BEGIN
    DELETE FROM run_cells WHERE run_id = NEW.run_id;
END;
CREATE TRIGGER run_cells_on_metric_update AFTER UPDATE ON metrics BEGIN
    DELETE FROM run_cells WHERE run_id IN (OLD.run_id, NEW.run_id);
END;
CREATE TRIGGER run_cells_on_metric_delete AFTER DELETE ON metrics BEGIN
    DELETE FROM run_cells WHERE run_id = OLD.run_id;
END;
"""


def backfill(conn: sqlite3.Connection) -> None:
    """Every stored run's cells (the migration to version 7, once)."""
    build_run_cells(conn, [row[0] for row in conn.execute("SELECT run_id FROM runs")])


#: The last attempt row of each sequence of a run (as its key texts begin): where the fold may let
#: go of its beats' key texts.
SEQUENCE_ENDS_SQL = (
    "SELECT printf('%s', sequence), max(id) FROM attempts WHERE run_id = ? AND +kind = 'beat' GROUP BY 1"
)

#: Numbers cells' (key text, handler) pairs, in order.
KeyIds = Callable[[list[tuple[str, "str | None"]]], list[int]]


@dataclass
class RunCells:
    """One run's cells, in the order their beats first appear in its attempt rows."""

    attempts: int = 0
    key_ids: array[int] = field(default_factory=lambda: array("q"))  # ids of (beat key text, handler)
    first_ids: array[int] = field(default_factory=lambda: array("q"))
    ms: array[float] = field(default_factory=lambda: array("d"))  # every attempt's duration, summed
    durations: array[float] = field(default_factory=lambda: array("d"))  # ms rounded to 3 places, as reports show it
    ranks: bytearray = field(default_factory=bytearray)  # the final attempt's rank (of the first target)
    details: dict[int, list[Any]] = field(default_factory=dict)
    spec_refs: list[tuple[str | None, str | None, str | None, int]] = field(default_factory=list)
    metrics: list[tuple[str | None, str | None, float | None]] = field(default_factory=list)  # last of each


def fold_run(rows: Iterable[CellRow], key_ids: KeyIds, ends: Mapping[str, int] | None = None) -> RunCells:
    """One run's attempt rows (:data:`CELL_SQL`, storage order) folded into one cell per beat.

    A cell's handler is its first attempt's; its rank is that of the final attempt (the highest
    attempt number, the later row on a tie) of its first target, the others' kept in ``details``.
    ``key_ids`` numbers cells' (key text, handler); it is asked once the last row of the cells
    sequence (``ends``: the key texts' first part -> last row id, :func:`sequence_ends`) has passed,
    so only the key texts of sequences still open are held: a run of 100,000 beats does not hold
    100,000 of them at its end."""
    cells = RunCells()
    where: dict[str, int] = {}
    open_cells: dict[str, list[tuple[str, str | None, int]]] = {}  # a key's first part -> its cells so far
    refs: set[SpecRef] = set()
    for row_id, key, handler, rank, attempt, ms, target, sequence, spec_file, spec_hash in rows:
        cells.attempts += 1
        if (sequence, spec_file, spec_hash) not in refs:
            refs.add((sequence, spec_file, spec_hash))
            cells.spec_refs.append((sequence, spec_file, spec_hash, row_id))
        at = where.get(key)
        if at is None:
            at = where[key] = len(cells.first_ids)
            open_cells.setdefault(key.partition(KEY_SEP)[0], []).append((key, handler, at))
            cells.key_ids.append(0)  # numbered when the sequence closes
            cells.first_ids.append(row_id)
            cells.ms.append(ms)
            cells.ranks.append(rank)
            if attempt != 1 or target is not None:
                cells.details[at] = [attempt, 1, int(attempt > 1), attempt > 1 and rank == 0, target, None]
        else:
            cells.ms[at] += ms
            _merge(cells, at, rank, attempt, target)
        if ends is not None and ends.get(part := key.partition(KEY_SEP)[0]) == row_id:
            _close(cells, where, open_cells.pop(part, []), key_ids)
    for pending in open_cells.values():
        _close(cells, where, pending, key_ids)
    cells.durations = array("d", map(round, cells.ms, repeat(3)))
    return cells


def _close(cells: RunCells, where: dict[str, int], pending: list[tuple[str, str | None, int]], key_ids: KeyIds) -> None:
    """A sequence's cells numbered, their key texts let go."""
    for (key, _handler, at), number in zip(pending, key_ids([(key, handler) for key, handler, _at in pending])):
        cells.key_ids[at] = number
        del where[key]


def _merge(cells: RunCells, at: int, rank: int, attempt: int, target: str | None) -> None:
    detail = cells.details.get(at)
    if detail is None:
        detail = cells.details[at] = [1, 1, 0, False, None, None]
    detail[X_COUNT] += 1
    if attempt > 1:
        detail[X_RETRIES] += 1
        detail[X_RETRY_PASS] = detail[X_RETRY_PASS] or rank == 0
    if target == detail[X_TARGET]:
        if attempt >= detail[X_ATTEMPT]:
            detail[X_ATTEMPT], cells.ranks[at] = attempt, rank
        return
    others = detail[X_OTHERS] = detail[X_OTHERS] or {}
    if target not in others or attempt >= others[target][0]:
        others[target] = (attempt, rank)


def sequence_ends(conn: sqlite3.Connection, run_id: str) -> dict[str, int]:
    """The last row id of each first part of a run's key texts (a sequence id holding the separator
    shares its first part with another: the later of their last rows counts)."""
    ends: dict[str, int] = {}
    for text, last in conn.execute(SEQUENCE_ENDS_SQL, (run_id,)):
        part = text.partition(KEY_SEP)[0]
        ends[part] = max(ends.get(part, 0), last)
    return ends


def fold_stored(conn: sqlite3.Connection, run_id: str, key_ids: KeyIds) -> RunCells:
    """A run's cells folded from its attempt rows, with the last value of each of its metrics."""
    cells = fold_run(conn.execute(CELL_SQL, (run_id,)), key_ids, sequence_ends(conn, run_id))
    cells.metrics = conn.execute(METRIC_SQL, (run_id,)).fetchall()
    return cells


# --------------------------------------------------------------------------- storing


def build_run_cells(conn: sqlite3.Connection, run_ids: list[str]) -> None:
    """(Re)build the rows of ``run_ids`` from their attempt rows (inside a write transaction)."""
    if not run_ids:  # a running run's batch: nothing to read
        return
    key_ids = _StoredKeys(conn)
    for run_id in run_ids:
        cells = fold_stored(conn, run_id, key_ids)
        conn.execute(
            "INSERT OR REPLACE INTO run_cells (run_id, attempts, keys, first_ids, ms, durations, ranks, details, "
            "spec_refs, metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                cells.attempts,
                to_blob(cells.key_ids),
                to_blob(cells.first_ids),
                to_blob(cells.ms),
                to_blob(cells.durations),
                bytes(cells.ranks),
                _details_json(cells.details),
                json.dumps(cells.spec_refs),
                json.dumps(cells.metrics),
            ),
        )


_KEYS_OF_SEQUENCE_SQL = "SELECT id, key, handler FROM cell_keys WHERE key >= ? AND key < ? ORDER BY id"


class _StoredKeys:
    """Cells' (key text, handler) as their ``cell_keys`` ids, added when new.  Read a sequence
    at a time (a range of the key index), not whole: a project's keys may number hundreds of
    thousands."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __call__(self, cells: list[tuple[str, str | None]]) -> list[int]:
        known: dict[tuple[str, str | None], int] = {}
        for part in {key.partition(KEY_SEP)[0] for key, _handler in cells}:  # the keys of a sequence: one range
            bounds = (part + KEY_SEP, part + chr(ord(KEY_SEP) + 1))
            for number, key, handler in self.conn.execute(_KEYS_OF_SEQUENCE_SQL, bounds):
                known.setdefault((key, handler), number)
        new = [cell for cell in dict.fromkeys(cells) if cell not in known]
        if new:  # holding the write lock, the next ids are ours: one executemany, not an insert per key
            first = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM cell_keys").fetchone()[0]
            known.update(zip(new, range(first, first + len(new))))
            self.conn.executemany(
                "INSERT INTO cell_keys (id, key, handler) VALUES (?, ?, ?)",
                [(number, key, handler) for number, (key, handler) in enumerate(new, start=first)],
            )
        return [known[cell] for cell in cells]


def build_ended(conn: sqlite3.Connection, run_ids: Iterable[str]) -> None:
    """(Re)build the rows of those of ``run_ids`` that have ended (a running run's rows would
    be deleted by its next batch: it is folded once, at its end)."""
    ids = sorted(set(run_ids))
    ended = [
        row[0]
        for start in range(0, len(ids), 500)
        for row in conn.execute(
            f"SELECT run_id FROM runs WHERE ended_at IS NOT NULL AND run_id IN ({', '.join('?' * len(ids[start : start + 500]))})",
            ids[start : start + 500],
        )
    ]
    build_run_cells(conn, ended)


def _details_json(details: dict[int, list[Any]]) -> str | None:
    if not details:
        return None
    return json.dumps(
        [
            [
                at,
                *detail[:X_OTHERS],
                [[t, a, r] for t, (a, r) in detail[X_OTHERS].items()] if detail[X_OTHERS] else None,
            ]
            for at, detail in details.items()
        ]
    )


def details_from_json(text: str | None) -> dict[int, list[Any]]:
    """A row's ``details`` back to ``{cell: detail}``."""
    if not text:
        return {}
    return {
        at: [attempt, count, retries, retry_pass, target, {t: (a, r) for t, a, r in others} if others else None]
        for at, attempt, count, retries, retry_pass, target, others in json.loads(text)
    }


def metrics_from_json(text: str) -> list[tuple[str | None, str | None, float | None]]:
    return [(seq, name, value) for seq, name, value in json.loads(text)]


def spec_refs_from_json(text: str) -> list[tuple[str | None, str | None, str | None, int]]:
    return [(seq, spec_file, spec_hash, first) for seq, spec_file, spec_hash, first in json.loads(text)]


# --------------------------------------------------------------------------- blobs
#: Arrays are stored little-endian whatever the machine, so a history file moves between machines.
_SWAP = sys.byteorder != "little"


def to_blob(values: array[Any]) -> bytes:
    if _SWAP:  # pragma: no cover - big-endian machines
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def from_blob(typecode: str, blob: bytes) -> array[Any]:
    values = array(typecode)
    values.frombytes(blob)
    if _SWAP:  # pragma: no cover - big-endian machines
        values.byteswap()
    return values


def read_cell_keys(conn: sqlite3.Connection) -> dict[int, tuple[str, str | None]]:
    """``{id: (beat key text, handler)}``: what the ``keys`` of ``run_cells`` point at."""
    return {key_id: (key, handler) for key_id, key, handler in conn.execute("SELECT id, key, handler FROM cell_keys")}


__all__ = [
    "CELL_SQL",
    "KEY_SEP",
    "KeyIds",
    "SEQUENCE_ENDS_SQL",
    "STATUS_RANK",
    "sequence_ends",
    "RunCells",
    "X_ATTEMPT",
    "X_COUNT",
    "build_ended",
    "build_run_cells",
    "details_from_json",
    "fold_run",
    "fold_stored",
    "metrics_from_json",
    "from_blob",
    "TABLES_7",
    "backfill",
    "read_cell_keys",
    "spec_refs_from_json",
    "to_blob",
]
