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
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .metrics import MetricRecorder
from .outcome import ExportOutcome
from .open_runs import ChosenIds
from .spans import TraceBuilder

DEFAULT_ENDPOINT = "http://localhost:4318"
DEFAULT_TIMEOUT = 10.0
DEFAULT_BATCH = 512
SERVICE_NAME = "pytest-symphony"


class Exporter:
    """Spans and metrics of the records given to ``add``, sent as they complete; ``finish`` sends the rest.

    Without exporters, both signals go over OTLP/HTTP; given a span exporter (tests: the
    SDK's in-memory one), metrics go only to the metric exporter given with it.
    """

    def __init__(
        self, version: str, *, span_exporter: SpanExporter | None = None, metric_exporter: MetricExporter | None = None
    ) -> None:
        self.outcome = outcome = ExportOutcome()
        self.builder: TraceBuilder | None = None
        if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
            outcome.off = "OTEL_SDK_DISABLED=true"
            return
        root = traceparent(outcome)
        metrics_wanted = span_exporter is None or metric_exporter is not None
        probe = None
        if span_exporter is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            timeout = _timeout("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", outcome)
            outcome.endpoint = endpoint("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "v1/traces")
            span_exporter = OTLPSpanExporter(endpoint=outcome.endpoint, timeout=timeout)
            probe = (outcome.endpoint, timeout)
        self.resource = resource()
        self._log = _ExporterLog()
        self.batches = Batches(
            span_exporter, _batch_size(outcome), self._log.messages, probe, after_export=self._send_metrics
        )
        ids = ChosenIds()
        self.provider = TracerProvider(resource=self.resource, id_generator=ids, shutdown_on_exit=False)
        self.provider.add_span_processor(self.batches)
        self.builder = TraceBuilder(self.provider, self.provider.get_tracer("pytest_symphony", version), ids, root)
        self.metrics = MetricRecorder(self.resource, version) if metrics_wanted else None
        self._metric_exporter = metric_exporter

    def add(self, record: dict[str, Any]) -> None:
        if self.builder is None or self.batches.problem or not isinstance(record, dict):
            return  # off, or the collector failed: nothing more would leave
        with self._log:
            if self.metrics is not None:  # first: a batch the record's spans complete takes its values along
                self.metrics.add(record)
            self.builder.add(record)

    def flush(self) -> None:
        """Send the spans that are complete (and the metrics so far), without waiting for a full batch."""
        if self.builder is not None:
            with self._log:
                self.batches.flush()

    def finish(self) -> ExportOutcome:
        outcome = self.outcome
        if self.builder is None:
            return outcome
        with self._log:
            try:
                self.builder.finish()
            finally:
                self.provider.shutdown()  # sends the last batch
            self._send_metrics()
            if self.metrics is not None:
                self.metrics.close()
                outcome.metrics = len(self.metrics.gauges)
            if self._metric_exporter is not None:
                self._metric_exporter.shutdown()
            outcome.traces, outcome.spans, outcome.exported = (
                self.builder.traces,
                self.builder.spans,
                self.batches.exported,
            )
            outcome.problem = outcome.problem or self.batches.problem
        return outcome

    def _send_metrics(self) -> None:
        """The gauge values set since the last call, sent along with the spans (once a batch has gone)."""
        if self.metrics is None or self.outcome.problem or self.batches.problem:
            return
        data = self.metrics.collect()
        if data is None:
            return
        exporter = self._metric_exporter or self._open_metric_exporter()
        if exporter is None:
            return
        if exporter.export(data, timeout_millis=self._metrics_timeout * 1000) is not MetricExportResult.SUCCESS:
            log = self._log.messages
            self.outcome.problem = f"the collector did not take the metrics: {log[-1] if log else 'export failed'}"

    def _open_metric_exporter(self) -> MetricExporter | None:
        outcome = self.outcome
        self._metrics_timeout = timeout = _timeout("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", outcome)
        url = endpoint("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "v1/metrics")
        if _address(url) != _address(outcome.endpoint):
            outcome.problem = unreachable(url, timeout)
            if outcome.problem:
                return None
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        self._metric_exporter = OTLPMetricExporter(endpoint=url, timeout=timeout)
        return self._metric_exporter

    _metrics_timeout = DEFAULT_TIMEOUT


def export_records(records: Iterable[dict[str, Any]], version: str, **exporters: Any) -> ExportOutcome:
    """Export all of ``records`` at once (the sidecar feeds an ``Exporter`` one record at a time)."""
    exporter = Exporter(version, **exporters)
    for record in records:
        exporter.add(record)
    return exporter.finish()


class Batches(SpanProcessor):
    """Ended spans to the exporter in batches as they end; after a failed batch the rest are dropped.

    The SDK's BatchSpanProcessor would drop spans past its queue when many spans end at
    once, and would not say whether the export worked.  Before the first batch, ``probe``
    (url, timeout) checks the collector takes connections at all: the exporter would
    retry a refused connection with back-off until its timeout.
    """

    def __init__(
        self,
        exporter: SpanExporter,
        size: int,
        log: list[str],
        probe: tuple[str, float] | None = None,
        after_export: Callable[[], None] | None = None,
    ) -> None:
        self.exporter = exporter
        self.after_export = after_export
        self.size = size
        self.log = log
        self.probe = probe
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
        if self.probe is not None:
            probe, self.probe = self.probe, None
            self.problem = unreachable(*probe)
            if self.problem:
                return
        if self.exporter.export(batch) is SpanExportResult.SUCCESS:
            self.exported += len(batch)
            if self.after_export is not None:
                self.after_export()
        else:
            self.problem = f"the collector did not take the spans: {self.log[-1] if self.log else 'export failed'}"

    def shutdown(self) -> None:
        self.flush()
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        self.flush()
        return self.problem is None


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
        outcome.notes.append(
            (
                "TRACEPARENT",
                f"TRACEPARENT {value!r} is not a W3C traceparent (00-<32 hex trace id>-<16 hex "
                "parent id>-<2 hex flags>): each sequence run starts a trace of its own",
            )
        )
        return None
    outcome.joined = trace.format_trace_id(span_context.trace_id)
    return context


def unreachable(url: str, timeout: float) -> str | None:
    """Why ``url``'s host cannot take a connection now, or None (also when a proxy stands between)."""
    address = _address(url)
    if address is None:
        return (
            f"{url!r} is not an http(s) URL: set OTEL_EXPORTER_OTLP_ENDPOINT to the collector, e.g. {DEFAULT_ENDPOINT}"
        )
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
    outcome.notes.append(
        (
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
            f"OTEL_BSP_MAX_EXPORT_BATCH_SIZE={raw!r} is not a positive whole number: {DEFAULT_BATCH} used",
        )
    )
    return DEFAULT_BATCH


class _ExporterLog(logging.Handler):
    """While entered, the SDK's and exporters' log messages are kept for the warning instead of
    going through pytest's logging (a refused batch would otherwise print a traceback-free error)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self._logger = logging.getLogger("opentelemetry")
        self._propagate = True

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> "_ExporterLog":
        self._propagate = self._logger.propagate
        self._logger.addHandler(self)
        self._logger.propagate = False
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self._logger.removeHandler(self)
        self._logger.propagate = self._propagate
