"""The report written at the end of a run (``--symphony-report``): built from the history once
the telemetry writer has closed, so the history holds this run; each file written is listed
at the end of the terminal summary.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..errors import SymphonyError
from ..paths import shown_path
from ..session_key import recorder_of, run_of
from ..telemetry.store import HistoryStore
from .delivery import deliver
from .model import ReportError, build_report
from .settings import ReportSettings, context_for


class ReportHooks:
    def __init__(self, config: pytest.Config, settings: ReportSettings) -> None:
        self.config = config
        self.settings = settings

    @pytest.hookimpl(trylast=True)  # the core's sessionfinish has flushed this run into the history
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        sym = run_of(self.config)
        if not self.settings.formats or sym.is_worker:
            return
        try:
            in_history = _has_run(sym.symphony_dir / "history.sqlite", sym.run_id)
            work = build_report(context_for(self.config, subject_run=sym.run_id if in_history else None))
            paths = deliver(
                work,
                self.settings.formats,
                self.settings.report_dir,
                archive_dir=sym.run_dir / "reports" if in_history else None,
                run_id=sym.run_id,
            )
        except (ReportError, SymphonyError, OSError) as exc:
            self.settings.problem = str(exc)
            return
        for path in paths:
            _add_written(self.config, path)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.settings.problem:
            terminalreporter.write_line(f"symphony: no report written: {self.settings.problem}", yellow=True)


def _has_run(path: Path, run_id: str) -> bool:
    if not path.is_file():
        return False
    with HistoryStore(path) as store:
        return store.run(run_id) is not None


def _add_written(config: pytest.Config, path: Path) -> None:
    shown = shown_path(path, config.rootpath)
    written = recorder_of(config).written
    if shown not in written:
        written.append(shown)
