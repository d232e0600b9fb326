"""The telemetry area's pytest wiring: how runs are kept, and loading a run into the history.

- ini ``symphony_keep_runs`` (default 30; 0 keeps all): run folders kept under
  ``<symphony_dir>/runs``; the history keeps every run's rows.
- ini ``symphony_history_timeout`` (seconds, default 10): the longest wait for another
  process's lock on ``history.sqlite`` before records wait in the JSONL instead.
- ``pytest --symphony-history-import RUN_ID`` (or ``all``): load the records of a run
  that never reached the history (a locked or broken history, a killed session), then
  exit, as ``--cache-show`` does.  The next ordinary run does the same by itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import settings
from .settings import DEFAULT_KEEP_RUNS


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("symphony")
    group.addoption(
        "--symphony-history-import", dest="symphony_history_import", metavar="RUN_ID", default=None,
        help="load the records of run RUN_ID (or all runs) that are in their telemetry.jsonl but not in "
             "history.sqlite, then exit",
    )
    parser.addini("symphony_keep_runs", "run folders to keep under <symphony_dir>/runs, oldest removed first "
                  "(0 keeps all; the history keeps every run)", default=str(DEFAULT_KEEP_RUNS))
    parser.addini("symphony_history_timeout", "seconds to wait for another process's lock on history.sqlite "
                  "before the records wait in the run's telemetry.jsonl", default="10")


def symphony_dir(config: pytest.Config) -> Path:
    return (config.rootpath / (config.getini("symphony_dir") or ".symphony")).resolve()


def read_settings(config: pytest.Config) -> settings.TelemetrySettings:
    """The ini options as :class:`~.settings.TelemetrySettings`; a bad value is a usage error."""
    try:
        keep = int(config.getini("symphony_keep_runs"))
        timeout = float(config.getini("symphony_history_timeout"))
    except ValueError as exc:
        raise pytest.UsageError(f"ini symphony_keep_runs / symphony_history_timeout: {exc}; write a number") from None
    if keep < 0 or timeout < 0:
        raise pytest.UsageError("ini symphony_keep_runs and symphony_history_timeout cannot be negative")
    return settings.TelemetrySettings(keep_runs=keep, busy_timeout_s=timeout)


def pytest_configure(config: pytest.Config) -> None:
    settings.register(symphony_dir(config), read_settings(config))


def pytest_unconfigure(config: pytest.Config) -> None:
    settings.unregister(symphony_dir(config))


def pytest_cmdline_main(config: pytest.Config) -> int | None:
    run_id = config.getoption("symphony_history_import", None)
    if not run_id:
        return None
    from .history_import import import_command

    return import_command(config, symphony_dir(config), run_id, read_settings(config))
