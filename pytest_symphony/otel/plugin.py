"""The OpenTelemetry area's pytest plug-in: ``--symphony-otel`` / ini ``symphony_otel``.

On the controller only (the single process, or the xdist controller, which receives
every worker's telemetry records on the reports), it keeps the records of the run and
exports them at session end: one trace per sequence run whatever worker ran it.  The
SDK is imported only then; without it, asking for export is a usage error that says
what to install.  Export problems are a warning and a summary line, never a failure.
"""

from __future__ import annotations

import importlib.util
import time
import warnings

import pytest

from ..options import value
from . import OtelExportWarning

NEEDED = ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http")


def pytest_configure(config: pytest.Config) -> None:
    if not value(config, "symphony_otel") or hasattr(config, "workerinput"):
        return
    missing = [name for name in NEEDED if not _importable(name)]
    if missing:
        raise pytest.UsageError(
            "--symphony-otel (ini symphony_otel) exports with the OpenTelemetry SDK and its OTLP/HTTP exporter, "
            f"which are not installed ({', '.join(missing)} missing): pip install 'pytest-symphony[otel]'")
    config.pluginmanager.register(OtelExport(), "symphony-otel")


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class OtelExport:
    """The run's records, kept as they arrive, exported once the session is over."""

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.outcome = None
        self.seconds = 0.0
        self.unwarned: list[str] = []  # warnings that -W error turned into exceptions: shown in the summary

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        records = getattr(report, "symphony", None)
        if records:
            self.records.extend(records)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.records:
            return
        from .. import __version__
        from .export import export_records

        started = time.perf_counter()
        try:
            self.outcome = export_records(self.records, __version__)
        except Exception as exc:  # a bad record or an SDK surprise: the run's result stands
            from .export import ExportOutcome

            self.outcome = ExportOutcome(problem=f"export failed: {type(exc).__name__}: {exc}")
        self.seconds = time.perf_counter() - started
        self.records = []
        for variable, note in self.outcome.notes:
            self._warn(f"symphony otel: {note}", variable)
        if self.outcome.problem:
            self._warn(f"symphony otel: {_lost(self.outcome)}: {self.outcome.problem}", "OTEL_EXPORTER_OTLP_ENDPOINT")

    def _warn(self, message: str, variable: str) -> None:
        """A pytest warning located at the environment variable to look at; one that ``-W error``
        would raise is shown in the summary instead of failing the run."""
        try:
            warnings.warn_explicit(OtelExportWarning(message), OtelExportWarning, variable, 0)
        except Warning:
            self.unwarned.append(message)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        outcome = self.outcome
        if outcome is None:
            return
        for message in self.unwarned:
            terminalreporter.write_line(message, yellow=True)
        if outcome.off:
            terminalreporter.write_line(f"symphony otel: nothing exported: {outcome.off}")
            return
        if outcome.problem:
            if not self.unwarned:
                terminalreporter.write_line(f"symphony otel: {_lost(outcome)} (see the warning)", yellow=True)
            return
        joined = f", in trace {outcome.joined} (TRACEPARENT)" if outcome.joined else ""
        metrics = f" and {outcome.metrics} metric(s)" if outcome.metrics else ""
        terminalreporter.write_line(
            f"symphony otel: {len(outcome.traces)} trace(s), {outcome.exported} spans{metrics} exported to "
            f"{outcome.endpoint or 'the configured exporter'}{joined} in {self.seconds:.2f}s")
        if terminalreporter.config.get_verbosity() > 0:
            for trace_id, sequence in outcome.traces:
                terminalreporter.write_line(f"symphony otel:   trace {trace_id}  {sequence}")


def _lost(outcome) -> str:
    if outcome.exported:
        return f"{outcome.exported} of {outcome.spans} spans exported"
    return "nothing exported"
