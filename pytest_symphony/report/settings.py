"""What a pytest session says about reports: formats, folder, and the history to read.

Shared by the area plug-in (``--symphony-report`` at the end of a run) and the report
pipeline's handlers (``--symphony=report``), so both read the same history the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ..session_key import state
from ..telemetry.writer import HISTORY_NAME
from .delivery import parse_formats
from .model import ReportContext, ReportError

REPORT_DIR_NAME = "reports"


@dataclass
class ReportSettings:
    formats: tuple[str, ...]
    report_dir: Path
    problem: str | None = None  # why the end-of-run reports were not written


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("symphony")
    group.addoption(
        "--symphony-report", dest="symphony_report", metavar="FORMATS", default=None,
        help="at the end of the run, write reports from the run history: comma-separated md, json, html "
             "(or all); ini symphony_report sets a default",
    )
    group.addoption(
        "--symphony-report-dir", dest="symphony_report_dir", metavar="DIR", default=None,
        help="folder for the reports (default: <symphony_dir>/reports); each run also keeps a copy "
             "in <symphony_dir>/runs/<run id>/reports",
    )
    parser.addini("symphony_report", "report formats written at the end of every run (md, json, html)", default="")
    parser.addini("symphony_report_dir", "folder for the reports, relative to the rootdir", default="")


def settings_for(config: pytest.Config) -> ReportSettings:
    option = config.getoption("symphony_report", None)
    source = "--symphony-report" if option is not None else "ini symphony_report"
    try:
        formats = parse_formats(option if option is not None else config.getini("symphony_report"), source=source)
    except ReportError as exc:
        raise pytest.UsageError(str(exc)) from None
    return ReportSettings(formats, report_dir(config))


def report_dir(config: pytest.Config) -> Path:
    option = config.getoption("symphony_report_dir", None)
    if option:
        return (Path(config.invocation_params.dir) / option).resolve()
    ini = config.getini("symphony_report_dir")
    if ini:
        return (config.rootpath / ini).resolve()
    return state(config).symphony_dir / REPORT_DIR_NAME


def history_path(config: pytest.Config) -> Path:
    return state(config).symphony_dir / HISTORY_NAME


def context_for(config: pytest.Config, *, subject_run: str | None = None) -> ReportContext:
    """The report's view of this session: history, rootdir, spec folders, handlers, built-ins."""
    sym = state(config)
    builtins: dict[str, Path] = {}
    for batch in config.hook.pytest_symphony_pipelines(config=config):
        for pipeline in batch or ():
            builtins.setdefault(f"symphony:{pipeline.alias}", Path(pipeline.spec))
    return ReportContext(
        history_path=history_path(config), rootdir=Path(config.rootpath), spec_roots=tuple(sym.spec_roots),
        registry=sym.registry, subject_run=subject_run, builtin_specs=builtins,
    )
