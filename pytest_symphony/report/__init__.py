"""Reports from the run history: Markdown, JSON (versioned schema), an HTML dashboard, pytest-html glue.

``build_report(context)`` runs the analysis stages over the SQLite history and returns
a :class:`ReportWork` whose ``report`` dict is the JSON document; the formats render
from it.  ``pytest --symphony-report=md,json,html`` does this at the end of a run;
``pytest --symphony=report`` runs the same stages as the beats of the report pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_exports import lazy_exports

#: Each module and the public names it gives: imported on first use, so that a run which
#: asks for no report (and pytest-html's glue, which imports a submodule) loads no analysis.
_EXPORTS = {
    "delivery": ("deliver", "parse_formats", "render"),
    "json_report": ("SCHEMA_PATH", "render_json", "validate_report"),
    "model": (
        "FILE_NAMES",
        "FORMATS",
        "SCHEMA_VERSION",
        "ReportContext",
        "ReportError",
        "ReportWork",
        "build_report",
    ),
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # what static tools see; at run time __getattr__ does the same lazily
    from .delivery import deliver, parse_formats, render  # noqa: F401
    from .json_report import SCHEMA_PATH, render_json, validate_report  # noqa: F401
    from .model import (  # noqa: F401
        FILE_NAMES,
        FORMATS,
        SCHEMA_VERSION,
        ReportContext,
        ReportError,
        ReportWork,
        build_report,
    )
