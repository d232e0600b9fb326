"""What ``--symphony-fix``, ``--symphony-diff`` and ``--symphony-rollback`` add to a run: the
rollback instead of a run, each fix beat's outcome gathered on the controller (it travels on
the beat's report, so the summary is the same under xdist), the summary, the history rows.

Registered by the remediation plug-in only in those runs.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Generator

import pytest

from ..session_key import RUN, run_of
from . import RollbackError, rollback
from .summary import write_summary


class FixReport:
    """Rollback instead of a run; the fix beats' outcomes gathered on the controller."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: list[dict[str, Any]] = []
        self.rolled: list[tuple[str, list[str]]] | None = None
        self.rollback_error: str | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> bool | None:
        which = self.config.getoption("symphony_rollback")
        if which is None:
            return None
        if not hasattr(self.config, "workerinput"):
            sym = run_of(self.config)
            try:
                done = rollback(
                    self.config.rootpath, sym.symphony_dir / "snapshots", None if which == "last" else which
                )
                self.rolled = [(snap.id, files) for snap, files in done]
            except RollbackError as exc:
                self.rollback_error = str(exc)
        return True

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        data = getattr(item, "symphony_fix", None)
        if data is not None and call.when == "call":
            # a report attribute of our own: xdist carries every attribute of a report to the controller
            report.symphony_fix = data  # type: ignore[attr-defined]
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "symphony_fix", None)
        if data and not hasattr(self.config, "workerinput"):
            self.outcomes.append(data)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.config.getoption("symphony_rollback") is not None:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED if self.rollback_error else pytest.ExitCode.OK
            return
        if self.outcomes and not hasattr(self.config, "workerinput"):
            _record_fixes(self.config, self.outcomes)

    def pytest_terminal_summary(
        self, terminalreporter: pytest.TerminalReporter, exitstatus: int | pytest.ExitCode, config: pytest.Config
    ) -> None:
        if config.getoption("symphony_rollback") is not None:
            _rollback_summary(terminalreporter, self.rolled, self.rollback_error)
        elif self.outcomes:
            write_summary(
                terminalreporter,
                sorted(self.outcomes, key=lambda o: o["number"]),
                verbose=config.getoption("verbose") > 0,
            )


def _rollback_summary(
    tr: pytest.TerminalReporter, rolled: list[tuple[str, list[str]]] | None, error: str | None
) -> None:
    tr.write_sep("-", "symphony rollback")
    if error:
        tr.write_line(f"nothing restored: {error}", red=True)
        return
    for sid, files in rolled or ():
        tr.write_line(f"snapshot {sid}: {len(files)} file(s) restored" + (": " + ", ".join(files) if files else ""))


def _record_fixes(config: pytest.Config, outcomes: list[dict[str, Any]]) -> None:
    """One row per fixed (or rolled back) code and file in the run history."""
    # sqlite3: only when fixes are recorded
    from ..telemetry.store import HistoryError, HistoryStore

    sym = config.stash.get(RUN, None)
    if sym is None or not hasattr(HistoryStore, "add_fixes"):
        return
    rows = []
    for o in outcomes:
        if o.get("mode") != "fix":
            continue
        status = "kept" if o["kept"] else "rolled back"
        counted: Counter[tuple[str, str]] = Counter()
        for fix in o["fixes"]:
            for path in fix["files"]:
                counted[(fix["code"], path)] += 1
        rows += [
            {"code": code, "path": path, "snapshot_id": o["snapshot"], "status": status}
            for (code, path) in sorted(counted)
        ]
    if not rows:
        return
    path = sym.symphony_dir / "history.sqlite"
    try:
        with HistoryStore(path).open() as store:
            store.add_fixes(sym.run_id, rows)
    except (HistoryError, OSError) as exc:
        tr = config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write_line(f"symphony: fixes not recorded in {path}: {exc}")
