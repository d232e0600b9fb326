"""The run context: what the ``symphony`` fixture gives a handler.

One ``SequenceRun`` lives from the first to the last selected beat of a sequence;
its ``state`` carries data from beat to beat.  Events and metrics land on the
attempt that is running, so telemetry can say which beat produced them; writes from an
attempt that was abandoned at its timeout are dropped and counted (:mod:`.attempts`).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..score.model import Beat, Movement, Sequence
from ..stamps import utc_now
from .checkpoint import StateTracker
from .attempts import Attempt, GuardedState, LateWrites, current

if TYPE_CHECKING:
    from .registry import Target


#: The event a beat emits for a file it wrote that the user asked for (a report, say):
#: the terminal summary lists the file, whichever process ran the beat.
WROTE = "report:written"


class SequenceRun:
    """State shared by the beats of one sequence run, and their events and metrics."""

    def __init__(
        self,
        sequence: Sequence,
        *,
        run_id: str,
        dynamic: str,
        run_dir: Path,
        on_event: Callable[["SequenceRun", str, dict[str, Any]], None] | None = None,
        parent: "SequenceRun | None" = None,
        parent_nodeid: str | None = None,
    ) -> None:
        self.sequence = sequence
        self.parent = parent  # the run of the sequence whose beat runs this one as a sub-pipeline
        self.parent_nodeid = parent_nodeid  # that beat's node id
        self._subruns: dict[str, SequenceRun] = {}
        if parent is not None:
            parent._subruns[sequence.id] = self
        self.run_id = run_id
        self.correlation_id = uuid.uuid4().hex
        self.dynamic = dynamic
        self.late = LateWrites()
        self.state: dict[str, Any] = GuardedState(self._may_write, self.late)
        self.failed: tuple[Movement, Beat] | None = None  # the first beat that failed
        self._run_dir = run_dir
        self._on_event = on_event
        self._events: list[dict[str, Any]] | None = None
        self._metrics: dict[str, float] | None = None
        self._attempt: Attempt | None = None  # the open attempt
        self.beat: Beat | None = None  # the beat running now
        self.target: Target | None = None  # the running item's Target, on an expanded beat
        self.tracker = StateTracker()  # what each passed beat changed, for --symphony-resume

    def log_path(self, beat: Beat) -> Path:
        """``<symphony dir>/runs/<run id>/logs/<sequence slug>/<M.B>-<beat slug>.log``: a command beat's output."""
        number = next((m.number for m in self.sequence.movements if any(b is beat for b in m.beats)), 0)
        return self._run_dir / "logs" / self.sequence.slug / f"{number}.{beat.number}-{beat.slug}.log"

    @property
    def artifact_dir(self) -> Path:
        """``<symphony dir>/runs/<run id>/artifacts/<sequence slug>``, created on first use."""
        path = self._run_dir / "artifacts" / self.sequence.slug
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _may_write(self) -> bool:
        """A write counts when it comes from the open attempt or from outside any handler."""
        attempt = current()
        return attempt is None or attempt is self._attempt

    def emit(self, event: str, **payload: Any) -> None:
        """Record an event on the running beat and pass it to ``pytest_symphony_event``."""
        if not self._may_write():
            self.late.add("events")
            return
        record = {"name": str(event), "payload": payload, "at": utc_now()}
        if self._events is not None:
            self._events.append(record)
        if self._on_event is not None:
            self._on_event(self, str(event), payload)

    def wrote(self, path: Path | str, **payload: Any) -> None:
        """Say that this beat wrote ``path`` for the user: it is listed at the end of the summary."""
        self.emit(WROTE, path=str(path), **payload)

    def metric(self, name: str, value: float) -> None:
        """Record a numeric metric on the running beat."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}")
        if not self._may_write():
            self.late.add("metrics")
            return
        if self._metrics is not None:
            self._metrics[str(name)] = _number(value)

    def subrun(self, sequence_id: str) -> "SubRun":
        """The outcome of the sub-pipeline ``sequence_id`` that a beat of this run ran (read-only)."""
        run = self._subruns.get(sequence_id)
        if run is None:
            ran = ", ".join(sorted(self._subruns)) or "none"
            raise KeyError(f"no sub-pipeline '{sequence_id}' ran in this run of '{self.sequence.id}' (ran: {ran})")
        return SubRun(run)

    def first_failure(self) -> str | None:
        """Why a beat of this run must not start: a failed beat here or in a run this one is nested in."""
        run: SequenceRun | None = self
        while run is not None:
            if run.failed is not None:
                movement, beat = run.failed
                where = "" if run is self else f" of '{run.sequence.id}'"
                return f"beat {movement.number}.{beat.number}{where} failed"
            run = run.parent
        return None

    # -- conductor side -------------------------------------------------------
    def restore(self, state: dict[str, Any]) -> None:
        """Start from a resumed run's state (the checkpoints after this one record only what beats change)."""
        self.state.update(state)
        self.tracker.checkpoint(self.state)

    def checkpoint(self) -> dict[str, Any] | None:
        """What the beat that just passed changed in ``state`` (None: nothing)."""
        return self.tracker.checkpoint(self.state)

    def begin_attempt(
        self, beat: Beat, target: Target | None = None, attempt: Attempt | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, float]]:
        self.beat, self.target = beat, target
        self._events, self._metrics = [], {}
        self._attempt = attempt
        return self._events, self._metrics

    def end_attempt(self) -> None:
        self.beat = self.target = None
        self._events = self._metrics = None
        self._attempt = None

    def __repr__(self) -> str:
        return f"<SequenceRun {self.sequence.id} run={self.run_id} dynamic={self.dynamic}>"


def _number(value: float) -> float:
    """A metric as a float; an integer too large for one is kept whole (stored as its digits)."""
    try:
        return float(value)
    except OverflowError:
        return value


class SubRun:
    """A read-only view of a finished sub-pipeline run, for the beat that ran it."""

    def __init__(self, run: SequenceRun) -> None:
        self._run = run

    @property
    def sequence_id(self) -> str:
        return self._run.sequence.id

    @property
    def passed(self) -> bool:
        return self._run.failed is None

    @property
    def failed_beat(self) -> str | None:
        """``M.B title`` of the beat that failed, or None."""
        if self._run.failed is None:
            return None
        movement, beat = self._run.failed
        return f"{movement.number}.{beat.number} {beat.title}"

    @property
    def state(self) -> Mapping[str, Any]:
        return MappingProxyType(self._run.state)

    @property
    def correlation_id(self) -> str:
        return self._run.correlation_id

    def __repr__(self) -> str:
        return f"<SubRun {self.sequence_id} {'passed' if self.passed else 'failed at ' + str(self.failed_beat)}>"
