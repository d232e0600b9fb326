"""Metrics recorded with ``symphony.metric(name, value)`` as OpenTelemetry gauges.

One gauge per metric name, ``symphony.metrics.<name>``, its value per beat: the
attributes name the sequence, movement, beat (and target), never the run or the
correlation id, so a metric store keeps one series per beat across runs rather than
one per run (the CI/CD conventions make run ids on metrics opt-in for that reason).
A retried beat keeps its last attempt's value.  Read once through a pull reader at
the end of the session, so the data points carry that time, not the beat's.
"""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData
from opentelemetry.sdk.resources import Resource

from . import attributes as a
from .model import is_scenario


class MetricRecorder:
    """Gauges set as the records arrive, read once by ``collect``."""

    def __init__(self, resource: Resource, version: str) -> None:
        self.reader = InMemoryMetricReader()
        self.provider = MeterProvider(resource=resource, metric_readers=[self.reader], shutdown_on_exit=False)
        self.meter = self.provider.get_meter("pytest_symphony", version)
        self.gauges: dict[str, object] = {}

    def add(self, record: dict) -> None:
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
                    instrument, description=f"symphony.metric({name!r}) of each beat")
            gauge.set(number, attrs if attrs is not None else (attrs := _series(record)))

    def collect(self) -> MetricsData | None:
        """Everything recorded (None when no record had a metric); the provider closes."""
        try:
            return self.reader.get_metrics_data() if self.gauges else None
        finally:
            self.provider.shutdown()


def _series(record: dict) -> dict:
    attrs = {
        a.SEQUENCE: record.get("sequence"), a.MOVEMENT: record.get("movement"), a.BEAT: record.get("beat"),
        a.TARGET: record.get("target"), a.PIPELINE_NAME: record.get("sequence"), a.TASK_NAME: record.get("beat"),
    }
    return {k: str(v) for k, v in attrs.items() if v not in (None, "")}
