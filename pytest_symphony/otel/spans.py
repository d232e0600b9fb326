"""Telemetry records as OpenTelemetry spans, built as the records arrive.

The span tree of one sequence run, one trace::

    RUN <sequence>             kind SERVER: the pipeline run (cicd.pipeline.*)
      movement <slug>
        beat <slug>            a task run (cicd.pipeline.task.*), code.file.path/line.number
          attempt 1            each attempt, retries side by side; events and metrics on it
          attempt 2
            RUN <sub-sequence> a sequence run a beat started, under the attempt that ran it
        scenario <name>        a linked BDD scenario, with a link to its beat's span

Each span starts and ends at its records' real times.  A root run's trace id is its
correlation id (both 128 bits), so the id in the JSONL and the history finds the trace;
under ``TRACEPARENT`` every root run joins that trace instead.

Spans leave as soon as they are complete, so the export keeps pace with the run: an
attempt when its record arrives, a beat when the next beat of its run starts (a run's
records come in order, from the one worker that runs it), a movement when the next
movement starts, and the rest at ``finish``.  The ids of the spans still open are drawn
up front, so children can name their parent before it ends.  A sub-pipeline (records
with ``parent_correlation_id`` / ``parent_nodeid``) ends before its parent beat does, so
its spans wait for ``finish``, where each hangs under the attempt of its parent beat that
was running when it started.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    Tracer,
)

from . import attributes as a
from .model import FAILING, is_scenario, run_key, times, to_ns
from .open_runs import ChosenIds, OpenBeat, OpenMovement, OpenRun, correlation_trace_id, new_span_id, random_trace_id


class TraceBuilder:
    """Sequence runs to spans, one record at a time; ``finish`` ends what is still open."""

    def __init__(self, provider: TracerProvider, tracer: Tracer, ids: ChosenIds, root: Context | None) -> None:
        self.sampler = provider.sampler
        self.tracer = tracer
        self.ids = ids
        self.root = root  # the TRACEPARENT context, or None: each root run starts a trace
        self.traces: list[tuple[str, str]] = []  # (trace id, sequence) of each root run
        self.spans = 0
        self._runs: dict[str, OpenRun | None] = {}  # None: not sampled
        self._waiting: dict[str, list[dict[str, Any]]] = {}  # sub-pipelines' records, built at finish
        #: where a sub-pipeline can hang: (run, beat node id) -> [(start, end, attempt span id)],
        #: (run, beat node id) -> beat span id, run -> (trace id, run span id)
        self._attempts: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
        self._beat_spans: dict[tuple[str, str], int] = {}
        self._placed: dict[str, tuple[int, int]] = {}

    def add(self, record: dict[str, Any]) -> None:
        if not isinstance(record, dict):
            return
        key = run_key(record)
        if key in self._waiting or (key not in self._runs and record.get("parent_correlation_id")):
            self._waiting.setdefault(key, []).append(record)
            return
        span = times(record)
        if span is None:
            return
        if key not in self._runs:
            self._runs[key] = self._start_run(record, self.root)
        run = self._runs[key]
        if run is not None:
            self._place(run, record, *span)

    def finish(self) -> None:
        for key in list(self._runs):
            self._end_run(key)
        for key in self._nesting_order():
            records = self._waiting.pop(key)
            first = records[0]
            parent = self._parent_of(first, records)
            self._runs[key] = self._start_run(first, parent)
            run = self._runs[key]
            for record in records:
                span = times(record)
                if run is not None and span is not None:
                    self._place(run, record, *span)
            self._end_run(key)

    # -- a run's records -----------------------------------------------------------------------
    def _start_run(self, first: dict[str, Any], parent: Context | None) -> OpenRun | None:
        run = OpenRun(first, parent, new_span_id())
        parent_span = trace.get_current_span(parent).get_span_context() if parent is not None else None
        if parent_span is not None and parent_span.is_valid:
            run.trace_id, run.trace_state = parent_span.trace_id, parent_span.trace_state
        else:
            run.trace_id = correlation_trace_id(str(first.get("correlation_id") or "")) or random_trace_id()
        decision = self.sampler.should_sample(
            parent, run.trace_id, f"{a.ACTION} {first.get('sequence')}", SpanKind.SERVER
        )
        if not decision.decision.is_sampled():
            return None
        run.trace_state = decision.trace_state or run.trace_state
        self._placed[run_key(first)] = (run.trace_id, run.span_id)
        return run

    def _place(self, run: OpenRun, record: dict[str, Any], start: int, end: int) -> None:
        if not run.spec_file and not is_scenario(record):
            run.spec_file = str(record.get("spec_file") or "")
        movement_key = (record.get("movement_number") or 0, record.get("movement") or "")
        if run.movement is None or run.movement.key != movement_key:
            self._end_movement(run)
            run.movement = OpenMovement(movement_key, new_span_id())
        movement = run.movement
        beat_key = (record.get("beat") or "", record.get("target"))
        if is_scenario(record):
            beat = run.beat_ids.get(beat_key)
            self._scenario(run, movement, record, start, end, beat.span_id if beat else None)
            movement.outcome.add(record, start, end)
            return
        if run.beat is None or run.beat.key != beat_key:
            self._end_beat(run)
            run.beat = run.beat_ids[beat_key] = OpenBeat(beat_key, new_span_id())
            self._beat_spans[(run_key(record), str(record.get("nodeid") or ""))] = run.beat.span_id
        beat = run.beat
        beat.start = start if not beat.last else min(beat.start, start)
        beat.end = max(beat.end, end)
        beat.last = record
        if record.get("attempt"):
            beat.attempts += 1
            span_id = self._attempt(run, beat, record, start, end)
            self._attempts.setdefault((run_key(record), str(record.get("nodeid") or "")), []).append(
                (start, end, span_id)
            )

    def _end_beat(self, run: OpenRun) -> None:
        beat, run.beat = run.beat, None
        if beat is None or run.movement is None:
            return
        last = beat.last
        status = str(last.get("status") or "")
        attrs = a.identity(last)
        attrs.update(
            {
                a.STATUS: status,
                a.ATTEMPTS: beat.attempts,
                a.TASK_NAME: last.get("beat"),
                a.TASK_RUN_ID: last.get("nodeid"),
                a.TASK_RESULT: a.result(status),
                a.ERROR_TYPE: a.error_type(status, last.get("error")),
            }
        )
        self._span(
            f"beat {last.get('beat')}",
            run.context(run.movement.span_id),
            beat.start,
            beat.end,
            attrs,
            status,
            last.get("error"),
            span_id=beat.span_id,
        )
        run.movement.outcome.add(last, beat.start, beat.end, status)

    def _end_movement(self, run: OpenRun) -> None:
        self._end_beat(run)
        movement, run.movement = run.movement, None
        if movement is None:
            return
        first, outcome = run.first, movement.outcome
        if outcome.start is None or outcome.end is None:
            return
        attrs = {
            a.SEQUENCE: first.get("sequence"),
            a.MOVEMENT: movement.key[1],
            a.MOVEMENT_NUMBER: movement.key[0],
            a.STATUS: outcome.status,
        }
        self._span(
            f"movement {movement.key[1]}",
            run.context(run.span_id),
            outcome.start,
            outcome.end,
            attrs,
            outcome.status,
            (outcome.failing or {}).get("error"),
            span_id=movement.span_id,
        )
        run.outcome.merge(outcome)

    def _end_run(self, key: str) -> None:
        run = self._runs.pop(key, None)
        if run is None:
            return
        self._end_movement(run)
        outcome, first = run.outcome, run.first
        if outcome.start is None or outcome.end is None:
            return
        sequence, status = str(first.get("sequence") or "?"), outcome.status
        failing = outcome.failing or {}
        attrs = {
            a.SEQUENCE: sequence,
            a.RUN_ID: first.get("run_id"),
            a.CORRELATION_ID: first.get("correlation_id"),
            a.DYNAMIC: first.get("dynamic"),
            a.SPEC_FILE: run.spec_file,
            a.STATUS: status,
            a.PIPELINE_NAME: sequence,
            a.PIPELINE_RUN_ID: first.get("correlation_id") or first.get("run_id"),
            a.PIPELINE_ACTION: a.ACTION,
            a.PIPELINE_RESULT: a.result(status),
            a.ERROR_TYPE: a.error_type(status, failing.get("error")),
            a.PARENT_CORRELATION_ID: first.get("parent_correlation_id"),
            a.PARENT_NODEID: first.get("parent_nodeid"),
        }
        if run.parent is None:
            self.ids.trace_id = run.trace_id
        self._span(
            f"{a.ACTION} {sequence}",
            run.parent,
            outcome.start,
            outcome.end,
            attrs,
            status,
            failing.get("error"),
            span_id=run.span_id,
            kind=SpanKind.SERVER,
        )
        if run.parent is None or run.parent is self.root:
            self.traces.append((trace.format_trace_id(run.trace_id), sequence))

    # -- spans ---------------------------------------------------------------------------------
    def _attempt(self, run: OpenRun, beat: OpenBeat, record: dict[str, Any], start: int, end: int) -> int:
        status = str(record.get("status") or "")
        attrs = {a.BEAT: record.get("beat"), a.ATTEMPT: int(record.get("attempt") or 0), a.STATUS: status}
        for name, number in (record.get("metrics") or {}).items():
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                attrs[a.METRICS_PREFIX + str(name)] = number
        events = [
            (str(e.get("name") or "event"), a.payload(e.get("payload")), to_ns(e.get("at")) or start)
            for e in record.get("events") or ()
            if isinstance(e, dict)
        ]
        if status in FAILING and record.get("error"):
            events.append(
                (
                    "exception",
                    {
                        a.EXCEPTION_TYPE: a.error_type(status, record["error"]),
                        a.EXCEPTION_MESSAGE: str(record["error"]),
                    },
                    end,
                )
            )
        return self._span(
            f"attempt {record.get('attempt')}",
            run.context(beat.span_id),
            start,
            end,
            attrs,
            status,
            record.get("error"),
            events=events,
        )

    def _scenario(
        self, run: OpenRun, movement: OpenMovement, record: dict[str, Any], start: int, end: int, beat_id: int | None
    ) -> None:
        status = str(record.get("status") or "")
        attrs = a.identity(record)
        attrs.update({a.SCENARIO: record.get("scenario"), a.STATUS: status})
        links = [Link(SpanContext(run.trace_id, beat_id, False, run.flags))] if beat_id else None
        events, at = [], start
        for step in record.get("steps") or ():
            if isinstance(step, dict):
                events.append((str(step.get("text") or "step"), a.step_attributes(step), at))
                at += int(float(step.get("duration_ms") or 0) * 1_000_000)
        self._span(
            f"scenario {record.get('scenario') or record.get('nodeid')}",
            run.context(movement.span_id),
            start,
            end,
            attrs,
            status,
            record.get("error"),
            events=events,
            links=links,
        )

    def _span(
        self,
        name: str,
        parent: Context | None,
        start: int,
        end: int,
        attrs: dict[str, Any],
        status: str,
        error: object,
        *,
        span_id: int | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        events: list[tuple[str, dict[str, Any], int]] | None = None,
        links: list[Link] | None = None,
    ) -> int:
        self.ids.span_id = span_id
        span = self.tracer.start_span(
            name,
            context=parent,
            kind=kind,
            start_time=start,
            links=links,
            attributes={k: v for k, v in attrs.items() if v is not None and v != ""},
        )
        self.ids.trace_id = self.ids.span_id = None
        for event_name, event_attrs, at in events or ():
            span.add_event(event_name, event_attrs, timestamp=at)
        if status in FAILING:
            span.set_status(Status(StatusCode.ERROR, a.first_line(str(error or "")) or status))
        elif status == "passed":
            span.set_status(Status(StatusCode.OK))
        span.end(end_time=end)
        self.spans += 1
        return span.get_span_context().span_id

    # -- sub-pipelines ---------------------------------------------------------------------------
    def _nesting_order(self) -> list[str]:
        """The waiting runs, each after the waiting run that started it (a circular parent makes a root)."""
        ordered: list[str] = []

        def place(key: str, visiting: tuple[str, ...]) -> None:
            if key in ordered:
                return
            parent = str(self._waiting[key][0].get("parent_correlation_id") or "")
            if parent in self._waiting and parent not in visiting and parent != key:
                place(parent, visiting + (key,))
            if key not in ordered:
                ordered.append(key)

        for key in list(self._waiting):
            place(key, ())
        return ordered

    def _parent_of(self, first: dict[str, Any], records: list[dict[str, Any]]) -> Context | None:
        """Where a sub-pipeline hangs: the attempt of its parent beat that was running when it
        started, else that beat, else the parent run; a parent not in this session's records
        leaves it a root."""
        parent_run = str(first.get("parent_correlation_id") or "")
        placed = self._placed.get(parent_run)
        if placed is None:
            return self.root
        key = (parent_run, str(first.get("parent_nodeid") or ""))
        starts = [span[0] for span in map(times, records) if span is not None]
        begin = min(starts) if starts else 0
        span_id = next((s[2] for s in self._attempts.get(key, ()) if s[0] <= begin <= s[1]), None)
        span_id = span_id or self._beat_spans.get(key) or placed[1]
        return trace.set_span_in_context(
            NonRecordingSpan(SpanContext(placed[0], span_id, False, TraceFlags(TraceFlags.SAMPLED)))
        )
