"""Each run's cells (schema version 7, telemetry.run_cells): folded when a run ends, never stale,
backfilled on upgrade, kept by imports and merges."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pytest_symphony.telemetry import recovery, shard_merge
from pytest_symphony.telemetry.records import make_attempt, make_run
from pytest_symphony.telemetry.run_cells import (
    details_from_json,
    fold_stored,
    from_blob,
    metrics_from_json,
    read_cell_keys,
    spec_refs_from_json,
)
from pytest_symphony.telemetry.store import HistoryStore, schema_version_newest


def _attempt(run_id: str, beat: str, status: str = "passed", attempt: int = 1, target=None, ms: float = 2.5, seq=0):
    record = make_attempt(
        run_id=run_id,
        sequence="release",
        movement="build",
        movement_number=1,
        beat=beat,
        beat_number=int(beat[1:]),
        handler=f"do_{beat}",
        status=status,
        attempt=attempt,
        target=target,
        duration_ms=ms,
        spec_file="sequences/release.yaml",
        spec_hash="a" * 64,
    )
    if seq:
        record["seq"] = seq
    return record


def _records(run_id: str) -> list[dict]:
    """Three beats: a plain one, one that passed on a retry, one of two targets."""
    return [
        _attempt(run_id, "b1", ms=1.0),
        {**_attempt(run_id, "b2", "failed", 1, ms=2.0), "metrics": {"size": 1.0, "files": 3}},
        {**_attempt(run_id, "b2", "passed", 2, ms=3.0), "metrics": {"size": 2.0}},
        _attempt(run_id, "b3", "passed", 1, target="eu"),
        _attempt(run_id, "b3", "timeout", 1, target="us"),
    ]


def _stored(store: HistoryStore, run_id: str):
    """The run's ``run_cells`` row, decoded (None: no row)."""
    conn = store._connection()
    row = conn.execute(
        "SELECT attempts, keys, first_ids, ms, durations, ranks, details, spec_refs, metrics FROM run_cells "
        "WHERE run_id = ?",
        (run_id,),
    ).fetchone()
    if row is None:
        return None
    names = read_cell_keys(conn)
    attempts, keys, first_ids, ms, durations, ranks, details, refs, metrics = row
    return (
        attempts,
        [names[key_id] for key_id in from_blob("q", keys)],
        list(from_blob("q", first_ids)),
        list(from_blob("d", ms)),
        list(from_blob("d", durations)),
        bytes(ranks),
        details_from_json(details),
        spec_refs_from_json(refs),
        metrics_from_json(metrics),
    )


def _folded(store: HistoryStore, run_id: str):
    """The run's cells folded from its attempt rows now."""
    named: list[tuple[str, str | None]] = []

    def key_ids(cells: list[tuple[str, str | None]]) -> list[int]:
        named.extend(cells)
        return list(range(len(named) - len(cells), len(named)))

    cells = fold_stored(store._connection(), run_id, key_ids)
    return (
        cells.attempts,
        [named[number] for number in cells.key_ids],
        list(cells.first_ids),
        list(cells.ms),
        list(cells.durations),
        bytes(cells.ranks),
        cells.details,
        cells.spec_refs,
        cells.metrics,
    )


def test_a_run_is_folded_when_it_ends_not_while_it_runs(tmp_path):
    with HistoryStore(tmp_path / "history.sqlite") as store:
        run = make_run("r1")
        records = [{**record, "seq": n} for n, record in enumerate(_records("r1"), start=1)]
        store.store_run_records(run, records[:3])
        assert _stored(store, "r1") is None  # running: reports fold its attempt rows
        store.store_run_records(run, records[3:], end={"ended_at": "2026-01-01T00:01:00Z", "exit_status": 1})
        cells = _stored(store, "r1")
    assert cells == _folded(store, "r1")
    attempts, keys, _first, ms, _durations, ranks, details, refs, metrics = cells
    assert attempts == 5 and [key.split("\x1f")[-1] for key, _handler in keys] == ["b1", "b2", "b3"]
    assert ms == [1.0, 5.0, 5.0] and list(ranks) == [0, 0, 0]  # b3's first target passed ...
    assert details[2][5] == {"us": (1, 4)}  # ... its other timed out
    assert details[1][:4] == [2, 2, 1, True]  # b2 passed on its retry
    assert [ref[:3] for ref in refs] == [("release", "sequences/release.yaml", "a" * 64)]
    assert sorted(metrics) == [("release", "files", 3.0), ("release", "size", 2.0)]  # the last of each


def test_attempts_that_reach_an_ended_run_fold_it_again(tmp_path):
    with HistoryStore(tmp_path / "history.sqlite") as store:
        store.begin_run({**make_run("r1"), "ended_at": "2026-01-01T00:01:00Z"})
        store.add_attempts(_records("r1")[:2])
        assert _stored(store, "r1")[0] == 2
        store.add_attempts(_records("r1")[2:])
        assert _stored(store, "r1") == _folded(store, "r1") and _stored(store, "r1")[0] == 5
        store.begin_run(make_run("r2"))
        store.add_attempts(_records("r2"))
        assert _stored(store, "r2") is None
        store.end_run("r2", "2026-01-01T00:02:00Z", 0)
        assert _stored(store, "r2") == _folded(store, "r2")


def test_a_writer_outside_the_store_never_leaves_a_stale_row(tmp_path):
    path = tmp_path / "history.sqlite"
    with HistoryStore(path) as store:
        for run_id in ("r1", "r2", "r3"):
            store.begin_run({**make_run(run_id), "ended_at": "2026-01-01T00:01:00Z"})
            store.add_attempts(_records(run_id))
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO attempts (run_id, sequence, beat, status, kind) VALUES ('r1', 'release', 'b9', 'passed', 'beat')"
        )
        conn.execute("UPDATE attempts SET status = 'failed' WHERE run_id = 'r2' AND beat = 'b1'")
        conn.execute("DELETE FROM attempts WHERE run_id = 'r3' AND beat = 'b1'")
        conn.execute("INSERT INTO runs (run_id, ended_at) VALUES ('r4', '2026-01-01T00:01:00Z')")
    conn.close()
    with HistoryStore(path) as store:
        store.add_attempts(_records("r4"))
        assert _stored(store, "r4") is not None
    conn = sqlite3.connect(path)
    with conn:  # a metric alone, outside the store
        conn.execute(
            "INSERT INTO metrics (attempt_id, run_id, sequence, name, value) SELECT max(id), 'r4', 'release', 'late', 9.0 FROM attempts"
        )
    conn.close()
    with HistoryStore(path) as store:
        assert [_stored(store, run_id) for run_id in ("r1", "r2", "r3", "r4")] == [None, None, None, None]
        assert store.fold_unfolded_runs() == 4
        assert ("release", "late", 9.0) in _stored(store, "r4")[-1]
        for run_id in ("r1", "r2", "r3"):
            assert _stored(store, run_id) == _folded(store, run_id)
        assert _stored(store, "r1")[0] == 6 and _stored(store, "r3")[0] == 4
        store.write("delete a run from", lambda c: c.execute("DELETE FROM runs WHERE run_id = 'r2'"))
        assert store.rows("SELECT run_id FROM run_cells ORDER BY run_id") == [("r1",), ("r3",), ("r4",)]


def test_a_history_of_version_6_gets_every_run_folded_on_first_open(tmp_path):
    path = tmp_path / "history.sqlite"
    with HistoryStore(path) as store:
        store.begin_run({**make_run("r1"), "ended_at": "2026-01-01T00:01:00Z"})
        store.begin_run(make_run("r2"))  # never ended: folded all the same
        store.add_attempts(_records("r1") + _records("r2"))
    conn = sqlite3.connect(path)  # as version 6 left it: no cells, no triggers
    with conn:
        for trigger in ("insert", "update", "delete", "metric_insert", "metric_update", "metric_delete"):
            conn.execute(f"DROP TRIGGER run_cells_on_{trigger}")
        conn.execute("DROP TABLE run_cells")
        conn.execute("DROP TABLE cell_keys")
        conn.execute("UPDATE schema_version SET version = 6")
    conn.close()
    with HistoryStore(path) as store:
        assert store.schema_version() == schema_version_newest() == 7
        for run_id in ("r1", "r2"):
            assert _stored(store, run_id) == _folded(store, run_id) and _stored(store, run_id)[0] == 5
        store.add_attempts(_records("r2"))  # and the triggers hold from now on
        assert _stored(store, "r2") is None


def test_an_imported_interrupted_run_is_folded(tmp_path):
    run_dir = tmp_path / "runs" / "20260101T000000Z-abcdef"
    run_dir.mkdir(parents=True)
    records = [{**record, "seq": n} for n, record in enumerate(_records(run_dir.name), start=1)]
    (run_dir / "telemetry.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    with HistoryStore(tmp_path / "history.sqlite") as store:
        (result,) = recovery.import_pending(store, tmp_path / "runs", exclude=set())
        assert result.ended == "interrupted"
        assert _stored(store, run_dir.name) == _folded(store, run_dir.name)
        assert _stored(store, run_dir.name)[0] == 5


def _shard(path: Path, run_id: str, index: int, beats: list[str]) -> None:
    with HistoryStore(path) as store:
        run = make_run(run_id, started_at=f"2026-01-01T00:0{index}:00Z", argv=[f"--symphony-shard={index}/2"])
        store.begin_run({**run, "ended_at": f"2026-01-01T00:0{index}:30Z", "exit_status": 0})
        store.add_attempts([_attempt(run_id, beat, ms=float(index)) for beat in beats])


def test_merged_shards_are_folded_as_one_run(tmp_path):
    _shard(tmp_path / "one" / "history.sqlite", "20260101T000100Z-aaaaaa", 1, ["b1", "b2"])
    _shard(tmp_path / "two" / "history.sqlite", "20260101T000200Z-bbbbbb", 2, ["b3"])
    target = tmp_path / "main" / "history.sqlite"
    shards = shard_merge.shard_runs([tmp_path / "one", tmp_path / "two"])
    run_id = shard_merge.merge(target, shards, tmp_path / "main" / "runs")
    with HistoryStore(target) as store:
        cells = _stored(store, run_id)
        assert cells == _folded(store, run_id)
    assert cells[0] == 3 and [key.split("\x1f")[-1] for key, _handler in cells[1]] == ["b1", "b2", "b3"]
    assert cells[3] == cells[4] == [1.0, 1.0, 2.0]


def test_a_real_run_and_a_partial_rerun_are_folded_as_they_end(project):
    project.handlers("@handler\ndef ok():\n    pass\n\n@handler\ndef boom():\n    raise RuntimeError('no')\n")
    project.spec(
        "two.yaml",
        "id: two\nmovements:\n  - name: M\n    beats:\n      - {name: First, handler: ok}\n"
        "      - {name: Second, handler: boom}\n",
    )
    project.run("-p", "no:randomly").assert_outcomes(passed=1, failed=1)
    project.run("-p", "no:randomly", "-k", "First").assert_outcomes(passed=1, deselected=1)
    with HistoryStore(project.pytester.path / ".symphony" / "history.sqlite") as store:
        runs = [run["run_id"] for run in store.runs()]
        assert len(runs) == 2
        cells = {run_id: _stored(store, run_id) for run_id in runs}
        assert cells == {run_id: _folded(store, run_id) for run_id in runs}
    assert sorted(len(run_cells[1]) for run_cells in cells.values()) == [1, 2]  # the rerun ran one beat
