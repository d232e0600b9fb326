"""The HTML dashboard: one self-contained file that works offline from ``file://``.

Rendered by Jinja2 from ``templates/dashboard/`` with autoescape on, so every text that comes
from specs, handlers or telemetry is escaped (and ``None`` shows as a dash); charts are inline
SVG laid out by :mod:`.charts` (the page reads the same with scripts off).  The small inline
script only adds chart tooltips, table sorting and expand/collapse.  No request leaves the
page: no external CSS, font, image or script, and a Content-Security-Policy that allows only
the page's own script (by its hash) enforces it.  The data block for the script is JSON with
``<``, ``>`` and ``&`` as ``\\u`` escapes, so nothing in it can close its ``<script>`` element.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import jinja2
from markupsafe import Markup, escape

from .audit import AUDIT_ROWS
from .charts import LineChart, line_chart
from .four_keys import html_section as four_keys_section
from .numbers import ms, pct, runs_text, signed
from .stats import BAND_STATUS
from .summary import DIMENSIONS

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_VIOLATION_ROWS = 300
SEVERITY_COLORS = {"CRITICAL": "#d64545", "MAJOR": "#e67700", "MINOR": "#c99a06"}


def short(value: str | None, size: int = 12) -> str:
    """A hash or commit cut to ``size`` characters; a dash when there is none."""
    return value[:size] if value else "–"


class _ReportEnvironment(jinja2.Environment):
    """Reads ``a.b`` of a dict as its key first: the report is JSON (dicts all the way down), and
    Jinja's default tries the attribute first and pays for an exception on every field read."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """One environment per process: the templates compile once.

    No on-disk bytecode cache: Jinja keeps it in the temporary directory, outside the project,
    and it would save only the first render's compile (about 0.1 s) of a new process."""
    env = _ReportEnvironment(
        loader=jinja2.FileSystemLoader(TEMPLATES / "dashboard"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=lambda value: "–" if value is None else value,
    )
    env.filters.update(
        ms=ms,
        pct=pct,
        signed=signed,
        short=short,
        value=lambda v: "–" if v is None else f"{v:g}",
        score=lambda v: "–" if v is None else f"{v:.2f}",
        band_status=lambda name: BAND_STATUS.get(name or "", "grey"),
        severity_color=lambda severity: SEVERITY_COLORS.get(severity, "#8a94a6"),
        tojson_text=lambda value: json.dumps(value, ensure_ascii=False),
    )
    env.globals.update(
        num=num_cell, badge=badge, runs_text=runs_text, max_violation_rows=MAX_VIOLATION_ROWS, audit_rows=AUDIT_ROWS
    )
    return env


@lru_cache(maxsize=1)
def _assets() -> tuple[jinja2.Template, str, str, str]:
    """The page template, its CSS and script, and the script's hash for the Content-Security-Policy."""
    css = (TEMPLATES / "dashboard.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "dashboard.js").read_text(encoding="utf-8")
    script_hash = "sha256-" + base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    return _environment().get_template("page.html"), css, js, script_hash


# The cells and badges below are called once per table row: plain functions returning Markup
# (every value escaped) cost a fraction of a Jinja macro call or of ``Markup.format``.
def num_cell(value: Any, shown: Any) -> Markup:
    """A number's table cell: sorted by ``data-value``, showing ``shown`` (both escaped)."""
    return Markup(f'<td class="num" data-value="{escape("" if value is None else value)}">{escape(shown)}</td>')


def badge(status: Any, text: Any = None) -> Markup:
    """A status badge: ``status`` as its class, ``text`` (else the status) shown; None shows as a dash."""
    shown = status if text is None else text
    return Markup(f'<span class="badge {_text(status)}">{_text(shown)}</span>')


def _text(value: Any) -> Markup:
    return escape("–" if value is None else value)


def json_for_script(value: Any) -> str:
    """JSON that cannot end its ``<script>`` element (nor a line, in older JavaScript)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def render_dashboard(report: Mapping[str, Any]) -> str:
    template, css, js, script_hash = _assets()
    charts = trend_charts(report)
    return template.render(
        r=report,
        charts=charts,
        four_keys=Markup(four_keys_section(report)),  # built escaped by four_keys
        css=Markup(css),
        js=Markup(js),
        script_hash=script_hash,
        data=Markup(json_for_script({"charts": {c.name: c.data for c in charts}})),
    )


def trend_charts(report: Mapping[str, Any]) -> list[LineChart]:
    """Duration, beat success and conformity scores per run."""
    runs = report["trends"]["runs"]
    ids = [r["run_id"] for r in runs]
    when = [r["started_at"] for r in runs]
    dims = [d for d in DIMENSIONS if any(d in r["scores"] for r in runs)]
    dims += sorted({d for r in runs for d in r["scores"]} - set(dims))
    return [
        line_chart("duration", "Duration per run", "ms", ids, when, [("duration", [r["duration_ms"] for r in runs])]),
        line_chart(
            "success",
            "Beat success per run",
            "%",
            ids,
            when,
            [("success", [r["success_rate"] for r in runs])],
            fixed=(0.0, 1.0),
        ),
        line_chart(
            "conformity",
            "Conformity scores per run",
            "score",
            ids,
            when,
            [(d, [r["scores"].get(d) for r in runs]) for d in dims],
            fixed=(0.0, 1.0),
            bands=True,
        ),
    ]
