"""Metrics recorded with ``symphony.metric(name, value)`` as OpenTelemetry gauges.

One gauge per metric name, ``symphony.metrics.<name>``, its value per beat: the
attributes name the sequence, movement, beat (and target), never the run or the
correlation id, so a metric store keeps one series per beat across runs rather than
one per run (the CI/CD conventions make run ids on metrics opt-in for that reason).
A retried beat keeps its last attempt's value.  Read once through a pull reader at
the end of the session, so the data points carry that time, not the beat's.
"""

from __future__ import annotations

from typing import Iterable

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData
from opentelemetry.sdk.resources import Resource

from . import attributes as a


def metrics_data(records: Iterable[dict], resource: Resource, version: str) -> tuple[MetricsData | None, int]:
    """The records' metrics as one collection (None when no record has any), and how many gauges."""
    reader = InMemoryMetricReader()
    provider = MeterProvider(resource=resource, metric_readers=[reader], shutdown_on_exit=False)
    try:
        meter = provider.get_meter("pytest_symphony", version)
        gauges: dict[str, object] = {}
        for record in records:
            values = record.get("metrics") if isinstance(record, dict) else None
            if not values or record.get("kind", "beat") != "beat":
                continue
            attrs = _series(record)
            for name, number in values.items():
                if isinstance(number, bool) or not isinstance(number, (int, float)):
                    continue
                instrument = a.metric_name(name)
                gauge = gauges.get(instrument)
                if gauge is None:
                    gauge = gauges[instrument] = meter.create_gauge(
                        instrument, description=f"symphony.metric({name!r}) of each beat")
                gauge.set(number, attrs)
        return (reader.get_metrics_data() if gauges else None), len(gauges)
    finally:
        provider.shutdown()


def _series(record: dict) -> dict:
    attrs = {
        a.SEQUENCE: record.get("sequence"), a.MOVEMENT: record.get("movement"), a.BEAT: record.get("beat"),
        a.TARGET: record.get("target"), a.PIPELINE_NAME: record.get("sequence"),
        a.TASK_NAME: record.get("beat"),
    }
    return {k: str(v) for k, v in attrs.items() if v not in (None, "")}
