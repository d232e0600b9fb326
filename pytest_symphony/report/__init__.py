"""Reports from the run history: Markdown, JSON (versioned schema), an HTML dashboard, pytest-html glue.

``build_report(context)`` runs the analysis stages over the SQLite history and returns
a :class:`ReportWork` whose ``report`` dict is the JSON document; the formats render
from it.  ``pytest --symphony-report=md,json,html`` does this at the end of a run;
``pytest --symphony=report`` runs the same stages as the beats of the report pipeline.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Each public name and the module it lives in: imported on first use, so that a run which
#: asks for no report (and pytest-html's glue, which imports a submodule) loads no analysis.
_HOME = {
    "deliver": "delivery",
    "parse_formats": "delivery",
    "render": "delivery",
    "SCHEMA_PATH": "json_report",
    "render_json": "json_report",
    "validate_report": "json_report",
    "FILE_NAMES": "model",
    "FORMATS": "model",
    "SCHEMA_VERSION": "model",
    "ReportContext": "model",
    "ReportError": "model",
    "ReportWork": "model",
    "build_report": "model",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))


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
