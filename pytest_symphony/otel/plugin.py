"""The OpenTelemetry area's pytest plug-in: ``--symphony-otel`` / ini ``symphony_otel``.

On the controller only (the single process, or the xdist controller, which receives
every worker's telemetry records on the reports), it registers :mod:`.session_export`,
which hands each report's records to the
exporter process (``sidecar``) as they arrive, so one trace per sequence run whatever
worker ran it, and at session end waits (within a bound) for what the export did.  This
process never imports the SDK; without it installed, asking for export is a usage error
that says what to install.  Export problems are a warning and a summary line, never a
failure.
"""

from __future__ import annotations

import importlib.util

import pytest

from ..options import value

NEEDED = ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http")


def pytest_configure(config: pytest.Config) -> None:
    if not value(config, "symphony_otel") or hasattr(config, "workerinput"):
        return
    missing = [name for name in NEEDED if not _importable(name)]
    if missing:
        raise pytest.UsageError(
            "--symphony-otel (ini symphony_otel) exports with the OpenTelemetry SDK and its OTLP/HTTP exporter, "
            f"which are not installed ({', '.join(missing)} missing): pip install 'pytest-symphony[otel]'"
        )
    from .session_export import OtelExport  # the exporter's client: only when export is on

    config.pluginmanager.register(OtelExport(), "symphony-otel")


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False
