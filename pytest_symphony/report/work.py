"""The report's working state, handed from stage to stage: what the history holds in, one
JSON-able report dict out.

Every stage reads ``work.raw`` (what collection gathered) and ``work.report`` (sections
built so far) and adds its own; each one is recorded in
``work.report["lineage"]["transformations"]`` with its time, inputs and outputs.  The
stages import this module; :mod:`.model` lists them.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import SymphonyError
from ..stamps import utc_now

#: Version of the report document (``report.schema.json``); bump the minor for added
#: fields, the major for anything a reader could trip over.
SCHEMA_VERSION = "1.3"
SCHEMA_ID = "https://pytest-symphony.dev/schemas/report-1.json"

#: Report files, by format.
FILE_NAMES = {"md": "symphony-report.md", "json": "symphony-report.json", "html": "symphony-dashboard.html"}
FORMATS = tuple(FILE_NAMES)


#: A report section or summary: the report is JSON, its schema (``report.schema.json``) the contract.
Section = dict[str, Any]


class ReportError(SymphonyError):
    """The report cannot be built: names the file and what to do."""


@dataclass
class ReportContext:
    """Where the history is and what the report may know about the project."""

    history_path: Path
    rootdir: Path
    spec_roots: tuple[Path, ...] = ()
    registry: Any = None  # runtime.registry.HandlerRegistry, for handler coverage
    subject_run: str | None = None  # the run the summary is about; default: the newest
    builtin_specs: dict[str, Path] = field(default_factory=dict)  # "symphony:<alias>" -> spec path
    max_runs: int | None = None  # only the newest N runs (None: all)


@dataclass
class ReportWork:
    """The report being built, passed from stage to stage (and beat to beat)."""

    context: ReportContext
    raw: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    rendered: dict[str, str] = field(default_factory=dict)  # format -> text

    def __post_init__(self) -> None:
        if not self.report:
            self.report = {
                "schema": SCHEMA_ID,
                "schema_version": SCHEMA_VERSION,
                "generated_at": utc_now(),
                "generator": {"name": "pytest-symphony", "version": _version()},
                "lineage": {"transformations": []},
            }

    def run_stage(self, name: str, func: Stage) -> Section:
        """Run one stage and record it in the lineage; returns its outputs summary."""
        started = utc_now()
        start = time.perf_counter()
        collecting = gc.isenabled()
        gc.disable()  # a large history allocates many small objects: no cyclic GC passes meanwhile
        try:
            outputs = func(self) or {}
        finally:
            if collecting:
                gc.enable()
        self.report["lineage"]["transformations"].append(
            {
                "stage": name,
                "started_at": started,
                "duration_ms": round((time.perf_counter() - start) * 1000, 3),
                "outputs": outputs,
            }
        )
        return outputs


#: One stage of the report: reads and extends ``work``, returns a summary of its outputs (or None).
Stage = Callable[[ReportWork], "Section | None"]


def _version() -> str:
    from .. import __version__

    return __version__
