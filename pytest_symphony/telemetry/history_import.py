"""``pytest --symphony-history-import RUN_ID``: load a run's JSON Lines into the history, then exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import recovery
from .settings import TelemetrySettings
from .store import HistoryError, HistoryStore


def import_command(config: pytest.Config, symphony_dir: Path, which: str, settings: TelemetrySettings) -> int:
    """Load run ``which`` (or every unfinished run for ``all``); print what was loaded."""
    say = print  # before configure: no terminal reporter yet
    runs_dir = symphony_dir / "runs"
    history = symphony_dir / "history.sqlite"
    try:
        with HistoryStore(history, busy_timeout=max(settings.busy_timeout_s, 0.05)) as store:
            if which == "all":
                chosen = recovery.pending_runs(runs_dir, store.finished_run_ids(), exclude=set())
            else:
                chosen = [runs_dir / which]
                if not (runs_dir / which / recovery.JSONL_NAME).is_file():
                    say(f"symphony: no run {which!r} under {runs_dir} (no {recovery.JSONL_NAME} there)")
                    return pytest.ExitCode.USAGE_ERROR
            if not chosen:
                say(f"symphony: every run under {runs_dir} is in {history}")
            for run_dir in chosen:
                if recovery.is_live(run_dir):
                    say(f"symphony: run {run_dir.name} is still running; it stores its own records")
                    continue
                result = recovery.import_run(store, run_dir)
                skipped = f", {result.unreadable} unreadable line(s) skipped" if result.unreadable else ""
                say(
                    f"symphony: run {result.run_id}: loaded {result.stored} record(s) into {history} "
                    f"({result.ended}{skipped})"
                )
    except HistoryError as exc:
        say(f"symphony: {exc}")
        return pytest.ExitCode.INTERNAL_ERROR
    return pytest.ExitCode.OK


__all__ = ["import_command"]
