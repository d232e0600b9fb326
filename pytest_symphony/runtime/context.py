"""The run context: what the ``symphony`` fixture gives a handler.

One ``SequenceRun`` lives from the first to the last selected beat of a sequence;
its ``state`` carries data from beat to beat.  Events and metrics land on the
attempt that is running, so telemetry can say which beat produced them; writes from an
attempt that was abandoned at its timeout are dropped and counted (:mod:`.attempts`).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Callable

from ..score.model import Beat, Movement, Sequence
from ..telemetry.records import utc_now
from .attempts import Attempt, GuardedState, LateWrites, current


class SequenceRun:
    """State shared by the beats of one sequence run, and their events and metrics."""

    def __init__(
        self,
        sequence: Sequence,
        *,
        run_id: str,
        dynamic: str,
        run_dir: Path,
        on_event: Callable[["SequenceRun", str, dict], None] | None = None,
    ) -> None:
        self.sequence = sequence
        self.run_id = run_id
        self.correlation_id = uuid.uuid4().hex
        self.dynamic = dynamic
        self.late = LateWrites()
        self.state: dict[str, Any] = GuardedState(self._may_write, self.late)
        self.failed: tuple[Movement, Beat] | None = None  # the first beat that failed
        self.rolled_back = False
        self._run_dir = run_dir
        self._on_event = on_event
        self._events: list[dict] | None = None
        self._metrics: dict[str, float] | None = None
        self._attempt: Attempt | None = None  # the open attempt
        self.beat: Beat | None = None  # the beat running now
        self.target = None  # the running item's Target, on an expanded beat

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

    def metric(self, name: str, value: float) -> None:
        """Record a numeric metric on the running beat."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}")
        if not self._may_write():
            self.late.add("metrics")
            return
        if self._metrics is not None:
            self._metrics[str(name)] = _number(value)

    # -- conductor side -------------------------------------------------------
    def begin_attempt(self, beat: Beat, target=None, attempt: Attempt | None = None) -> tuple[list[dict], dict[str, float]]:
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
