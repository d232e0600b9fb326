"""GitHub Actions workflow commands: one annotation per violation::

    ::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=CODE::message

CRITICAL and MAJOR are ``error``, MINOR ``warning``, INFO ``notice``; unused suppressions
are ``warning`` annotations titled ``unused suppression``.  GitHub shows only the first 10
errors, 10 warnings and 10 notices of a step, so the most severe come first, and one last
plain line gives the totals per severity and where the full report is.  Paths are
relative to the repository's top level (the git top level, else the rootdir), as GitHub
resolves them.  Escaping follows the Actions toolkit: in the message ``%``, ``\\r`` and
``\\n`` become ``%25``, ``%0D``, ``%0A``; in property values ``:`` and ``,`` also become
``%3A`` and ``%2C``.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ..codes import Severity
from ..violation import Place, Violation
from . import UnusedNote, by_severity, severity_counts

__all__ = ["COMMANDS", "SHOWN", "escape_data", "escape_property", "render_github", "summary_line"]

#: Annotations of each kind GitHub shows for one step.
SHOWN = 10

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.MAJOR: "error",
    Severity.MINOR: "warning",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, place: Place, title: str, message: str, prefix: str = "") -> str:
    path = place.path if place.path.startswith("/") else prefix + place.path
    props = [("file", path), ("line", str(place.line)), ("col", str(place.col))]
    if place.end_line is not None:
        props.append(("endLine", str(place.end_line)))
        if place.end_col is not None:
            props.append(("endColumn", str(place.end_col)))
    props.append(("title", title))
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{kind} {joined}::{escape_data(message)}"


def summary_line(
    violations: Sequence[Violation], unused: Sequence[UnusedNote] = (), full_report: str | None = None
) -> str:
    """The totals per severity, what GitHub leaves out, and where the full report is."""
    counts = severity_counts(violations)
    line = "symphony conformity: " + ", ".join(f"{s.value} {n}" for s, n in counts.items())
    if unused:
        line += f", {len(unused)} unused suppression(s)"
    kinds: dict[str, int] = {}
    for v in violations:
        kinds[COMMANDS[v.severity]] = kinds.get(COMMANDS[v.severity], 0) + 1
    kinds["warning"] = kinds.get("warning", 0) + len(unused)
    hidden = sum(max(0, n - SHOWN) for n in kinds.values())
    if hidden:
        line += f"; GitHub shows the first {SHOWN} errors, warnings and notices of a step: {hidden} not shown"
    if full_report:
        line += f"; full report: {full_report}"
    return line


def render_github(
    violations: Iterable[Violation],
    *,
    unused: Sequence[UnusedNote] = (),
    prefix: str = "",
    full_report: str | None = None,
) -> str:
    """The annotations, most severe first, one per line, then the summary line (empty when
    there is nothing to report).  ``prefix``: the rootdir's path inside the repository."""
    ordered = by_severity(violations)
    found = sorted(unused, key=lambda u: u.key)
    if not ordered and not found:
        return ""
    lines = [_command(COMMANDS[v.severity], v.place, v.code, v.message, prefix) for v in ordered]
    lines += [_command("warning", u.place, "unused suppression", u.message, prefix) for u in found]
    lines.append(summary_line(ordered, found, full_report))
    return "".join(line + "\n" for line in lines)
