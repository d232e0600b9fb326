"""Metrics recorded with ``symphony.metric(name, value)`` as OpenTelemetry gauges.

One gauge per metric name, ``symphony.metrics.<name>``, its value per beat: the
attributes name the sequence, movement, beat (and target), never the run or the
correlation id, so a metric store keeps one series per beat across runs rather than
one per run (the CI/CD conventions make run ids on metrics opt-in for that reason).
A retried beat keeps its last attempt's value.  Read through a pull reader whenever a
batch of spans goes out, each time only the values set since the last read (delta), so
the data points carry about the time their beats ended and the end of the run has
little left to send.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.metrics import _Gauge as Gauge  # the API's instrument (public as _Gauge since 1.23)
from opentelemetry.sdk.metrics import MeterProvider, _Gauge
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader, MetricsData
from opentelemetry.sdk.resources import Resource

from . import attributes as a
from .model import is_scenario


class MetricRecorder:
    """Gauges set as the records arrive; ``collect`` reads what was set since it last did."""

    def __init__(self, resource: Resource, version: str) -> None:
        self.reader = InMemoryMetricReader(preferred_temporality={_Gauge: AggregationTemporality.DELTA})
        self.provider = MeterProvider(resource=resource, metric_readers=[self.reader], shutdown_on_exit=False)
        self.meter = self.provider.get_meter("pytest_symphony", version)
        self.gauges: dict[str, Gauge] = {}

    def add(self, record: dict[str, Any]) -> None:
        values = record.get("metrics")
        if not values or is_scenario(record):
            return
        attrs = None
        for name, number in values.items():
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                continue
            instrument = a.metric_name(name)
            gauge = self.gauges.get(instrument)
            if gauge is None:
                gauge = self.gauges[instrument] = self.meter.create_gauge(
                    instrument, description=f"symphony.metric({name!r}) of each beat"
                )
            gauge.set(number, attrs if attrs is not None else (attrs := _series(record)))

    def collect(self) -> MetricsData | None:
        """The values set since the last call; None when there are none."""
        if not self.gauges:
            return None
        data = self.reader.get_metrics_data()
        points = sum(
            len(m.data.data_points)
            for r in (data.resource_metrics if data else ())
            for s in r.scope_metrics
            for m in s.metrics
        )
        return data if points else None

    def close(self) -> None:
        self.provider.shutdown()


def _series(record: dict[str, Any]) -> dict[str, Any]:
    attrs = {
        a.SEQUENCE: record.get("sequence"),
        a.MOVEMENT: record.get("movement"),
        a.BEAT: record.get("beat"),
        a.TARGET: record.get("target"),
        a.PIPELINE_NAME: record.get("sequence"),
        a.TASK_NAME: record.get("beat"),
    }
    return {k: str(v) for k, v in attrs.items() if v not in (None, "")}
