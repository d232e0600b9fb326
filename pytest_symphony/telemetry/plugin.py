"""The telemetry area's pytest wiring: how runs are kept, and loading a run into the history.

Its settings are declared in ``options``:

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

from ..options import value
from . import settings


def symphony_dir(config: pytest.Config) -> Path:
    return (config.rootpath / (value(config, "symphony_dir") or ".symphony")).resolve()


def read_settings(config: pytest.Config) -> settings.TelemetrySettings:
    """The ini options as :class:`~.settings.TelemetrySettings`; a bad value is a usage error."""
    try:
        keep = int(value(config, "symphony_keep_runs"))
        timeout = float(value(config, "symphony_history_timeout"))
    except ValueError as exc:
        raise pytest.UsageError(f"ini symphony_keep_runs / symphony_history_timeout: {exc}; write a number") from None
    if keep < 0 or timeout < 0:
        raise pytest.UsageError("ini symphony_keep_runs and symphony_history_timeout cannot be negative")
    return settings.TelemetrySettings(keep_runs=keep, busy_timeout_s=timeout)


def pytest_configure(config: pytest.Config) -> None:
    settings.register(symphony_dir(config), read_settings(config))


def pytest_unconfigure(config: pytest.Config) -> None:
    settings.unregister(symphony_dir(config))


def import_history(config: pytest.Config, run_id: str) -> int:
    """``--symphony-history-import``: called by the entry point's ``pytest_cmdline_main``."""
    from .history_import import import_command  # the history's SQLite store: loaded for this command only

    return import_command(config, symphony_dir(config), run_id, read_settings(config))


def merge_histories(config: pytest.Config, files: list[str]) -> int:
    """``--symphony-history-merge FILE ...``: called by the entry point's ``pytest_cmdline_main``."""
    from .shard_merge import MergeError, merge, shard_runs  # the same

    base = Path(config.invocation_params.dir)
    try:
        shards = shard_runs([base / name for name in files])
        run_id = merge(symphony_dir(config) / "history.sqlite", shards, symphony_dir(config) / "runs")
    except MergeError as exc:
        print(f"symphony: --symphony-history-merge: {exc}")
        return pytest.ExitCode.USAGE_ERROR
    print(f"symphony: merged {len(shards)} shard(s) into run {run_id} of {symphony_dir(config) / 'history.sqlite'}")
    return pytest.ExitCode.OK
