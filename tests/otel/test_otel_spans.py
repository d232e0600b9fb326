"""The span tree from telemetry records, through the SDK's in-memory exporter.

Hand-made records (``record``) stand for what workers send the
controller; they also carry the sub-pipeline fields the runtime does not write yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from opentelemetry.sdk.metrics.export import MetricExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode, format_span_id, format_trace_id

from pytest_symphony.otel.export import Exporter, export_records
from pytest_symphony.otel.model import Outcome, times, to_ns

# -- hand-made records, as workers send them ---------------------------------------------------
T0 = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)


def at(ms: float) -> str:
    """T0 plus ``ms`` milliseconds, as the records write it."""
    return (T0 + timedelta(milliseconds=ms)).isoformat(timespec="microseconds").replace("+00:00", "Z")


def ns(ms: float) -> int:
    return int((T0 - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds()) * 10**9 + int(ms * 1_000_000)


CORRELATION = "0af7651916cd43dd8448eb211c80319c"


def record(
    beat: str,
    start: float,
    end: float,
    *,
    status: str = "passed",
    attempt: int = 1,
    movement: str = "build",
    movement_number: int = 1,
    beat_number: int = 1,
    correlation_id: str = CORRELATION,
    sequence: str = "release",
    **extra,
) -> dict:
    """An attempt record as the conductor writes it, ``start``/``end`` in ms after T0."""
    base = {
        "run_id": "20261124T030000Z-abc123",
        "correlation_id": correlation_id,
        "sequence": sequence,
        "movement": movement,
        "beat": beat,
        "movement_number": movement_number,
        "beat_number": beat_number,
        "handler": beat.replace("-", "_"),
        "nodeid": f"sequences/{sequence}.yaml::{sequence}::{movement}::{beat}",
        "dynamic": "mf",
        "spec_file": f"sequences/{sequence}.yaml",
        "spec_line": 4 + beat_number * 2,
        "spec_hash": "ab" * 32,
        "events": [],
        "metrics": {},
        "error": None,
        "target": None,
        "attempt": attempt,
        "status": status,
        "started_at": at(start),
        "ended_at": at(end),
        "duration_ms": end - start,
        "kind": "beat",
    }
    base.update(extra)
    return base


class Spans:
    """The exported spans by name, with their parents."""

    def __init__(self, records, **kwargs):
        self.exporter = InMemorySpanExporter()
        self.outcome = export_records(records, "9.9", span_exporter=self.exporter, **kwargs)
        self.all = list(self.exporter.get_finished_spans())

    def named(self, name):
        found = [s for s in self.all if s.name == name]
        assert len(found) == 1, [s.name for s in self.all]
        return found[0]

    def parent(self, span):
        if span.parent is None:
            return None
        (parent,) = [s for s in self.all if s.context.span_id == span.parent.span_id]
        return parent

    def children(self, span):
        return [
            s.name
            for s in sorted(self.all, key=lambda s: s.start_time)
            if s.parent is not None and s.parent.span_id == span.context.span_id
        ]


RELEASE = [
    record(
        "compile",
        0,
        40,
        metrics={"files": 12.0},
        events=[
            {
                "name": "compiled",
                "payload": {"count": 3, "names": ["a", "b"], "opts": {"o": 1}},
                "at": "2026-11-24T03:00:00.030000Z",
            }
        ],
    ),
    record("pack", 50, 60, beat_number=2, status="failed", error="ValueError: flaky network"),
    record("pack", 61, 90, beat_number=2, attempt=2),
    record(
        "upload",
        100,
        130,
        movement="ship",
        movement_number=2,
        status="failed",
        error="RuntimeError: registry down\nTraceback ...",
    ),
    record(
        "announce",
        131,
        132,
        movement="ship",
        movement_number=2,
        beat_number=2,
        status="skipped",
        attempt=0,
        error="beat 2.1 failed",
    ),
]


def test_one_trace_per_sequence_run_with_sequence_movement_beat_and_attempt_spans():
    spans = Spans(RELEASE)
    sequence = spans.named("RUN release")
    assert spans.parent(sequence) is None and sequence.kind is SpanKind.SERVER
    assert spans.children(sequence) == ["movement build", "movement ship"]
    assert spans.children(spans.named("movement build")) == ["beat compile", "beat pack"]
    assert spans.children(spans.named("beat pack")) == ["attempt 1", "attempt 2"]  # retries side by side
    assert spans.children(spans.named("beat announce")) == []  # never ran: no attempt
    assert {s.context.trace_id for s in spans.all} == {int(CORRELATION, 16)}  # the correlation id finds it
    assert spans.outcome.traces == [(CORRELATION, "release")]
    assert spans.outcome.spans == spans.outcome.exported == len(spans.all) == 11


def test_spans_start_and_end_at_the_records_times():
    spans = Spans(RELEASE)
    compile_ = spans.named("beat compile")
    assert (compile_.start_time, compile_.end_time) == (ns(0), ns(40))
    pack_attempts = [s for s in spans.all if spans.parent(s) is spans.named("beat pack")]
    assert sorted((s.start_time, s.end_time) for s in pack_attempts) == [(ns(50), ns(60)), (ns(61), ns(90))]
    assert (spans.named("beat pack").start_time, spans.named("beat pack").end_time) == (ns(50), ns(90))
    assert (spans.named("movement ship").start_time, spans.named("movement ship").end_time) == (ns(100), ns(132))
    assert (spans.named("RUN release").start_time, spans.named("RUN release").end_time) == (ns(0), ns(132))


def test_status_follows_the_outcome():
    spans = Spans(RELEASE)
    assert spans.named("beat compile").status.status_code is StatusCode.OK
    assert spans.named("beat pack").status.status_code is StatusCode.OK  # passed on its retry
    first, second = sorted(
        (s for s in spans.all if spans.parent(s) is spans.named("beat pack")), key=lambda s: s.start_time
    )
    assert (first.status.status_code, first.status.description) == (StatusCode.ERROR, "ValueError: flaky network")
    assert second.status.status_code is StatusCode.OK
    upload = spans.named("beat upload")
    assert (upload.status.status_code, upload.status.description) == (StatusCode.ERROR, "RuntimeError: registry down")
    assert spans.named("beat announce").status.status_code is StatusCode.UNSET  # skipped
    sequence = spans.named("RUN release")
    assert sequence.status.status_code is StatusCode.ERROR
    assert sequence.attributes["cicd.pipeline.result"] == "failure"
    assert sequence.attributes["error.type"] == "RuntimeError"
    assert spans.named("movement build").status.status_code is StatusCode.OK
    assert spans.named("movement ship").status.status_code is StatusCode.ERROR


def test_attributes_carry_the_symphony_fields_and_the_semantic_conventions():
    spans = Spans(RELEASE)
    beat = spans.named("beat upload")
    assert dict(beat.attributes) == {
        "symphony.sequence": "release",
        "symphony.movement": "ship",
        "symphony.beat": "upload",
        "symphony.movement_number": 2,
        "symphony.beat_number": 1,
        "symphony.handler": "upload",
        "symphony.spec_file": "sequences/release.yaml",
        "symphony.spec_line": 6,
        "code.file.path": "sequences/release.yaml",
        "code.line.number": 6,
        "symphony.nodeid": "sequences/release.yaml::release::ship::upload",
        "symphony.status": "failed",
        "symphony.attempts": 1,
        "cicd.pipeline.task.name": "upload",
        "cicd.pipeline.task.run.id": "sequences/release.yaml::release::ship::upload",
        "cicd.pipeline.task.run.result": "failure",
        "error.type": "RuntimeError",
    }
    sequence = spans.named("RUN release").attributes
    assert sequence["cicd.pipeline.name"] == "release" and sequence["cicd.pipeline.run.id"] == CORRELATION
    assert sequence["cicd.pipeline.action.name"] == "RUN"
    assert sequence["symphony.run_id"] == "20261124T030000Z-abc123" and sequence["symphony.dynamic"] == "mf"
    assert sequence["symphony.correlation_id"] == CORRELATION
    assert sequence["symphony.spec_file"] == "sequences/release.yaml"
    (compile_attempt,) = [s for s in spans.all if spans.parent(s) is spans.named("beat compile")]
    assert compile_attempt.attributes["symphony.attempt"] == 1
    assert compile_attempt.attributes["symphony.metrics.files"] == 12.0
    assert spans.named("beat announce").attributes["cicd.pipeline.task.run.result"] == "skip"


def test_events_become_span_events_and_failures_exception_events():
    spans = Spans(RELEASE)
    (compile_attempt,) = [s for s in spans.all if spans.parent(s) is spans.named("beat compile")]
    (event,) = compile_attempt.events
    assert event.name == "compiled" and event.timestamp == ns(30)
    assert dict(event.attributes) == {"count": 3, "names": ("a", "b"), "opts": '{"o": 1}'}
    (upload_attempt,) = [s for s in spans.all if spans.parent(s) is spans.named("beat upload")]
    (exception,) = upload_attempt.events
    assert exception.name == "exception" and exception.timestamp == ns(130)
    assert exception.attributes["exception.type"] == "RuntimeError"
    assert exception.attributes["exception.message"].startswith("RuntimeError: registry down")


def test_a_scenario_hangs_beside_its_beat_with_a_link_to_it_and_its_steps_as_events():
    scenario = record(
        "compile",
        41,
        45,
        kind="scenario",
        scenario="Sources compile",
        status="passed",
        nodeid="features/release.feature::Sources compile",
        spec_file="features/release.feature",
        spec_line=3,
        handler=None,
        steps=[
            {"text": "Given sources", "status": "passed", "duration_ms": 1.0, "line": 4},
            {"text": "Then a wheel", "status": "passed", "duration_ms": 2.0, "line": 5},
        ],
    )
    spans = Spans(RELEASE[:1] + [scenario])
    span = spans.named("scenario Sources compile")
    assert spans.parent(span) is spans.named("movement build")
    assert [link.context.span_id for link in span.links] == [spans.named("beat compile").context.span_id]
    assert [(e.name, e.timestamp) for e in span.events] == [("Given sources", ns(41)), ("Then a wheel", ns(42))]
    assert span.attributes["code.file.path"] == "features/release.feature"
    assert span.attributes["symphony.scenario"] == "Sources compile"
    assert (span.start_time, span.end_time) == (ns(41), ns(45))


SUB = "1111111111114111a111111111111111"
SUBSUB = "2222222222224222a222222222222222"
PARENT_BEAT = "sequences/release.yaml::release::build::pack"


def test_a_sub_pipeline_nests_under_the_attempt_of_its_parent_beat_that_ran_it():
    records = RELEASE + [
        record(
            "lint",
            63,
            70,
            sequence="checks",
            correlation_id=SUB,
            parent_correlation_id=CORRELATION,
            parent_nodeid=PARENT_BEAT,
        ),
        record(
            "scan",
            64,
            66,
            sequence="deep",
            correlation_id=SUBSUB,
            parent_correlation_id=SUB,
            parent_nodeid="sequences/checks.yaml::checks::build::lint",
        ),
    ]
    # the records arrive as the beats end: the innermost first
    spans = Spans(records[-1:] + records[:-1])
    child = spans.named("RUN checks")
    second_attempt = [
        s for s in spans.all if spans.parent(s) is spans.named("beat pack") and s.attributes["symphony.attempt"] == 2
    ]
    assert spans.parent(child) is second_attempt[0]
    assert spans.parent(spans.named("RUN deep")) in [
        s for s in spans.all if s.name == "attempt 1" and spans.parent(s) is spans.named("beat lint")
    ]
    assert {s.context.trace_id for s in spans.all} == {int(CORRELATION, 16)}  # one trace
    assert child.attributes["symphony.parent_correlation_id"] == CORRELATION
    assert child.attributes["symphony.parent_nodeid"] == PARENT_BEAT
    assert spans.outcome.traces == [(CORRELATION, "release")]


def test_sub_pipelines_reach_a_real_collector_nested_under_their_parent_beat(receiver):
    records = RELEASE + [
        record(
            "lint",
            63,
            70,
            sequence="checks",
            correlation_id=SUB,
            parent_correlation_id=CORRELATION,
            parent_nodeid=PARENT_BEAT,
        )
    ]
    outcome = export_records(records, "9.9")
    assert outcome.problem is None and outcome.exported == 15 == len(receiver.spans)
    child = receiver.by_name("RUN checks")
    (parent,) = [s for s in receiver.spans if s.span_id == child.parent_id]
    assert parent.name == "attempt 2" and parent.attributes["symphony.beat"] == "pack"
    assert {s.trace_id for s in receiver.spans} == {CORRELATION}
    assert (child.start, child.end) == (ns(63), ns(70))


def test_a_sub_pipeline_whose_parent_is_missing_or_circular_is_a_trace_of_its_own():
    records = [
        record(
            "lint", 0, 5, sequence="orphan", correlation_id=SUB, parent_correlation_id="f" * 32, parent_nodeid="gone"
        ),
        record("a", 0, 5, sequence="a", correlation_id="a" * 32, parent_correlation_id="b" * 32),
        record("b", 0, 5, sequence="b", correlation_id="b" * 32, parent_correlation_id="a" * 32),
    ]
    spans = Spans(records)
    orphan = spans.named("RUN orphan")
    assert spans.parent(orphan) is None and orphan.context.trace_id == int(SUB, 16)
    assert len({s.context.trace_id for s in spans.all}) == 2  # a and b: one of them roots the other
    assert len(spans.outcome.traces) == 2 and "orphan" in {name for _, name in spans.outcome.traces}


def test_a_sub_pipeline_started_outside_any_attempt_hangs_under_the_parent_beat():
    records = RELEASE + [
        record(
            "lint",
            95,
            99,
            sequence="checks",
            correlation_id=SUB,
            parent_correlation_id=CORRELATION,
            parent_nodeid=PARENT_BEAT,
        )
    ]
    spans = Spans(records)
    assert spans.parent(spans.named("RUN checks")) is spans.named("beat pack")


def test_traceparent_makes_every_run_join_that_trace(monkeypatch):
    monkeypatch.setenv("TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    other = record("test", 0, 5, sequence="nightly", correlation_id="c" * 32)
    spans = Spans(RELEASE + [other])
    assert {format_trace_id(s.context.trace_id) for s in spans.all} == {"4bf92f3577b34da6a3ce929d0e0e4736"}
    for name in ("RUN release", "RUN nightly"):
        assert format_span_id(spans.named(name).parent.span_id) == "00f067aa0ba902b7"
    assert spans.outcome.joined == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_an_unsampled_traceparent_is_respected(monkeypatch):
    monkeypatch.setenv("TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
    spans = Spans(RELEASE)
    assert spans.all == [] and spans.outcome.exported == 0


def test_a_malformed_traceparent_is_a_note_and_each_run_starts_its_own_trace(monkeypatch):
    monkeypatch.setenv("TRACEPARENT", "00-zz-00f067aa0ba902b7-01")
    spans = Spans(RELEASE)
    assert {s.context.trace_id for s in spans.all} == {int(CORRELATION, 16)}
    ((variable, note),) = spans.outcome.notes
    assert variable == "TRACEPARENT" and "is not a W3C traceparent" in note


def test_service_name_and_resource_attributes_come_from_the_environment(monkeypatch):
    assert Spans(RELEASE).all[0].resource.attributes["service.name"] == "pytest-symphony"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "shop-ci")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=ci,team=core")
    resource = Spans(RELEASE).all[0].resource.attributes
    assert (resource["service.name"], resource["deployment.environment.name"], resource["team"]) == (
        "shop-ci",
        "ci",
        "core",
    )


def test_spans_leave_as_soon_as_they_are_complete(monkeypatch):
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1")
    memory = InMemorySpanExporter()
    exporter = Exporter("9.9", span_exporter=memory)

    def sent():
        return [s.name for s in memory.get_finished_spans()]

    exporter.add(RELEASE[0])
    assert sent() == ["attempt 1"]  # the attempt at once; its beat may have more attempts
    exporter.add(RELEASE[1])
    assert sent() == ["attempt 1", "beat compile", "attempt 1"]  # the next beat began: compile is complete
    exporter.add(RELEASE[2])
    exporter.add(RELEASE[3])  # the next movement began: build is complete
    assert sent()[-3:] == ["beat pack", "movement build", "attempt 1"]
    exporter.add(RELEASE[4])
    assert "RUN release" not in sent()
    exporter.finish()
    assert sent()[-3:] == ["beat announce", "movement ship", "RUN release"]


def test_spans_go_out_in_batches(monkeypatch):
    class Counting(InMemorySpanExporter):
        calls = 0

        def export(self, spans):
            Counting.calls += 1
            return super().export(spans)

    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "5")
    exporter = Counting()
    outcome = export_records(RELEASE, "9.9", span_exporter=exporter)
    assert Counting.calls == 3 and outcome.exported == 11 == len(exporter.get_finished_spans())


def test_a_failed_batch_stops_the_export_and_says_so(monkeypatch):
    class Refusing(InMemorySpanExporter):
        def export(self, spans):
            import logging

            logging.getLogger("opentelemetry.exporter.otlp.proto.http").error("Failed to export span batch code: 503")
            from opentelemetry.sdk.trace.export import SpanExportResult

            return SpanExportResult.FAILURE

    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "5")
    outcome = export_records(RELEASE, "9.9", span_exporter=Refusing())
    assert outcome.exported == 0
    assert outcome.problem == "the collector did not take the spans: Failed to export span batch code: 503"


def test_metrics_become_gauges_per_beat():
    class Keep:
        data = None

        def export(self, data, timeout_millis=None):
            Keep.data = data
            return MetricExportResult.SUCCESS

        def shutdown(self):
            pass

    records = RELEASE + [
        record("upload", 140, 150, sequence="nightly", correlation_id="c" * 32, metrics={"files": 3, "bad": "x"})
    ]
    outcome = Spans(records, metric_exporter=Keep()).outcome
    assert outcome.metrics == 1  # "bad" is text: no metric
    (resource_metrics,) = Keep.data.resource_metrics
    (scope,) = resource_metrics.scope_metrics
    assert scope.scope.name == "pytest_symphony"
    (files,) = [m for m in scope.metrics if m.name == "symphony.metrics.files"]
    points = {
        (p.attributes["symphony.sequence"], p.attributes["symphony.beat"]): p.value for p in files.data.data_points
    }
    assert points == {("release", "compile"): 12.0, ("nightly", "upload"): 3}
    (point,) = [p for p in files.data.data_points if p.attributes["symphony.sequence"] == "release"]
    assert dict(point.attributes) == {
        "symphony.sequence": "release",
        "symphony.movement": "build",
        "symphony.beat": "compile",
        "cicd.pipeline.name": "release",
        "cicd.pipeline.task.name": "compile",
    }


def test_metrics_leave_with_the_spans_each_value_once(monkeypatch):
    sent = []

    class Keep:
        def export(self, data, timeout_millis=None):
            sent.append(
                sorted(
                    (p.attributes["symphony.beat"], p.value)
                    for r in data.resource_metrics
                    for s in r.scope_metrics
                    for m in s.metrics
                    for p in m.data.data_points
                )
            )
            return MetricExportResult.SUCCESS

        def shutdown(self):
            pass

    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1")
    exporter = Exporter("9.9", span_exporter=InMemorySpanExporter(), metric_exporter=Keep())
    exporter.add(RELEASE[0])
    assert sent == [[("compile", 12.0)]]  # with the first attempt's span, before the run ends
    exporter.add(record("pack", 50, 60, beat_number=2, metrics={"files": 4}))
    exporter.finish()
    assert sent == [[("compile", 12.0)], [("pack", 4)]]  # each value once


def test_otel_sdk_disabled_exports_nothing(monkeypatch):
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    spans = Spans(RELEASE)
    assert spans.all == [] and spans.outcome.off == "OTEL_SDK_DISABLED=true"


# -- the model, without the SDK ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "2026-11-24T03:00:00.000001Z",
        "2026-11-24T03:00:00.000001+00:00",
        "2026-11-24T04:00:00.000001+01:00",
        "2026-11-24T03:00:00.000001",
    ],
)
def test_timestamps_become_exact_nanoseconds(text):
    assert to_ns(text) == ns(0) + 1000


def test_a_record_with_one_time_takes_it_for_both_and_one_without_times_is_left_out():
    assert times(record("a", 0, 1) | {"started_at": None, "ended_at": None}) is None
    assert times(record("b", 0, 1) | {"started_at": "garbage"}) == (ns(1), ns(1))
    assert times(record("c", 5, 1)) == (ns(5), ns(5))  # an end before the start


@pytest.mark.parametrize(
    "statuses, expected",
    [
        (["passed", "failed", "skipped"], "failed"),
        (["passed", "timeout", "failed"], "timeout"),
        (["skipped", "skipped"], "skipped"),
        (["passed", "skipped"], "passed"),
        (["error"], "error"),
    ],
)
def test_a_group_ends_with_its_first_failing_status(statuses, expected):
    group = Outcome()
    for n, status in enumerate(statuses):
        group.add({"status": status}, n, n + 1)
    assert (group.status, group.start, group.end) == (expected, 0, len(statuses))
