"""Plain text: one line per violation, as pytest failures and the terminal show them::

    path:line:col CODE SEVERITY message [fix: safe|unsafe|none]

Violations at or above the threshold come first; those below follow under a
``warnings (below THRESHOLD):`` heading (never hidden); then unused suppressions; then
one summary line.  A multi-line message continues on lines indented by four spaces.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ..codes import Severity
from ..violation import Violation
from . import UnusedNote, severity_counts, sort_violations

__all__ = ["format_violation", "render_text"]


def _oneline(message: str) -> str:
    lines = message.strip("\n").splitlines() or [""]
    return "\n    ".join(line.rstrip() for line in lines)


def format_violation(v: Violation) -> str:
    return (
        f"{v.place.path}:{v.place.line}:{v.place.col} {v.code} {v.severity} {_oneline(v.message)} [fix: {v.fix_safety}]"
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def render_text(
    violations: Iterable[Violation],
    threshold: Severity | str = Severity.MAJOR,
    *,
    unused: Sequence[UnusedNote] = (),
) -> str:
    """The text report; ends with a newline."""
    threshold = Severity.parse(threshold)
    ordered = sort_violations(violations)
    failing = [v for v in ordered if v.severity >= threshold]
    warnings = [v for v in ordered if v.severity < threshold]
    lines = [format_violation(v) for v in failing]
    if warnings:
        lines.append(f"warnings (below {threshold}):")
        lines.extend(format_violation(v) for v in warnings)
    unused_sorted = sorted(unused, key=lambda u: u.key)
    if unused_sorted:
        lines.append("unused suppressions:")
        lines.extend(f"{u.place} {u.message}" for u in unused_sorted)
    if ordered:
        counts = severity_counts(ordered)
        by_sev = ", ".join(f"{s} {n}" for s, n in counts.items())
        summary = f"summary: {_plural(len(ordered), 'violation')} ({by_sev}), {len(failing)} at or above {threshold}"
    else:
        summary = "summary: no violations"
    if unused_sorted:
        summary += f"; {_plural(len(unused_sorted), 'unused suppression')}"
    lines.append(summary)
    return "\n".join(lines) + "\n"
