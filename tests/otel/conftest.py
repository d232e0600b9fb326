"""A real OTLP/HTTP receiver on localhost.

The receiver is what a collector is to the exporter: ``POST /v1/traces`` and
``/v1/metrics`` with protobuf bodies (gzip when asked), decoded with opentelemetry-proto
and kept, answered with the protobuf response.  The exporter waits for that answer, so
once the pytest run returns every request has been recorded: no waiting in the tests.
"""

from __future__ import annotations

import gzip
import os
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2


@dataclass
class ReceivedSpan:
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    kind: int
    start: int
    end: int
    attributes: dict
    events: list[tuple[str, int, dict]]
    links: list[str]  # span ids linked to
    status: int  # 0 unset, 1 ok, 2 error
    status_message: str
    resource: dict
    scope: str


def _value(any_value) -> object:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


def _attributes(key_values) -> dict:
    return {kv.key: _value(kv.value) for kv in key_values}


@dataclass
class Receiver:
    """What the collector got: spans (decoded), metric requests, and each request's path and headers."""

    url: str = ""
    spans: list[ReceivedSpan] = field(default_factory=list)
    metrics: list[dict] = field(default_factory=list)
    requests: list[tuple[str, dict]] = field(default_factory=list)  # (path, headers in lower case)
    status: int = 200  # what the receiver answers

    def by_name(self, name: str) -> ReceivedSpan:
        (span,) = [s for s in self.spans if s.name == name]
        return span

    def children(self, parent: ReceivedSpan) -> list[ReceivedSpan]:
        return [s for s in self.spans if s.parent_id == parent.span_id and s.trace_id == parent.trace_id]

    def take(self, path: str, body: bytes) -> None:
        if path == "/v1/traces":
            request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
            for resource_spans in request.resource_spans:
                resource = _attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        self.spans.append(
                            ReceivedSpan(
                                span.name,
                                span.trace_id.hex(),
                                span.span_id.hex(),
                                span.parent_span_id.hex(),
                                span.kind,
                                span.start_time_unix_nano,
                                span.end_time_unix_nano,
                                _attributes(span.attributes),
                                [(e.name, e.time_unix_nano, _attributes(e.attributes)) for e in span.events],
                                [link.span_id.hex() for link in span.links],
                                span.status.code,
                                span.status.message,
                                resource,
                                scope_spans.scope.name,
                            )
                        )
        elif path == "/v1/metrics":
            request = metrics_service_pb2.ExportMetricsServiceRequest.FromString(body)
            self.metrics.append(MessageToDict(request))
        else:
            raise ValueError(path)


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            if receiver.status == 200:
                receiver.take(self.path, body)
                answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
            else:
                answer = b""
            self.send_response(receiver.status)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture(autouse=True)
def _no_otel_environment(monkeypatch):
    """The OpenTelemetry variables of the machine stay out: each test sets what it needs."""
    for name in [n for n in os.environ if n.startswith("OTEL_")] + ["TRACEPARENT", "TRACESTATE"]:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def receiver(monkeypatch):
    """A collector on a free localhost port; OTEL_EXPORTER_OTLP_ENDPOINT points at it."""
    got = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(got))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", got.url)
    yield got
    server.shutdown()
    server.server_close()
    thread.join()
