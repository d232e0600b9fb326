"""The terminal summary: per sequence, beats passed/failed/skipped, duration, slowest beat."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SequenceTally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    duration_ms: float = 0.0
    slowest: tuple[float, str] = (0.0, "")
    beats: dict[str, str] = field(default_factory=dict)  # nodeid -> final status
    scenarios: dict[str, str] = field(default_factory=dict)  # linked BDD scenarios, nodeid -> status


class RunSummary:
    """Counts final beat outcomes from telemetry records (the last attempt wins)."""

    def __init__(self) -> None:
        self.sequences: dict[str, SequenceTally] = {}

    def add(self, record: dict[str, Any]) -> None:
        tally = self.sequences.get(record["sequence"])
        if tally is None:  # not setdefault: that would build a tally per record
            tally = self.sequences[record["sequence"]] = SequenceTally()
        if record.get("kind") == "scenario":
            tally.scenarios[record["nodeid"]] = record["status"]
            return
        duration = float(record.get("duration_ms") or 0.0)
        tally.duration_ms += duration
        if record.get("attempt") and duration > tally.slowest[0]:
            label = f"{record.get('movement_number')}.{record.get('beat_number')} {record.get('beat')}"
            tally.slowest = (duration, label)
        tally.beats[record["nodeid"]] = record["status"]

    def lines(self) -> list[str]:
        out = []
        for seq_id, tally in self.sequences.items():
            statuses = list(tally.beats.values())
            passed = statuses.count("passed")
            skipped = statuses.count("skipped")
            failed = len(statuses) - passed - skipped
            line = f"{seq_id}: {passed} passed, {failed} failed, {skipped} skipped in {tally.duration_ms / 1000:.2f}s"
            if tally.slowest[1]:
                line += f"; slowest beat {tally.slowest[1]} ({tally.slowest[0]:.0f} ms)"
            if tally.scenarios:
                scenario_statuses = list(tally.scenarios.values())
                line += (
                    f"; scenarios {scenario_statuses.count('passed')} passed, "
                    f"{sum(s not in ('passed', 'skipped') for s in scenario_statuses)} failed, "
                    f"{scenario_statuses.count('skipped')} skipped"
                )
            out.append(line)
        return out
