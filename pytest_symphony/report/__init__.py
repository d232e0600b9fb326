"""Reports from the run history: Markdown, JSON (versioned schema), an HTML dashboard, pytest-html glue.

``build_report(context)`` runs the analysis stages over the SQLite history and returns
a :class:`ReportWork` whose ``report`` dict is the JSON document; the formats render
from it.  ``pytest --symphony-report=md,json,html`` does this at the end of a run;
``pytest --symphony=report`` runs the same stages as the beats of the report pipeline.
"""

from .delivery import deliver, parse_formats, render
from .json_report import SCHEMA_PATH, render_json, validate_report
from .model import FILE_NAMES, FORMATS, SCHEMA_VERSION, ReportContext, ReportError, ReportWork, build_report

__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "SCHEMA_PATH",
    "SCHEMA_VERSION",
    "ReportContext",
    "ReportError",
    "ReportWork",
    "build_report",
    "deliver",
    "parse_formats",
    "render",
    "render_json",
    "validate_report",
]
