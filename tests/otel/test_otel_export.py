"""``--symphony-otel`` end to end: real pytest runs exporting to a real OTLP/HTTP receiver on localhost."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from pytest_symphony.otel.model import to_ns

RELEASE = """
id: release
movements:
  - name: Build
    beats:
      - {name: Compile, handler: compile_sources, event: compiled}
      - {name: Pack, handler: pack, retries: 1}
  - name: Ship
    beats:
      - {name: Upload, handler: upload}
"""
NIGHTLY = """
id: nightly
movements:
  - name: Check
    beats:
      - {name: Lint, handler: upload}
      - {name: Audit, handler: upload}
"""
HANDLERS = """
TRIES = []

@handler
def compile_sources(symphony):
    symphony.metric("files", 12)

@handler
def pack():
    TRIES.append(1)
    if len(TRIES) == 1:
        raise ValueError("flaky network")

@handler
def upload():
    pass
"""


def _records(pytester) -> list[dict]:
    (path,) = (pytester.path / ".symphony" / "runs").glob("*/telemetry.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def release(project):
    project.spec("release.yaml", RELEASE)
    project.handlers(HANDLERS)
    return project


def test_a_run_arrives_at_the_collector_as_one_trace_with_the_records_times(release, receiver):
    result = release.run("--symphony-otel")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            f"symphony otel: 1 trace(s), 10 spans and 1 metric(s) exported to "
            f"{receiver.url}/v1/traces (*s CPU beside the run; its end waited *s)"
        ]
    )
    assert [path for path, _ in receiver.requests] == ["/v1/traces", "/v1/metrics"]
    assert receiver.requests[0][1]["content-type"] == "application/x-protobuf"
    sequence = receiver.by_name("RUN release")
    assert sequence.parent_id == "" and sequence.kind == 2  # SERVER
    assert [s.name for s in receiver.children(sequence)] == ["movement build", "movement ship"]
    pack = receiver.by_name("beat pack")
    attempts = sorted(receiver.children(pack), key=lambda s: s.start)
    assert [(s.name, s.status) for s in attempts] == [("attempt 1", 2), ("attempt 2", 1)]
    assert attempts[0].status_message == "ValueError: flaky network"
    records = _records(release.pytester)
    assert {s.trace_id for s in receiver.spans} == {records[0]["correlation_id"]}
    by_attempt = {(r["beat"], r["attempt"]): r for r in records}
    for span in attempts:
        rec = by_attempt[("pack", span.attributes["symphony.attempt"])]
        assert (span.start, span.end) == (to_ns(rec["started_at"]), to_ns(rec["ended_at"]))
    assert (pack.start, pack.end) == (attempts[0].start, attempts[1].end)
    assert sequence.start == to_ns(records[0]["started_at"]) and sequence.end == to_ns(records[-1]["ended_at"])
    compile_ = receiver.by_name("beat compile")
    assert compile_.attributes["code.file.path"] == "sequences/release.yaml"
    assert compile_.attributes["code.line.number"] == 5
    assert compile_.attributes["symphony.handler"] == "compile_sources"
    assert sequence.attributes["symphony.run_id"] == records[0]["run_id"]
    (compile_attempt,) = receiver.children(compile_)
    assert compile_attempt.attributes["symphony.metrics.files"] == 12.0
    assert [name for name, _, _ in compile_attempt.events] == ["compiled"]
    assert sequence.resource["service.name"] == "pytest-symphony" and sequence.scope == "pytest_symphony"
    (metric,) = receiver.metrics[0]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    assert metric["name"] == "symphony.metrics.files"
    assert metric["gauge"]["dataPoints"][0]["asDouble"] == 12.0


def test_under_xdist_the_controller_exports_one_trace_per_sequence_run(release, receiver):
    release.spec("nightly.yaml", NIGHTLY)
    result = release.run("--symphony-otel", "-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=5)
    records = _records(release.pytester)
    by_sequence = {r["sequence"]: r["correlation_id"] for r in records}
    roots = {s.name: s.trace_id for s in receiver.spans if s.parent_id == ""}
    assert roots == {"RUN release": by_sequence["release"], "RUN nightly": by_sequence["nightly"]}
    assert len(receiver.spans) == 10 + 6  # nightly: its run, a movement, 2 beats and their attempts
    for span in receiver.spans:  # every span hangs in its own sequence run's tree
        if span.parent_id:
            (parent,) = [p for p in receiver.spans if p.span_id == span.parent_id]
            assert parent.trace_id == span.trace_id


def test_the_ini_key_turns_export_on_and_the_resource_comes_from_the_environment(release, receiver, monkeypatch):
    release.ini("symphony_otel = true")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "shop-ci")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=ci")
    release.run().assert_outcomes(passed=3)
    resource = receiver.by_name("RUN release").resource
    assert (resource["service.name"], resource["deployment.environment.name"]) == ("shop-ci", "ci")


def test_headers_and_compression_come_from_the_standard_variables(release, receiver, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=s3cret")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
    release.run("--symphony-otel").assert_outcomes(passed=3)
    for _, headers in receiver.requests:
        assert (headers["x-api-key"], headers["content-encoding"]) == ("s3cret", "gzip")
    assert len(receiver.spans) == 10


def test_without_the_option_nothing_is_exported(release, receiver):
    release.run().assert_outcomes(passed=3)
    assert receiver.requests == []


def test_traceparent_joins_the_ci_jobs_trace(release, receiver, monkeypatch):
    monkeypatch.setenv("TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    result = release.run("--symphony-otel")
    result.stdout.fnmatch_lines(["*in trace 4bf92f3577b34da6a3ce929d0e0e4736 (TRACEPARENT)*"])
    assert {s.trace_id for s in receiver.spans} == {"4bf92f3577b34da6a3ce929d0e0e4736"}
    assert receiver.by_name("RUN release").parent_id == "00f067aa0ba902b7"


def test_verbose_lists_each_trace_id(release, receiver):
    result = release.run("--symphony-otel", "-v")
    trace_id = _records(release.pytester)[0]["correlation_id"]
    result.stdout.fnmatch_lines([f"symphony otel:   trace {trace_id}  release"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_collector_that_is_down_costs_a_warning_not_the_run_nor_a_wait(release, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{_free_port()}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "120")  # the exporter's retries would wait half of it
    started = time.monotonic()
    result = release.run("--symphony-otel")
    elapsed = time.monotonic() - started
    assert result.ret == 0
    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*OtelExportWarning: symphony otel: nothing exported: cannot connect to http://127.0.0.1:*/v1/traces: "
            "Connection refused (is the collector running? OTEL_EXPORTER_OTLP_ENDPOINT names it)",
            "symphony otel: nothing exported: cannot connect to http://127.0.0.1:*/v1/traces: Connection refused *",
        ]
    )
    assert elapsed < 30  # no retry with back-off: 1 + 2 + 4 + 8 + 16 s before the exporter would give up


def test_a_collector_that_never_answers_costs_one_timeout(release, monkeypatch):
    with socket.socket() as silent:  # takes connections (the backlog) and never reads or answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{silent.getsockname()[1]}")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "0.5")
        result = release.run("--symphony-otel")
    assert result.ret == 0
    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines(
        ["*OtelExportWarning: symphony otel: nothing exported: the collector did not take the spans: *"]
    )


def test_a_collector_that_refuses_the_spans_is_named_in_the_warning(release, receiver):
    receiver.status = 404
    result = release.run("--symphony-otel")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*OtelExportWarning: symphony otel: nothing exported: the collector did not take "
            "the spans: Failed to export spans batch code: 404*"
        ]
    )
    assert [path for path, _ in receiver.requests] == ["/v1/traces"]  # no metrics after a refused trace


def test_warnings_as_errors_do_not_fail_the_run(release, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{_free_port()}")
    result = release.run("--symphony-otel", "-W", "error")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["symphony otel: nothing exported: cannot connect to *"])


def test_a_bad_traceparent_is_a_warning_and_the_run_exports_its_own_traces(release, receiver, monkeypatch):
    monkeypatch.setenv("TRACEPARENT", "not-a-traceparent")
    result = release.run("--symphony-otel")
    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines(["TRACEPARENT:0", "*TRACEPARENT 'not-a-traceparent' is not a W3C traceparent*"])
    assert {s.trace_id for s in receiver.spans} == {_records(release.pytester)[0]["correlation_id"]}


def test_without_the_sdk_the_option_says_what_to_install(release, monkeypatch):
    fake = release.pytester.mkdir("no_otel") / "opentelemetry"
    fake.mkdir()
    (fake / "__init__.py").write_text("# shadows the installed namespace package: no sdk below it\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(fake.parent), os.environ.get("PYTHONPATH")])))
    result = release.pytester.runpytest_subprocess("--symphony-otel")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "ERROR: --symphony-otel (ini symphony_otel) exports with the OpenTelemetry SDK and its OTLP/HTTP "
        "exporter, which are not installed (opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http missing): "
        "pip install 'pytest-symphony[otel]'"
    ) in result.stderr.lines


def test_a_linked_scenario_is_a_span_beside_its_beat_with_a_link_to_it(release, receiver):
    (release.pytester.path / "features").mkdir()
    (release.pytester.path / "features" / "release.feature").write_text(
        "Feature: Release checks\n"
        "  @beat:release/compile\n"
        "  Scenario: Sources compile\n"
        "    Given compiled sources\n"
        "    Then twelve files\n",
        encoding="utf-8",
    )
    (release.pytester.path / "step_defs").mkdir()
    (release.pytester.path / "step_defs" / "steps.py").write_text(
        "from pytest_bdd import given, then\n\n\n"
        "@given('compiled sources')\ndef _():\n    pass\n\n\n"
        "@then('twelve files')\ndef _():\n    pass\n",
        encoding="utf-8",
    )
    release.run("--symphony-otel", "-p", "no:randomly").assert_outcomes(passed=4)
    scenario = receiver.by_name("scenario Sources compile")
    assert scenario.parent_id == receiver.by_name("movement build").span_id
    assert scenario.links == [receiver.by_name("beat compile").span_id]
    assert [name for name, _, _ in scenario.events] == ["Given compiled sources", "Then twelve files"]
    assert scenario.attributes["code.file.path"] == "features/release.feature"
    assert scenario.attributes["code.line.number"] == 3


def test_an_event_payload_holding_an_object_arrives_as_its_text(project, receiver):
    project.spec(
        "release.yaml",
        "id: release\nmovements:\n  - name: Build\n    beats:\n      - {name: Compile, handler: compile_sources}\n",
    )
    project.handlers("""
        class Version:
            def __str__(self):
                return "1.2.3"

        @handler
        def compile_sources(symphony):
            symphony.emit("versioned", version=Version(), files=3)
    """)
    project.run("--symphony-otel").assert_outcomes(passed=1)
    (attempt,) = receiver.children(receiver.by_name("beat compile"))
    assert attempt.events[0][0] == "versioned" and attempt.events[0][2] == {"version": "1.2.3", "files": 3}


def test_ctrl_c_still_exports_the_beats_that_ran(project, receiver):
    project.spec(
        "release.yaml",
        "id: release\nmovements:\n  - name: Build\n    beats:\n"
        "      - {name: Compile, handler: compile_sources}\n"
        "      - {name: Pack, handler: interrupt}\n",
    )
    project.handlers("""
        import os, signal

        @handler
        def compile_sources():
            pass

        @handler
        def interrupt():
            os.killpg(os.getpgrp(), signal.SIGINT)  # Ctrl-C: the whole process group, the exporter too
    """)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--symphony-otel", "-p", "no:randomly"],
        cwd=project.pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )
    assert done.returncode == pytest.ExitCode.INTERRUPTED, done.stdout
    assert "symphony otel: 1 trace(s), 4 spans exported" in done.stdout, done.stdout
    assert sorted(s.name for s in receiver.spans) == ["RUN release", "attempt 1", "beat compile", "movement build"]
