"""What a pytest session says about reports: formats, folder, and the history to read.

Shared by the area plug-in (``--symphony-report`` at the end of a run) and the report
pipeline's handlers (``--symphony=report``), so both read the same history the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ..options import value
from ..session_key import handlers_of, run_of
from ..telemetry.writer import HISTORY_NAME
from .delivery import parse_formats
from .work import ReportContext, ReportError

REPORT_DIR_NAME = "reports"


@dataclass
class ReportSettings:
    formats: tuple[str, ...]
    report_dir: Path
    problem: str | None = None  # why the end-of-run reports were not written


def settings_for(config: pytest.Config) -> ReportSettings:
    option = config.getoption("symphony_report", None)
    source = "--symphony-report" if option is not None else "ini symphony_report"
    try:
        formats = parse_formats(value(config, "symphony_report"), source=source)
    except ReportError as exc:
        raise pytest.UsageError(str(exc)) from None
    report_runs(config)  # a bad value stops the run at its start, not after the tests
    return ReportSettings(formats, report_dir(config))


def report_dir(config: pytest.Config) -> Path:
    option: str | None = config.getoption("symphony_report_dir", None)
    if option:
        return (Path(config.invocation_params.dir) / option).resolve()
    ini: str | None = value(config, "symphony_report_dir")
    if ini:
        return (config.rootpath / ini).resolve()
    return run_of(config).symphony_dir / REPORT_DIR_NAME


def history_path(config: pytest.Config) -> Path:
    return run_of(config).symphony_dir / HISTORY_NAME


def report_runs(config: pytest.Config) -> int:
    """How many of the newest runs a report analyses (0: all)."""
    text = str(value(config, "symphony_report_runs")).strip()
    try:
        runs = int(text)
    except ValueError:
        runs = -1
    if runs < 0:
        raise pytest.UsageError(
            f"symphony_report_runs: {text!r} is not a number of runs; write a whole number (0 analyses every run)"
        )
    return runs


def context_for(config: pytest.Config, *, subject_run: str | None = None) -> ReportContext:
    """The report's view of this session: history, rootdir, spec folders, handlers, built-ins."""
    sym = run_of(config)
    builtins: dict[str, Path] = {}
    for batch in config.hook.pytest_symphony_pipelines(config=config):
        for pipeline in batch or ():
            builtins.setdefault(f"symphony:{pipeline.alias}", Path(pipeline.spec))
    return ReportContext(
        history_path=history_path(config),
        rootdir=Path(config.rootpath),
        spec_roots=tuple(sym.spec_roots),
        registry=handlers_of(config).registry,
        subject_run=subject_run,
        builtin_specs=builtins,
        max_runs=report_runs(config),
    )
