"""The report's working state and its stages: history in, one JSON-able report dict out.

A report is built by stages that mirror the report pipeline's beats (collection,
executive summary, deep dive, recommendations, audit trail); ``--symphony=report``
runs one stage per beat, ``--symphony-report`` runs them all at the end of a run.
The same functions do the work either way, so both paths give the same report.

Every stage reads ``work.raw`` (what collection gathered) and ``work.report``
(sections built so far) and adds its own; each one is recorded in
``work.report["lineage"]["transformations"]`` with its time, inputs and outputs.
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
SCHEMA_VERSION = "1.2"
SCHEMA_ID = "https://pytest-symphony.dev/schemas/report-1.json"

#: Report files, by format.
FILE_NAMES = {"md": "symphony-report.md", "json": "symphony-report.json", "html": "symphony-dashboard.html"}
FORMATS = tuple(FILE_NAMES)


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

    def run_stage(self, name: str, func: Callable[["ReportWork"], dict | None]) -> dict:
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


def _version() -> str:
    from .. import __version__

    return __version__


def stages() -> list[tuple[str, Callable[[ReportWork], dict | None]]]:
    """Every analysis stage, in pipeline order (delivery is separate: it writes files)."""
    from . import analysis, audit, collect, four_keys, pipelines, recommend, summary

    return [
        ("collection.execution_metrics", collect.query_execution_metrics),
        ("collection.conformity_audit", collect.query_conformity_audit),
        ("collection.sequence_traceability", collect.query_sequence_traceability),
        ("collection.handler_coverage", collect.aggregate_handler_coverage),
        ("collection.normalize", collect.normalize_metrics),
        ("collection.builtin_pipelines", pipelines.summarize_builtin_pipelines),
        ("summary.metrics", summary.calculate_summary_metrics),
        ("summary.health", summary.compute_health_indicators),
        ("summary.status_dashboard", summary.generate_status_dashboard),
        ("summary.four_keys", four_keys.summarize_four_keys),
        ("analysis.movements", analysis.analyze_movements),
        ("analysis.beats", analysis.analyze_beats),
        ("analysis.conformity", analysis.analyze_conformity),
        ("analysis.handlers", analysis.analyze_handlers),
        ("analysis.metrics", analysis.analyze_metrics),
        ("recommendations.bottlenecks", recommend.identify_bottlenecks),
        ("recommendations.conformity_gaps", recommend.identify_conformity_gaps),
        ("recommendations.suggestions", recommend.generate_suggestions),
        ("recommendations.rank", recommend.rank_by_impact),
        ("audit.lineage", audit.trace_execution_lineage),
        ("audit.changes", audit.document_changes),
        ("audit.governance", audit.verify_governance),
        ("audit.report", audit.generate_audit_report),
    ]


def build_report(context: ReportContext) -> ReportWork:
    """Run every analysis stage over the history; the formats render ``work.report``."""
    work = ReportWork(context)
    for name, func in stages():
        work.run_stage(name, func)
    return work
