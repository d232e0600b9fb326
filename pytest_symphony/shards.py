"""``--symphony-shard=I/N``: this CI job's share of the run, whole sequences at a time.

The items are cut into units that must not be split: a sequence with every beat of it
(sub-pipelines and the BDD scenarios placed right after their beats included), and each
plain test file whole.  Units are weighed by the history (a sequence: the median of its
recent complete durations; a file: its tests' share of the median beat, as nothing of it
is recorded) and dealt largest first to the lightest shard, ties to the lower index: the
same history gives every job the same split.  Each job keeps its own share; the others are
deselected.  ``--symphony-history-merge`` then makes one run of the shards' histories.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from typing import TYPE_CHECKING

import pytest

from .beat_item import BeatItem

if TYPE_CHECKING:
    from .run import SymphonyRun

SHARD = re.compile(r"^(\d+)/(\d+)$")
#: A plain test with no history weighs this many milliseconds.
UNKNOWN_TEST_MS = 50.0


def parse_shard(text: str) -> tuple[int, int]:
    match = SHARD.match(text.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise pytest.UsageError(f"--symphony-shard={text}: write I/N with 1 <= I <= N, e.g. --symphony-shard=2/4")
    return int(match.group(1)), int(match.group(2))


class Sharding:
    """``--symphony-shard``: the share this job keeps (decided last in the selection), and its summary line."""

    def __init__(self, run: "SymphonyRun", text: str) -> None:
        self.run = run
        self.shard = parse_shard(text)
        self.note: str | None = None

    def keep(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        self.note = keep_shard(self.run, session, items, self.shard)

    def lines(self) -> list[str]:
        """On the controller: under xdist every worker cut the same shard."""
        return [self.note] if self.note and not self.run.is_worker else []


def keep_shard(run: "SymphonyRun", session: pytest.Session, items: list[pytest.Item], shard: tuple[int, int]) -> str:
    """Deselect every item outside shard ``I`` of ``N``; returns a line for the summary."""
    index, count = shard
    units = _units(items)
    weights = _weights(run, units)
    loads = [0.0] * count
    owner: dict[str, int] = {}
    for key in sorted(units, key=lambda k: (-weights[k], k)):
        target = min(range(count), key=lambda i: (loads[i], i))
        owner[key] = target
        loads[target] += weights[key]
    mine = [item for key, group in units.items() if owner[key] == index - 1 for item in group]
    keep = {id(item) for item in mine}
    dropped = [item for item in items if id(item) not in keep]
    items[:] = [item for item in items if id(item) in keep]
    if dropped:
        session.config.hook.pytest_deselected(items=dropped)
    fingerprint = hashlib.sha256("\n".join(f"{key}={owner[key]}" for key in sorted(owner)).encode()).hexdigest()[:12]
    return (
        f"shard {index}/{count}: {sum(1 for k in owner if owner[k] == index - 1)} of {len(owner)} unit(s), "
        f"{loads[index - 1] / 1000:.1f}s of {sum(loads) / 1000:.1f}s expected; split {fingerprint}"
    )


def _units(items: list[pytest.Item]) -> dict[str, list[pytest.Item]]:
    """Unit key -> its items, in order: a sequence and its riders, or one plain test file."""
    units: dict[str, list[pytest.Item]] = {}
    current: str | None = None
    for item in items:
        if isinstance(item, BeatItem):
            current = "sequence:" + item.sequence_node.root.sequence.id
            units.setdefault(current, []).append(item)
        elif current is not None and getattr(item, "linked_items", None):
            units[current].append(item)  # a BDD scenario riding with its beat
        else:
            current = None
            units.setdefault("file:" + item.nodeid.split("::", 1)[0], []).append(item)
    return units


def _weights(run: "SymphonyRun", units: dict[str, list[pytest.Item]]) -> dict[str, float]:
    """Expected milliseconds per unit, from the history's recent passed beats."""
    durations = _beat_medians(run, {k.removeprefix("sequence:") for k in units if k.startswith("sequence:")})
    per_beat = statistics.median(durations.values()) if durations else UNKNOWN_TEST_MS
    weights = {}
    for key, group in units.items():
        if key.startswith("sequence:"):
            known = durations.get(key.removeprefix("sequence:"))
            weights[key] = known if known is not None else per_beat * len(group)
        else:
            weights[key] = UNKNOWN_TEST_MS * len(group)
    return weights


def _beat_medians(run: "SymphonyRun", sequences: set[str]) -> dict[str, float]:
    """Per sequence, the median over its last runs of the sum of its beats' durations (ms)."""
    from .telemetry.store import HistoryError, HistoryStore

    path = run.history_path
    if not sequences or not path.is_file():
        return {}
    try:
        with HistoryStore(path) as store:
            rows = store.rows(
                "SELECT sequence, run_id, sum(duration_ms) FROM attempts WHERE kind = 'beat' AND attempt > 0 "
                "GROUP BY sequence, run_id ORDER BY run_id DESC"
            )
    except HistoryError:
        return {}
    totals: dict[str, list[float]] = {}
    for sequence, _run, total in rows:
        if sequence in sequences and total is not None and len(totals.setdefault(sequence, [])) < 10:
            totals[sequence].append(float(total))
    return {sequence: statistics.median(values) for sequence, values in totals.items() if values}
