"""Handlers of the built-in report pipeline (``pytest --symphony=report``).

Each beat runs one stage of :mod:`pytest_symphony.report` on the report being built,
which travels from beat to beat in ``symphony.state["report"]``; numeric outputs
become the beat's metrics, so the history shows what each stage found.  The delivery
beats write the files and say so with ``report:written`` events, which put the paths
at the end of the terminal summary (under xdist too: events travel with telemetry).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_symphony.pipelines.failures import builtin_handler as handler
from pytest_symphony.report import analysis, audit, collect, four_keys, pipelines, recommend, summary
from pytest_symphony.report.delivery import archive, write_format
from pytest_symphony.report.json_report import validate_report
from pytest_symphony.report.model import ReportError, ReportWork
from pytest_symphony.report.work import Section, Stage
from pytest_symphony.report.settings import context_for, report_dir
from pytest_symphony.runtime.context import SequenceRun
from pytest_symphony.session_key import run_of

STATE_KEY = "report"


def _work(symphony: SequenceRun) -> ReportWork:
    work: ReportWork | None = symphony.state.get(STATE_KEY)
    if work is None:  # only when a beat runs alone (-k): movement 1, beat 1 starts the report
        raise ReportError(
            "the report pipeline's first beat (1.1 query execution metrics) did not run; "
            "run the whole pipeline: pytest --symphony=report"
        )
    return work


def _stage(symphony: SequenceRun, name: str, func: Stage, *, work: ReportWork | None = None) -> Section:
    work = work or _work(symphony)
    outputs = work.run_stage(name, func)
    for key, value in outputs.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            symphony.metric(key, value)
    return outputs


# -- movement 1: data collection & aggregation ------------------------------------------
@handler
def report_query_execution_metrics(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    work = ReportWork(context_for(pytestconfig))
    symphony.state[STATE_KEY] = work
    out = _stage(symphony, "collection.execution_metrics", collect.query_execution_metrics, work=work)
    symphony.metric("beats", out["beats"])


@handler
def report_query_conformity_audit(symphony: SequenceRun) -> None:
    _stage(symphony, "collection.conformity_audit", collect.query_conformity_audit)


@handler
def report_query_sequence_traceability(symphony: SequenceRun) -> None:
    _stage(symphony, "collection.sequence_traceability", collect.query_sequence_traceability)


@handler
def report_aggregate_handler_coverage(symphony: SequenceRun) -> None:
    _stage(symphony, "collection.handler_coverage", collect.aggregate_handler_coverage)


@handler
def report_normalize_metrics(symphony: SequenceRun) -> None:
    _stage(symphony, "collection.normalize", collect.normalize_metrics)
    _stage(symphony, "collection.builtin_pipelines", pipelines.summarize_builtin_pipelines)


# -- movement 2: executive summary ----------------------------------------------------------
@handler
def report_calculate_summary_metrics(symphony: SequenceRun) -> None:
    _stage(symphony, "summary.metrics", summary.calculate_summary_metrics)


@handler
def report_compute_health_indicators(symphony: SequenceRun) -> None:
    _stage(symphony, "summary.health", summary.compute_health_indicators)
    overall = _work(symphony).report["summary"]["health"]["overall"]
    symphony.emit("report:health", band=overall["band"], value=overall["value"])


@handler
def report_generate_status_dashboard(symphony: SequenceRun) -> None:
    _stage(symphony, "summary.status_dashboard", summary.generate_status_dashboard)
    _stage(symphony, "summary.four_keys", four_keys.summarize_four_keys)


# -- movement 3: deep dive --------------------------------------------------------------------
@handler
def report_analyze_movements(symphony: SequenceRun) -> None:
    _stage(symphony, "analysis.movements", analysis.analyze_movements)


@handler
def report_analyze_beats(symphony: SequenceRun) -> None:
    _stage(symphony, "analysis.beats", analysis.analyze_beats)


@handler
def report_analyze_conformity(symphony: SequenceRun) -> None:
    _stage(symphony, "analysis.conformity", analysis.analyze_conformity)


@handler
def report_analyze_handlers(symphony: SequenceRun) -> None:
    _stage(symphony, "analysis.handlers", analysis.analyze_handlers)
    _stage(symphony, "analysis.metrics", analysis.analyze_metrics)


# -- movement 4: recommendations ------------------------------------------------------------
@handler
def report_identify_bottlenecks(symphony: SequenceRun) -> None:
    _stage(symphony, "recommendations.bottlenecks", recommend.identify_bottlenecks)


@handler
def report_identify_conformity_gaps(symphony: SequenceRun) -> None:
    _stage(symphony, "recommendations.conformity_gaps", recommend.identify_conformity_gaps)


@handler
def report_generate_suggestions(symphony: SequenceRun) -> None:
    _stage(symphony, "recommendations.suggestions", recommend.generate_suggestions)


@handler
def report_rank_recommendations(symphony: SequenceRun) -> None:
    out = _stage(symphony, "recommendations.rank", recommend.rank_by_impact)
    if out.get("top"):
        symphony.emit("report:top-recommendation", title=out["top"])


# -- movement 5: audit trail & lineage ------------------------------------------------------
@handler
def report_trace_execution_lineage(symphony: SequenceRun) -> None:
    _stage(symphony, "audit.lineage", audit.trace_execution_lineage)


@handler
def report_document_changes(symphony: SequenceRun) -> None:
    _stage(symphony, "audit.changes", audit.document_changes)


@handler
def report_verify_governance(symphony: SequenceRun) -> None:
    _stage(symphony, "audit.governance", audit.verify_governance)


@handler
def report_generate_audit_report(symphony: SequenceRun) -> None:
    _stage(symphony, "audit.report", audit.generate_audit_report)


# -- movement 6: delivery -------------------------------------------------------------------
def _deliver(symphony: SequenceRun, pytestconfig: pytest.Config, fmt: str) -> Path:
    work = _work(symphony)
    path = write_format(work, fmt, report_dir(pytestconfig))
    symphony.state.setdefault("report_files", []).append(str(path))
    symphony.metric("bytes", path.stat().st_size)
    symphony.wrote(path, format=fmt)
    return path


@handler
def report_generate_markdown(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    _deliver(symphony, pytestconfig, "md")


@handler
def report_generate_json(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    problems = validate_report(_work(symphony).report)
    if problems:
        raise ReportError(
            "the JSON report does not match its schema (pytest_symphony/report/schema/"
            "report.schema.json):\n  " + "\n  ".join(problems[:20])
        )
    _deliver(symphony, pytestconfig, "json")


@handler
def report_generate_html(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    _deliver(symphony, pytestconfig, "html")


@handler
def report_archive(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    work = _work(symphony)
    files = [Path(p) for p in symphony.state.get("report_files", [])]
    copies = archive(
        files, run_of(pytestconfig).run_dir / "reports", history_path=work.context.history_path, run_id=symphony.run_id
    )
    for path in copies:
        symphony.wrote(path, format=path.suffix.lstrip("."))
    symphony.metric("runs", work.report["history"]["runs"])
    symphony.metric("recommendations", len(work.report["recommendations"]))
