"""Telemetry records in the shape of a trace: sequence runs > movements > beats > attempts.

The records are the only input (on the controller they arrive from every xdist worker),
so a trace is the same whichever worker ran the beats.  Times are the records' own
``started_at`` / ``ended_at``; a movement or a sequence run spans its first start to its
last end.  A sequence run started by a beat of another (a sub-pipeline) names that
run and beat in ``parent_correlation_id`` / ``parent_nodeid``; ``nesting_order`` puts
parents before their children so each child can hang under its parent beat's span.

No OpenTelemetry import here: plain data, tested without the SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
#: A non-passing status, worst first: what a movement or a sequence run ends with.
_FAILING = ("failed", "timeout", "error")


def to_ns(text: object) -> int | None:
    """An ISO 8601 timestamp as integer nanoseconds since the epoch (naive means UTC); None if it is not one."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // _MICROSECOND * 1000


@dataclass(slots=True)
class Timed:
    """A record with its times as nanoseconds (one time missing: the other for both; both: left out)."""

    record: dict
    start: int
    end: int


@dataclass(slots=True)
class BeatTrace:
    attempts: list[Timed] = field(default_factory=list)  # the beat's records, in arrival order
    scenarios: list[Timed] = field(default_factory=list)  # linked BDD scenarios' records

    @property
    def record(self) -> dict:
        """The record that decides the beat's outcome: its last attempt (or its scenario's, if it has none)."""
        return (self.attempts or self.scenarios)[-1].record

    @property
    def status(self) -> str:
        return str(self.record.get("status") or "")

    @property
    def start(self) -> int:
        return min(t.start for t in self.attempts + self.scenarios)

    @property
    def end(self) -> int:
        return max(t.end for t in self.attempts + self.scenarios)


@dataclass(slots=True)
class MovementTrace:
    slug: str
    number: int
    beats: dict[tuple, BeatTrace] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return min(b.start for b in self.beats.values())

    @property
    def end(self) -> int:
        return max(b.end for b in self.beats.values())

    def status(self) -> str:
        return outcome(b.status for b in self.ordered_beats())

    def ordered_beats(self) -> list[BeatTrace]:
        return sorted(self.beats.values(), key=lambda b: (int(b.record.get("beat_number") or 0), b.start))


@dataclass(slots=True)
class SequenceTrace:
    """One sequence run: the records sharing a correlation id."""

    correlation_id: str
    sequence: str
    run_id: str
    dynamic: str
    movements: dict[tuple, MovementTrace] = field(default_factory=dict)
    parent_correlation_id: str | None = None
    parent_nodeid: str | None = None
    by_nodeid: dict[str, BeatTrace] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return min(m.start for m in self.movements.values())

    @property
    def end(self) -> int:
        return max(m.end for m in self.movements.values())

    def ordered_movements(self) -> list[MovementTrace]:
        return sorted(self.movements.values(), key=lambda m: (m.number, m.start))

    def status(self) -> str:
        return outcome(b.status for m in self.ordered_movements() for b in m.ordered_beats())

    def spec_file(self) -> str:
        for movement in self.movements.values():
            for beat in movement.beats.values():
                if beat.attempts:
                    return str(beat.attempts[0].record.get("spec_file") or "")
        return ""


def outcome(statuses: Iterable[str]) -> str:
    """A group's status: its first failing beat's (strict order: that one stopped the rest),
    else ``passed`` when any beat passed, else ``skipped``."""
    seen = set()
    for status in statuses:
        if status in _FAILING:
            return status
        seen.add(status)
    return "passed" if "passed" in seen or not seen else "skipped"


def group(records: Iterable[dict]) -> list[SequenceTrace]:
    """Sequence runs in the order they started, each with its movements, beats and attempts."""
    runs: dict[str, SequenceTrace] = {}
    for record in records:
        timed = _timed(record)
        if timed is None:
            continue
        key = record.get("correlation_id") or f"{record.get('sequence')}@{record.get('run_id')}"
        run = runs.get(key)
        if run is None:
            run = runs[key] = SequenceTrace(
                str(record.get("correlation_id") or ""), str(record.get("sequence") or "?"),
                str(record.get("run_id") or ""), str(record.get("dynamic") or ""))
        if record.get("parent_correlation_id") and not run.parent_correlation_id:
            run.parent_correlation_id = str(record["parent_correlation_id"])
            run.parent_nodeid = str(record.get("parent_nodeid") or "") or None
        movement_key = (record.get("movement_number") or 0, record.get("movement") or "")
        movement = run.movements.get(movement_key)
        if movement is None:
            movement = run.movements[movement_key] = MovementTrace(str(movement_key[1]), int(movement_key[0]))
        beat_key = (record.get("beat") or "", record.get("target"))
        beat = movement.beats.get(beat_key)
        if beat is None:
            beat = movement.beats[beat_key] = BeatTrace()
        if record.get("kind", "beat") == "scenario":
            beat.scenarios.append(timed)
        else:
            beat.attempts.append(timed)
            if record.get("nodeid"):
                run.by_nodeid[str(record["nodeid"])] = beat
    return sorted(runs.values(), key=lambda r: r.start)


def nesting_order(runs: list[SequenceTrace]) -> list[SequenceTrace]:
    """Every run after the run that started it (a missing or circular parent makes a run a root)."""
    by_id = {r.correlation_id: r for r in runs if r.correlation_id}
    ordered: list[SequenceTrace] = []
    placed: set[int] = set()

    def place(run: SequenceTrace, visiting: tuple[int, ...]) -> None:
        if id(run) in placed:
            return
        parent = by_id.get(run.parent_correlation_id or "")
        if parent is not None and id(parent) not in visiting and parent is not run:
            place(parent, visiting + (id(run),))
        if id(run) not in placed:
            placed.add(id(run))
            ordered.append(run)

    for run in runs:
        place(run, ())
    return ordered


def _timed(record: object) -> Timed | None:
    if not isinstance(record, dict):
        return None
    start, end = to_ns(record.get("started_at")), to_ns(record.get("ended_at"))
    if start is None and end is None:
        return None
    start = end if start is None else start
    end = start if end is None or end < start else end
    return Timed(record, start, end)
