"""Sequence runs (``model``) as OpenTelemetry spans, through the SDK's tracer.

The span tree of one sequence run, one trace::

    RUN <sequence>             kind SERVER: the pipeline run (cicd.pipeline.*)
      movement <slug>
        beat <slug>            a task run (cicd.pipeline.task.*), code.file.path/line.number
          attempt 1            each attempt, retries side by side; events and metrics on it
          attempt 2
            RUN <sub-sequence> a sequence run a beat started, under the attempt that ran it
        scenario <name>        a linked BDD scenario, with a link to its beat's span

Each span starts and ends at its records' real times.  A root sequence run's trace id is
its correlation id (both 128 bits), so the id in the JSONL and the history finds the
trace; under ``TRACEPARENT`` every root run joins that trace instead.
"""

from __future__ import annotations

from typing import Iterable

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import Tracer
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode

from . import attributes as a
from .model import BeatTrace, MovementTrace, SequenceTrace, Timed, nesting_order, to_ns


_FAILING = ("failed", "error", "timeout")


class CorrelationTraceIds(RandomIdGenerator):
    """Random ids, except the trace id of a root span, which the next sequence run sets."""

    def __init__(self) -> None:
        self.next_trace_id: int | None = None

    def generate_trace_id(self) -> int:
        chosen, self.next_trace_id = self.next_trace_id, None
        return chosen or super().generate_trace_id()


def correlation_trace_id(correlation_id: str) -> int | None:
    """A uuid4-hex correlation id as a trace id; None for anything else (the SDK draws one)."""
    if len(correlation_id) != 32:
        return None
    try:
        number = int(correlation_id, 16)
    except ValueError:
        return None
    return number or None


class SpanWriter:
    """Writes the spans of sequence runs; remembers each root run's trace id for the summary."""

    def __init__(self, tracer: Tracer, ids: CorrelationTraceIds, root: Context | None = None) -> None:
        self.tracer = tracer
        self.ids = ids
        self.root = root  # the context TRACEPARENT gives, or None: each root run starts a trace
        self.traces: list[tuple[str, str]] = []  # (trace id hex, sequence) of each root run
        self.spans = 0
        self._attempt_spans: dict[tuple[str, str], list[tuple[Timed, Span]]] = {}
        self._beat_spans: dict[tuple[str, str], Span] = {}
        self._run_spans: dict[str, Span] = {}

    def write(self, runs: Iterable[SequenceTrace]) -> None:
        for run in nesting_order(list(runs)):
            self._sequence(run)

    # -- one level each ------------------------------------------------------------------
    def _sequence(self, run: SequenceTrace) -> None:
        parent = self._parent_of(run)
        if parent is None:
            self.ids.next_trace_id = correlation_trace_id(run.correlation_id)
        status = run.status()
        attrs = {
            a.SEQUENCE: run.sequence, a.RUN_ID: run.run_id, a.CORRELATION_ID: run.correlation_id,
            a.DYNAMIC: run.dynamic, a.SPEC_FILE: run.spec_file(), a.STATUS: status,
            a.PIPELINE_NAME: run.sequence, a.PIPELINE_RUN_ID: run.correlation_id or run.run_id,
            a.PIPELINE_ACTION: a.ACTION, a.PIPELINE_RESULT: a.result(status),
        }
        if run.parent_correlation_id:
            attrs[a.PARENT_CORRELATION_ID] = run.parent_correlation_id
            if run.parent_nodeid:
                attrs[a.PARENT_NODEID] = run.parent_nodeid
        failing = _first_failing(run)
        if failing is not None:
            attrs[a.ERROR_TYPE] = a.error_type(failing.status, failing.record.get("error"))
        span = self._start(f"{a.ACTION} {run.sequence}", parent, run.start, attrs, kind=SpanKind.SERVER)
        self.ids.next_trace_id = None
        if parent is None or parent is self.root:
            self.traces.append((trace.format_trace_id(span.get_span_context().trace_id), run.sequence))
        if run.correlation_id:
            self._run_spans[run.correlation_id] = span
        context = trace.set_span_in_context(span)
        for movement in run.ordered_movements():
            self._movement(run, movement, context)
        self._end(span, status, failing.record if failing else None, run.end)

    def _movement(self, run: SequenceTrace, movement: MovementTrace, parent: Context) -> None:
        status = movement.status()
        attrs = {a.SEQUENCE: run.sequence, a.MOVEMENT: movement.slug, a.MOVEMENT_NUMBER: movement.number,
                 a.RUN_ID: run.run_id, a.CORRELATION_ID: run.correlation_id, a.STATUS: status}
        span = self._start(f"movement {movement.slug}", parent, movement.start, attrs)
        context = trace.set_span_in_context(span)
        for beat in movement.ordered_beats():
            beat_span = self._beat(run, beat, context) if beat.attempts else None
            for scenario in beat.scenarios:
                self._scenario(scenario, beat_span, context)
        failing = next((b for b in movement.ordered_beats() if b.status == status), None)
        self._end(span, status, failing.record if failing and status != "passed" else None, movement.end)

    def _beat(self, run: SequenceTrace, beat: BeatTrace, parent: Context) -> Span:
        last = beat.attempts[-1].record
        common = _identity(last)
        attrs = dict(common)
        attrs.update({
            a.STATUS: beat.status, a.ATTEMPTS: sum(1 for t in beat.attempts if t.record.get("attempt")),
            a.TASK_NAME: str(last.get("beat") or ""), a.TASK_RUN_ID: str(last.get("nodeid") or ""),
            a.TASK_RESULT: a.result(beat.status),
        })
        error_type = a.error_type(beat.status, last.get("error"))
        if error_type:
            attrs[a.ERROR_TYPE] = error_type
        span = self._start(f"beat {last.get('beat')}", parent, beat.start, attrs)
        context = trace.set_span_in_context(span)
        attempts = [(t, self._attempt(t, common, context)) for t in beat.attempts if t.record.get("attempt")]
        nodeid = str(last.get("nodeid") or "")
        self._beat_spans[(run.correlation_id, nodeid)] = span
        self._attempt_spans[(run.correlation_id, nodeid)] = attempts
        self._end(span, beat.status, last, beat.end)
        return span

    def _attempt(self, timed: Timed, common: dict, parent: Context) -> Span:
        record = timed.record
        attrs = dict(common)
        attrs.update({a.ATTEMPT: int(record.get("attempt") or 0), a.STATUS: str(record.get("status") or "")})
        for name, number in (record.get("metrics") or {}).items():
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                attrs[a.METRICS_PREFIX + str(name)] = number
        span = self._start(f"attempt {record.get('attempt')}", parent, timed.start, attrs)
        _add_events(span, record.get("events"), timed.start)
        status = str(record.get("status") or "")
        if status in _FAILING and record.get("error"):
            span.add_event("exception", {a.EXCEPTION_TYPE: a.error_type(status, record["error"]),
                                         a.EXCEPTION_MESSAGE: str(record["error"])}, timestamp=timed.end)
        self._end(span, status, record, timed.end)
        return span

    def _scenario(self, timed: Timed, beat_span: Span | None, parent: Context) -> None:
        record = timed.record
        attrs = _identity(record)
        status = str(record.get("status") or "")
        attrs.update({a.SCENARIO: str(record.get("scenario") or ""), a.STATUS: status})
        links = [Link(beat_span.get_span_context())] if beat_span is not None else []
        span = self._start(f"scenario {record.get('scenario') or record.get('nodeid')}", parent, timed.start,
                           attrs, links=links)
        at = timed.start
        for step in record.get("steps") or ():
            span.add_event(str(step.get("text") or "step"), _step_attributes(step), timestamp=at)
            at += int(float(step.get("duration_ms") or 0) * 1_000_000)
        self._end(span, status, record, timed.end)

    # -- shared --------------------------------------------------------------------------
    def _parent_of(self, run: SequenceTrace) -> Context | None:
        """A sub-pipeline's parent: the attempt of its parent beat that was running when it
        started, else that beat, else the parent run; a root run's: the TRACEPARENT context."""
        if not run.parent_correlation_id:
            return self.root
        key = (run.parent_correlation_id, run.parent_nodeid or "")
        for timed, span in self._attempt_spans.get(key, ()):
            if timed.start <= run.start <= timed.end:
                return trace.set_span_in_context(span)
        span = self._beat_spans.get(key) or self._run_spans.get(run.parent_correlation_id)
        return trace.set_span_in_context(span) if span is not None else self.root

    def _start(self, name: str, parent: Context | None, start: int, attrs: dict, *,
               kind: SpanKind = SpanKind.INTERNAL, links: list | None = None) -> Span:
        self.spans += 1
        return self.tracer.start_span(name, context=parent, kind=kind, start_time=start, links=links,
                                      attributes={k: v for k, v in attrs.items() if v is not None and v != ""})

    @staticmethod
    def _end(span: Span, status: str, record: dict | None, end: int) -> None:
        if status in _FAILING:
            error = (record or {}).get("error")
            span.set_status(Status(StatusCode.ERROR, a.first_line(error) or status))
        elif status == "passed":
            span.set_status(Status(StatusCode.OK))
        span.end(end_time=end)


def _identity(record: dict) -> dict:
    """The attributes naming a beat, shared by its span, its attempts' and its scenarios'."""
    attrs = {
        a.SEQUENCE: record.get("sequence"), a.MOVEMENT: record.get("movement"), a.BEAT: record.get("beat"),
        a.MOVEMENT_NUMBER: record.get("movement_number"), a.BEAT_NUMBER: record.get("beat_number"),
        a.HANDLER: record.get("handler"), a.DYNAMIC: record.get("dynamic"), a.TARGET: record.get("target"),
        a.SPEC_FILE: record.get("spec_file"), a.SPEC_LINE: record.get("spec_line"),
        a.CODE_FILE_PATH: record.get("spec_file"), a.CODE_LINE_NUMBER: record.get("spec_line"),
        a.RUN_ID: record.get("run_id"), a.CORRELATION_ID: record.get("correlation_id"),
        a.NODEID: record.get("nodeid"),
    }
    return {k: a.value(v) for k, v in attrs.items() if v is not None}


def _add_events(span: Span, events, default_at: int) -> None:
    for event in events or ():
        if isinstance(event, dict):
            at = to_ns(event.get("at")) or default_at
            span.add_event(str(event.get("name") or "event"), a.payload(event.get("payload")), timestamp=at)


def _step_attributes(step: dict) -> dict:
    attrs = {a.STATUS: step.get("status"), a.DURATION_MS: step.get("duration_ms"), a.CODE_LINE_NUMBER: step.get("line")}
    return {k: v for k, v in attrs.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}


def _first_failing(run: SequenceTrace) -> BeatTrace | None:
    for movement in run.ordered_movements():
        for beat in movement.ordered_beats():
            if beat.status in _FAILING:
                return beat
    return None
