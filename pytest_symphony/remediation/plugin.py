"""The remediation area's pytest hooks: ``--symphony-fix``, ``--symphony-unsafe-fixes``,
``--symphony-diff``, ``--symphony-rollback[=<id>]``, ``--symphony-fix-commit``, and the
end-of-run summary.

Fixing is the built-in conformity pipeline in fix mode (``--symphony-fix`` selects it
as ``--symphony=conformity`` would); its snapshot and fix beats do the work
(:mod:`.pipeline`).  Each fix beat's outcome travels on its report as plain data and is
gathered here on the controller, so the summary is the same under xdist.

``--symphony-diff`` makes pytest's exit status non-zero through a failing item: each
phase's fix beat fails, with its unified diff, when a fix would apply.  The failure is
where the work is (IDE, junit, ``-x``), and it needs no session-level plumbing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Generator

import pytest

from ..session_key import RUN, run_of
from . import RollbackError, rollback
from .gitcommit import GitError, check_ready
from .summary import write_summary


@pytest.hookimpl(tryfirst=True)  # before the core reads --symphony into the session state
def pytest_configure(config: pytest.Config) -> None:
    fix, diff = config.getoption("symphony_fix"), config.getoption("symphony_diff")
    rollback = config.getoption("symphony_rollback")
    if fix and diff:
        raise pytest.UsageError("--symphony-fix writes, --symphony-diff only shows: choose one")
    if config.getoption("symphony_unsafe_fixes") and not (fix or diff):
        raise pytest.UsageError("--symphony-unsafe-fixes goes with --symphony-fix or --symphony-diff")
    if config.getoption("symphony_fix_commit") and not fix:
        raise pytest.UsageError("--symphony-fix-commit goes with --symphony-fix")
    if rollback is not None and (fix or diff):
        raise pytest.UsageError("--symphony-rollback restores files: run it on its own")
    if rollback is not None and getattr(config.option, "dist", "no") != "no":
        config.option.dist, config.option.numprocesses = "no", None  # restoring runs here, not on workers
    if fix or diff:
        names = [n.strip() for n in (config.option.symphony or "").split(",") if n.strip()]
        if "conformity" not in names and "all" not in names:
            config.option.symphony = ",".join(names + ["conformity"])
    if config.getoption("symphony_fix_commit") and not hasattr(config, "workerinput"):
        try:
            check_ready(config.rootpath)
        except GitError as exc:
            raise pytest.UsageError(str(exc)) from None
    if fix or diff or rollback is not None:  # its per-test hooks cost every other run nothing
        config.pluginmanager.register(_FixReport(config), "symphony-remediation-report")


class _FixReport:
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
