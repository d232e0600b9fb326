"""The report's stages: history in, one JSON-able report dict out.

A report is built by stages that mirror the report pipeline's beats (collection,
executive summary, deep dive, recommendations, audit trail); ``--symphony=report``
runs one stage per beat, ``--symphony-report`` runs them all at the end of a run.
The same functions do the work either way, so both paths give the same report.
"""

from __future__ import annotations

from typing import Any, Callable

from . import analysis, audit, collect, four_keys, pipelines, recommend, summary
from .work import FILE_NAMES, FORMATS, SCHEMA_ID, SCHEMA_VERSION, ReportContext, ReportError, ReportWork

__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "SCHEMA_ID",
    "SCHEMA_VERSION",
    "ReportContext",
    "ReportError",
    "ReportWork",
    "build_report",
    "stages",
]


def stages() -> list[tuple[str, Callable[[ReportWork], dict[str, Any] | None]]]:
    """Every analysis stage, in pipeline order (delivery is separate: it writes files)."""
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
