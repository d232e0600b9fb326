"""The report area's pytest plug-in: ``--symphony-report``, ``--symphony-report-dir``, pytest-html.

At the end of a run (after the telemetry writer has closed, so the history holds this
run) it builds the report from the history and writes the formats asked for; every
file written is listed at the end of the terminal summary.  Reports written by the
report pipeline's beats, possibly on an xdist worker, reach that list through
``symphony.wrote(path)`` events, which travel with the beats' telemetry.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..errors import SymphonyError
from ..session_key import recorder_of, run_of
from ..telemetry.store import HistoryStore
from .delivery import deliver
from .html_extras import HtmlExtras, html_active
from .model import ReportError, build_report
from .settings import ReportSettings, context_for, settings_for

REPORT_KEY = pytest.StashKey[ReportSettings]()


@pytest.hookimpl(trylast=True)  # after the core plug-in set the session state up
def pytest_configure(config: pytest.Config) -> None:
    settings = settings_for(config)
    config.stash[REPORT_KEY] = settings
    config.pluginmanager.register(ReportHooks(config, settings), "symphony-report-hooks")
    if html_active(config):
        config.pluginmanager.register(HtmlExtras(config), "symphony-report-html")


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
    try:
        shown = str(path.resolve().relative_to(config.rootpath))
    except ValueError:
        shown = str(path)
    written = recorder_of(config).written
    if shown not in written:
        written.append(shown)
