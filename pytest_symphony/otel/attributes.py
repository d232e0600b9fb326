"""The names spans and metrics carry: ``symphony.<record field>``, plus OpenTelemetry's own.

One rule for our names: a telemetry record's field ``f`` is the attribute ``symphony.f``
(``symphony.run_id``, ``symphony.spec_line``), so a JSONL line and a span read alike.
Where OpenTelemetry's semantic conventions name the same thing, that name is set too:
``code.file.path`` / ``code.line.number`` (the stable names that replaced ``code.filepath``
and ``code.lineno``), the CI/CD pipeline conventions (``cicd.pipeline.*``: a sequence run
is a pipeline run, a beat a task run) and ``error.type``.  No SDK import: plain strings.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

SEQUENCE = "symphony.sequence"
MOVEMENT = "symphony.movement"
MOVEMENT_NUMBER = "symphony.movement_number"
BEAT = "symphony.beat"
BEAT_NUMBER = "symphony.beat_number"
HANDLER = "symphony.handler"
DYNAMIC = "symphony.dynamic"
SPEC_FILE = "symphony.spec_file"
SPEC_LINE = "symphony.spec_line"
RUN_ID = "symphony.run_id"
CORRELATION_ID = "symphony.correlation_id"
PARENT_CORRELATION_ID = "symphony.parent_correlation_id"
PARENT_NODEID = "symphony.parent_nodeid"
NODEID = "symphony.nodeid"
TARGET = "symphony.target"
STATUS = "symphony.status"
ATTEMPT = "symphony.attempt"
ATTEMPTS = "symphony.attempts"
SCENARIO = "symphony.scenario"
DURATION_MS = "symphony.duration_ms"
#: A metric recorded with ``symphony.metric(name, value)``: the attempt span's attribute and
#: the OpenTelemetry gauge are both named ``symphony.metrics.<name>``.
METRICS_PREFIX = "symphony.metrics."

CODE_FILE_PATH = "code.file.path"
CODE_LINE_NUMBER = "code.line.number"
ERROR_TYPE = "error.type"
EXCEPTION_TYPE = "exception.type"
EXCEPTION_MESSAGE = "exception.message"
PIPELINE_NAME = "cicd.pipeline.name"
PIPELINE_RUN_ID = "cicd.pipeline.run.id"
PIPELINE_ACTION = "cicd.pipeline.action.name"
PIPELINE_RESULT = "cicd.pipeline.result"
TASK_NAME = "cicd.pipeline.task.name"
TASK_RUN_ID = "cicd.pipeline.task.run.id"
TASK_RESULT = "cicd.pipeline.task.run.result"

#: The pipeline action of a sequence run (semconv's well-known RUN): spans are named ``RUN <sequence>``.
ACTION = "RUN"
#: error.type when the error names no exception class (semconv's fallback value).
OTHER_ERROR = "_OTHER"

#: A record's status as a CI/CD result (``cicd.pipeline.result`` / ``cicd.pipeline.task.run.result``).
RESULTS = {"passed": "success", "failed": "failure", "error": "error", "timeout": "timeout", "skipped": "skip"}

#: "ValueError: ..." or "pkg.mod.BuildFailed: ...": how the conductor writes an attempt's error.
_EXCEPTION_NAME = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*): ")
_INSTRUMENT_CHAR = re.compile(r"[^A-Za-z0-9_./-]")


def result(status: str | None) -> str:
    return RESULTS.get(status or "", status or OTHER_ERROR)


def error_type(status: str | None, error: str | None) -> str | None:
    """``error.type`` of an outcome: the exception's class name when the error text starts with one."""
    if status in (None, "passed", "skipped"):
        return None
    if status == "timeout":
        return "timeout"
    match = _EXCEPTION_NAME.match(error or "")
    return match.group(1) if match else OTHER_ERROR


def first_line(text: str | None, limit: int = 300) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def metric_name(name: str) -> str:
    """The instrument name of a user metric (OpenTelemetry allows ``[A-Za-z0-9_./-]``, 255 chars)."""
    return (METRICS_PREFIX + _INSTRUMENT_CHAR.sub("_", str(name)))[:255]


def value(raw: Any) -> Any:
    """An attribute value OpenTelemetry accepts: str, bool, int, float or a list of one of them."""
    if isinstance(raw, (str, bool, int, float)):
        return raw
    if isinstance(raw, (list, tuple)) and raw and all(isinstance(v, (str, bool, int, float)) for v in raw):
        kinds = {type(v) for v in raw}
        return list(raw) if len(kinds) == 1 else [str(v) for v in raw]
    if raw is None:
        return None
    return json.dumps(raw, default=str, sort_keys=True)


def payload(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """An event's payload as span event attributes (nested values as JSON text; None left out)."""
    out: dict[str, Any] = {}
    for key, item in (raw or {}).items():
        converted = value(item)
        if converted is not None:
            out[str(key)] = converted
    return out


def identity(record: dict[str, Any]) -> dict[str, Any]:
    """The attributes naming a beat (or a scenario): ``symphony.<field>`` and the code location.

    What is the same for the whole sequence run (run id, correlation id, dynamic) is on the
    run's span only: every span costs the exporter per attribute, and a trace is found by any
    of its spans.
    """
    attrs = {
        SEQUENCE: record.get("sequence"),
        MOVEMENT: record.get("movement"),
        BEAT: record.get("beat"),
        MOVEMENT_NUMBER: record.get("movement_number"),
        BEAT_NUMBER: record.get("beat_number"),
        HANDLER: record.get("handler"),
        TARGET: record.get("target"),
        SPEC_FILE: record.get("spec_file"),
        SPEC_LINE: record.get("spec_line"),
        CODE_FILE_PATH: record.get("spec_file"),
        CODE_LINE_NUMBER: record.get("spec_line"),
        NODEID: record.get("nodeid"),
    }
    return {k: value(v) for k, v in attrs.items() if v is not None}


def step_attributes(step: dict[str, Any]) -> dict[str, Any]:
    """A BDD step's attributes on its scenario span's event (plain values only)."""
    attrs = {STATUS: step.get("status"), DURATION_MS: step.get("duration_ms"), CODE_LINE_NUMBER: step.get("line")}
    return {k: v for k, v in attrs.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
