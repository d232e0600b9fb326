"""The export as a session plug-in: each report's records to the exporter process (``sidecar``)
as they arrive, and at session end the wait (within a bound) for what the export did.

Registered by the OpenTelemetry area's plug-in only when export is on.
"""

from __future__ import annotations

import os
import time
import warnings

import pytest

from .. import __version__
from . import OtelExportWarning
from .outcome import ExportOutcome
from .sidecar import Sidecar


class OtelExport:
    """The run's records to the exporter process as they arrive; its outcome at the end."""

    def __init__(self) -> None:
        self.sidecar = Sidecar(__version__)
        self.outcome: ExportOutcome | None = None
        self.waited = 0.0  # seconds the session's end waited for the export
        self.unwarned: list[str] = []  # warnings that -W error turned into exceptions: shown in the summary

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        records = getattr(report, "symphony", None)
        if records:
            self.sidecar.send(records)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        started = time.perf_counter()
        self.outcome = self.sidecar.finish(wait=finish_bound())
        self.waited = time.perf_counter() - started
        if self.outcome is None:
            return
        for variable, note in self.outcome.notes:
            self._warn(f"symphony otel: {note}", variable)
        if self.outcome.problem:
            self._warn(_problem_line(self.outcome), "OTEL_EXPORTER_OTLP_ENDPOINT", in_summary=True)

    def pytest_unconfigure(self) -> None:
        self.sidecar.stop()

    def _warn(self, message: str, variable: str, in_summary: bool = False) -> None:
        """A pytest warning located at the environment variable to look at; one that ``-W error``
        would raise goes to the summary instead of failing the run."""
        try:
            warnings.warn_explicit(OtelExportWarning(message), OtelExportWarning, variable, 0)
        except Warning:
            if not in_summary:
                self.unwarned.append(message)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        outcome = self.outcome
        if outcome is None:
            return
        for message in self.unwarned:
            terminalreporter.write_line(message, yellow=True)
        if outcome.off:
            terminalreporter.write_line(f"symphony otel: nothing exported: {outcome.off}")
            return
        if outcome.problem:
            terminalreporter.write_line(_problem_line(outcome), yellow=True)
            return
        joined = f", in trace {outcome.joined} (TRACEPARENT)" if outcome.joined else ""
        metrics = f" and {outcome.metrics} metric(s)" if outcome.metrics else ""
        terminalreporter.write_line(
            f"symphony otel: {len(outcome.traces)} trace(s), {outcome.exported} spans{metrics} exported to "
            f"{outcome.endpoint or 'the configured exporter'}{joined} ({outcome.cpu_seconds:.2f}s CPU beside the run; "
            f"its end waited {self.waited:.2f}s)"
        )
        if terminalreporter.config.get_verbosity() > 0:
            for trace_id, sequence in outcome.traces:
                terminalreporter.write_line(f"symphony otel:   trace {trace_id}  {sequence}")


def finish_bound() -> float:
    """How long the session's end waits for the export: three OTLP timeouts, and at least a minute."""
    try:
        timeout = float(os.environ.get("OTEL_EXPORTER_OTLP_TIMEOUT") or 10)
    except ValueError:
        timeout = 10.0
    return max(60.0, 3 * timeout)


def _problem_line(outcome: ExportOutcome) -> str:
    lost = f"{outcome.exported} of {outcome.spans} spans exported" if outcome.exported else "nothing exported"
    return f"symphony otel: {lost}: {outcome.problem}"
