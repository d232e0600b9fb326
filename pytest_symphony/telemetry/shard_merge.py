"""``pytest --symphony-history-merge FILE [FILE ...]``: the shards of one CI run, as one run.

Each file is a shard's ``history.sqlite`` (or a folder holding it, or holding
``.symphony/history.sqlite``).  From each, the newest run that ran with
``--symphony-shard=I/N`` is taken; together they must be shards 1 to N of one split,
each once.  Their rows go into this project's history under one new run id (the store's
:class:`~.merge.MergeMixin` copies them), and their ``telemetry.jsonl`` into that run's
folder, so the report pipeline sees one run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .records import RunRecord, new_run_id
from .store import HistoryStore

SHARD_ARG = re.compile(r"^--symphony-shard(?:=(\d+)/(\d+))?$")


class MergeError(Exception):
    """The files given are not the shards of one split."""


@dataclass(frozen=True)
class ShardRun:
    path: Path  # the shard's history file
    run: RunRecord
    index: int
    count: int


def find_history(given: Path) -> Path:
    for candidate in (given, given / "history.sqlite", given / ".symphony" / "history.sqlite"):
        if candidate.is_file():
            return candidate
    raise MergeError(f"{given}: no history.sqlite there (give the file, or the folder that holds it)")


def shard_runs(paths: list[Path]) -> list[ShardRun]:
    """The shard run of each file, checked to be shards 1..N of one split, each once."""
    found = []
    for path in paths:
        history = find_history(path)
        with HistoryStore(history) as store:
            for run in store.runs():
                shard = _shard_of(run.get("argv") or [])
                if shard is not None:
                    found.append(ShardRun(history, run, *shard))
                    break
            else:
                raise MergeError(f"{history}: no run made with --symphony-shard=I/N in it")
    counts = {s.count for s in found}
    if len(counts) != 1:
        raise MergeError(
            "the shards come from different splits: " + ", ".join(f"{s.path} is {s.index}/{s.count}" for s in found)
        )
    (count,) = counts
    indexes = sorted(s.index for s in found)
    missing = sorted(set(range(1, count + 1)) - set(indexes))
    twice = sorted({i for i in indexes if indexes.count(i) > 1})
    if missing or twice:
        raise MergeError(
            f"shards of {count}: "
            + "; ".join(
                filter(
                    None,
                    [
                        f"missing {', '.join(map(str, missing))}" if missing else "",
                        f"given twice {', '.join(map(str, twice))}" if twice else "",
                    ],
                )
            )
        )
    return sorted(found, key=lambda s: s.index)


def _shard_of(argv: list[str]) -> tuple[int, int] | None:
    for n, arg in enumerate(argv):
        match = SHARD_ARG.match(arg)
        if match and match.group(1):
            return int(match.group(1)), int(match.group(2))
        if match and n + 1 < len(argv) and re.fullmatch(r"\d+/\d+", argv[n + 1]):
            index, count = argv[n + 1].split("/")
            return int(index), int(count)
    return None


def merge(target: Path, shards: list[ShardRun], runs_dir: Path) -> str:
    """Store the shards as one run in ``target``; returns the new run id."""
    run_id = new_run_id()
    first = min(s.run["started_at"] for s in shards)
    last = max(s.run.get("ended_at") or s.run["started_at"] for s in shards)  # an end: finished, never re-imported
    statuses = [status for s in shards if (status := s.run.get("exit_status")) is not None]
    merged: RunRecord = {
        **shards[0].run,
        "run_id": run_id,
        "started_at": first,
        "ended_at": last,
        "exit_status": max(statuses) if statuses else None,
        "argv": ["--symphony-history-merge", *(str(s.path) for s in shards)],
        "selected": sorted({n for s in shards for n in s.run.get("selected") or []}),
    }
    with HistoryStore(target) as store:
        store.begin_run(merged)
        for shard in shards:
            store.copy_run_rows(shard.path, shard.run["run_id"], run_id)
    _merge_jsonl(shards, runs_dir / run_id, run_id)
    return run_id


def _merge_jsonl(shards: list[ShardRun], folder: Path, run_id: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "telemetry.jsonl").open("w", encoding="utf-8") as out:
        for shard in shards:
            source = shard.path.parent / "runs" / shard.run["run_id"] / "telemetry.jsonl"
            if not source.is_file():
                continue
            for line in source.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                record["run_id"] = run_id
                out.write(json.dumps(record, sort_keys=True) + "\n")
