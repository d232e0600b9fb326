"""OpenTelemetry export: every run as traces (one per sequence run) and metrics, over OTLP/HTTP.

Turned on by ``--symphony-otel`` or ini ``symphony_otel``; configured by the standard
``OTEL_*`` environment variables; needs the ``otel`` extra (``pip install
'pytest-symphony[otel]'``).  Nothing here imports the OpenTelemetry SDK: ``spans``,
``metrics`` and ``export`` do, and only ``plugin`` loads them, when export is on.
"""

from __future__ import annotations

import pytest


class OtelExportWarning(pytest.PytestWarning):
    """The run's telemetry could not be exported (collector down, refused, too slow): the run goes on."""
