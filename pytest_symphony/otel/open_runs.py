"""What the trace builder keeps open for a sequence run: ids drawn up front, the current movement and beat.

A span's id is drawn when its first record arrives and handed to the SDK when the span
starts (:class:`ChosenIds`), so the spans under it can name it while it is still open.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, TraceState

from .model import Outcome


class ChosenIds(RandomIdGenerator):
    """Random ids, except the ones the builder drew earlier for a span it starts now."""

    def __init__(self) -> None:
        self.trace_id: int | None = None
        self.span_id: int | None = None

    def generate_trace_id(self) -> int:
        chosen, self.trace_id = self.trace_id, None
        return chosen or super().generate_trace_id()

    def generate_span_id(self) -> int:
        chosen, self.span_id = self.span_id, None
        return chosen or super().generate_span_id()


def correlation_trace_id(correlation_id: str) -> int | None:
    """A uuid4-hex correlation id as a trace id; None for anything else (then one is drawn)."""
    if len(correlation_id) != 32:
        return None
    try:
        return int(correlation_id, 16) or None
    except ValueError:
        return None


class OpenBeat:
    __slots__ = ("key", "span_id", "last", "start", "end", "attempts")

    def __init__(self, key: tuple[Any, ...], span_id: int) -> None:
        self.key, self.span_id = key, span_id
        self.last: dict[str, Any] = {}
        self.start = self.end = 0
        self.attempts = 0


class OpenMovement:
    __slots__ = ("key", "span_id", "outcome")

    def __init__(self, key: tuple[Any, ...], span_id: int) -> None:
        self.key, self.span_id, self.outcome = key, span_id, Outcome()


class OpenRun:
    """One sequence run being built: the ids drawn for its open spans, its outcome so far."""

    __slots__ = (
        "first",
        "trace_id",
        "span_id",
        "flags",
        "trace_state",
        "parent",
        "outcome",
        "beat_ids",
        "movement",
        "beat",
        "spec_file",
    )

    def __init__(self, first: dict[str, Any], parent: Context | None, span_id: int) -> None:
        self.first = first
        self.parent = parent
        self.span_id = span_id
        self.trace_id = 0
        self.flags = TraceFlags(TraceFlags.SAMPLED)
        self.trace_state: TraceState | None = None
        self.outcome = Outcome()
        self.beat_ids: dict[tuple[Any, ...], OpenBeat] = {}  # the latest span of each beat, for its scenarios' links
        self.movement: OpenMovement | None = None
        self.beat: OpenBeat | None = None
        self.spec_file = ""

    def context(self, span_id: int) -> Context:
        """A context whose current span is this run's span ``span_id`` (started or not)."""
        return trace.set_span_in_context(
            NonRecordingSpan(SpanContext(self.trace_id, span_id, False, self.flags, self.trace_state))
        )


_RANDOM = RandomIdGenerator()


def new_span_id() -> int:
    """A span id drawn now for a span started later (its children name it as their parent)."""
    return _RANDOM.generate_span_id()


def random_trace_id() -> int:
    return _RANDOM.generate_trace_id()


__all__ = ["ChosenIds", "OpenBeat", "OpenMovement", "OpenRun", "correlation_trace_id", "new_span_id", "random_trace_id"]
