"""Records to an OTLP/HTTP collector: the standard configuration, a bounded cost, never a failed run.

Configured the way every OpenTelemetry SDK is: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the
per-signal ``..._TRACES_ENDPOINT`` / ``..._METRICS_ENDPOINT``), ``..._HEADERS``,
``..._TIMEOUT`` (seconds, as the Python SDK reads it; default 10), ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER``; ``TRACEPARENT`` / ``TRACESTATE`` (W3C
trace context in the environment, as CI systems set it) make the runs join that trace.

What a collector that is down costs: one TCP connect (the exporter would otherwise retry
a refused connection with back-off until its timeout), then nothing; a collector that
accepts but does not answer costs one timeout, after which the remaining batches are
dropped.  Either way the caller gets a ``problem`` to warn with, and the run's outcome
is untouched.
"""

from __future__ import annotations

import logging
import os
import socket
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics.export import MetricExportResult
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .model import group
from .spans import CorrelationTraceIds, SpanWriter

DEFAULT_ENDPOINT = "http://localhost:4318"
DEFAULT_TIMEOUT = 10.0
DEFAULT_BATCH = 512
SERVICE_NAME = "pytest-symphony"


@dataclass
class ExportOutcome:
    """What the export did, for the terminal summary and the warning."""

    endpoint: str = ""
    traces: list[tuple[str, str]] = field(default_factory=list)  # (trace id, sequence) of each root run
    spans: int = 0
    exported: int = 0
    metrics: int = 0
    joined: str | None = None  # the TRACEPARENT trace id the runs joined
    problem: str | None = None  # why something was not exported
    off: str | None = None  # the standard switch that turned export off
    #: configuration problems that did not stop the export: (the environment variable at fault, what is wrong)
    notes: list[tuple[str, str]] = field(default_factory=list)


def export_records(records: Iterable[dict], version: str, *, span_exporter: SpanExporter | None = None,
                   metric_exporter=None) -> ExportOutcome:
    """Export the records' sequence runs as traces and their metrics.

    Without exporters, both signals go over OTLP/HTTP; given a span exporter (tests: the
    SDK's in-memory one), metrics go only to the metric exporter given with it.
    """
    outcome = ExportOutcome()
    otlp = span_exporter is None
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        outcome.off = "OTEL_SDK_DISABLED=true"
        return outcome
    records = list(records)
    runs = group(records)
    if not runs:
        return outcome
    root = traceparent(outcome)
    timeout = _timeout("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", outcome)
    if span_exporter is None:
        outcome.endpoint = endpoint("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "v1/traces")
        outcome.problem = unreachable(outcome.endpoint, timeout)
        if outcome.problem:
            return outcome
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        span_exporter = OTLPSpanExporter(endpoint=outcome.endpoint, timeout=timeout)
    service = resource()
    with _exporter_log() as log:
        batches = Batches(span_exporter, _batch_size(outcome), log)
        ids = CorrelationTraceIds()
        provider = TracerProvider(resource=service, id_generator=ids, shutdown_on_exit=False)
        provider.add_span_processor(batches)
        writer = SpanWriter(provider.get_tracer("pytest_symphony", version), ids, root)
        try:
            writer.write(runs)
        finally:
            provider.shutdown()  # flushes the last batch
        outcome.traces, outcome.spans, outcome.exported = writer.traces, writer.spans, batches.exported
        outcome.problem = batches.problem
        if not outcome.problem and (otlp or metric_exporter is not None):
            _export_metrics(records, service, version, metric_exporter, outcome, log)
    return outcome


class Batches(SpanProcessor):
    """Ended spans to the exporter in batches as they end; after a failed batch the rest are dropped.

    The SDK's BatchSpanProcessor would drop spans past its queue when a whole run's spans
    end at once, and would not say whether the export worked.
    """

    def __init__(self, exporter: SpanExporter, size: int, log: list[str]) -> None:
        self.exporter = exporter
        self.size = size
        self.log = log
        self.pending: list[ReadableSpan] = []
        self.exported = 0
        self.problem: str | None = None

    def on_end(self, span: ReadableSpan) -> None:
        self.pending.append(span)
        if len(self.pending) >= self.size:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch or self.problem:
            return
        if self.exporter.export(batch) is SpanExportResult.SUCCESS:
            self.exported += len(batch)
        else:
            self.problem = f"the collector did not take the spans: {self.log[-1] if self.log else 'export failed'}"

    def shutdown(self) -> None:
        self.flush()
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        self.flush()
        return self.problem is None


def _export_metrics(records: list[dict], service: Resource, version: str, exporter, outcome: ExportOutcome,
                    log: list[str]) -> None:
    from .metrics import metrics_data

    data, outcome.metrics = metrics_data(records, service, version)
    if data is None:
        return
    timeout = _timeout("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", outcome)
    if exporter is None:
        url = endpoint("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "v1/metrics")
        if _address(url) != _address(outcome.endpoint):
            outcome.problem = unreachable(url, timeout)
            if outcome.problem:
                return
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        exporter = OTLPMetricExporter(endpoint=url, timeout=timeout)
    try:
        result = exporter.export(data, timeout_millis=timeout * 1000)
    finally:
        exporter.shutdown()
    if result is not MetricExportResult.SUCCESS:
        outcome.problem = f"the collector did not take the metrics: {log[-1] if log else 'export failed'}"


# -- configuration --------------------------------------------------------------------------
def endpoint(signal_variable: str, path: str) -> str:
    """The URL the exporter posts to, by the OTLP rule: the signal's own variable as it is, or the base + path."""
    own = os.environ.get(signal_variable, "").strip()
    if own:
        return own
    base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip() or DEFAULT_ENDPOINT
    return f"{base.rstrip('/')}/{path}"


def resource() -> Resource:
    """``OTEL_RESOURCE_ATTRIBUTES`` and ``OTEL_SERVICE_NAME``; service.name defaults to pytest-symphony."""
    found = Resource.create()
    if str(found.attributes.get("service.name", "")).startswith("unknown_service"):
        found = found.merge(Resource({"service.name": SERVICE_NAME}))
    return found


def traceparent(outcome: ExportOutcome) -> Context | None:
    """The W3C trace context of ``TRACEPARENT`` (and ``TRACESTATE``), or None when unset or invalid."""
    value = os.environ.get("TRACEPARENT", "").strip()
    if not value:
        return None
    carrier = {"traceparent": value}
    if os.environ.get("TRACESTATE"):
        carrier["tracestate"] = os.environ["TRACESTATE"]
    context = TraceContextTextMapPropagator().extract(carrier)
    span_context = trace.get_current_span(context).get_span_context()
    if not span_context.is_valid:
        outcome.notes.append(("TRACEPARENT", f"TRACEPARENT {value!r} is not a W3C traceparent (00-<32 hex trace id>-<16 hex "
                             "parent id>-<2 hex flags>): each sequence run starts a trace of its own"))
        return None
    outcome.joined = trace.format_trace_id(span_context.trace_id)
    return context


def unreachable(url: str, timeout: float) -> str | None:
    """Why ``url``'s host cannot take a connection now, or None (also when a proxy stands between)."""
    address = _address(url)
    if address is None:
        return f"{url!r} is not an http(s) URL: set OTEL_EXPORTER_OTLP_ENDPOINT to the collector, e.g. {DEFAULT_ENDPOINT}"
    if _proxied(url, address[0]):
        return None
    try:
        socket.create_connection(address, timeout=max(timeout, 0.001)).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return f"cannot connect to {url}: {reason} (is the collector running? OTEL_EXPORTER_OTLP_ENDPOINT names it)"
    return None


def _address(url: str) -> tuple[str, int] | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port that is not a number
        return None


def _proxied(url: str, host: str) -> bool:
    return urlsplit(url).scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(host)


def _timeout(variable: str, outcome: ExportOutcome) -> float:
    raw = os.environ.get(variable) or os.environ.get("OTEL_EXPORTER_OTLP_TIMEOUT")
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        name = variable if os.environ.get(variable) else "OTEL_EXPORTER_OTLP_TIMEOUT"
        outcome.notes.append((name, f"{name}={raw!r} is not a positive number of seconds: {DEFAULT_TIMEOUT:g} used"))
        return DEFAULT_TIMEOUT
    return seconds


def _batch_size(outcome: ExportOutcome) -> int:
    raw = os.environ.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")
    if not raw:
        return DEFAULT_BATCH
    if raw.strip().isdigit() and int(raw) > 0:
        return int(raw)
    outcome.notes.append(("OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
                          f"OTEL_BSP_MAX_EXPORT_BATCH_SIZE={raw!r} is not a positive whole number: {DEFAULT_BATCH} used"))
    return DEFAULT_BATCH


@contextmanager
def _exporter_log() -> Iterator[list[str]]:
    """The SDK's and exporters' log messages, kept for the warning instead of printed through pytest's logging."""
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("opentelemetry")
    handler, propagate = Keep(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
