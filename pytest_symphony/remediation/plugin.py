"""The remediation area's pytest hooks: ``--symphony-fix``, ``--symphony-unsafe-fixes``,
``--symphony-diff``, ``--symphony-rollback[=<id>]``, ``--symphony-fix-commit``, and the
end-of-run summary.

Fixing is the built-in conformity pipeline in fix mode (``--symphony-fix`` selects it
as ``--symphony=conformity`` would); its snapshot and fix beats do the work
(:mod:`.pipeline`).  Each fix beat's outcome travels on its report as plain data and is
gathered on the controller (:mod:`.fix_report`, registered only in a fix, diff or rollback
run), so the summary is the same under xdist.

``--symphony-diff`` makes pytest's exit status non-zero through a failing item: each
phase's fix beat fails, with its unified diff, when a fix would apply.  The failure is
where the work is (IDE, junit, ``-x``), and it needs no session-level plumbing.
"""

from __future__ import annotations

import pytest


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
        from .gitcommit import GitError, check_ready

        try:
            check_ready(config.rootpath)
        except GitError as exc:
            raise pytest.UsageError(str(exc)) from None
    if fix or diff or rollback is not None:  # its hooks (and what they import) cost every other run nothing
        from .fix_report import FixReport

        config.pluginmanager.register(FixReport(config), "symphony-remediation-report")
