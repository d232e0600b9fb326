"""GitHub Actions workflow commands: one annotation per violation::

    ::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=CODE::message

CRITICAL and MAJOR are ``error``, MINOR ``warning``, INFO ``notice``; unused suppressions
are ``warning`` annotations titled ``unused suppression``.  Escaping follows the Actions
toolkit: in the message ``%``, ``\\r`` and ``\\n`` become ``%25``, ``%0D``, ``%0A``; in
property values ``:`` and ``,`` also become ``%3A`` and ``%2C``.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from ..codes import Severity
from ..violation import Place, Violation
from . import sort_violations

__all__ = ["COMMANDS", "escape_data", "escape_property", "render_github"]

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


def _command(kind: str, place: Place, title: str, message: str) -> str:
    props = [("file", place.path), ("line", str(place.line)), ("col", str(place.col))]
    if place.end_line is not None:
        props.append(("endLine", str(place.end_line)))
        if place.end_col is not None:
            props.append(("endColumn", str(place.end_col)))
    props.append(("title", title))
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{kind} {joined}::{escape_data(message)}"


def render_github(violations: Iterable[Violation], *, unused: Sequence[Any] = ()) -> str:
    """The annotations, one per line, ending with a newline (empty when nothing)."""
    lines = [
        _command(COMMANDS[v.severity], v.place, v.code, v.message)  # type: ignore[index]
        for v in sort_violations(violations)
    ]
    lines += [
        _command("warning", u.place, "unused suppression", u.message)
        for u in sorted(unused, key=lambda u: u.key)
    ]
    return "".join(line + "\n" for line in lines)
