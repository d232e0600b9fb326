"""Feature tags as pytest markers.

pytest cannot register a marker whose name holds ``:`` or ``(`` (it splits its ini
``markers`` lines on them), so a tag written ``name:value`` becomes the marker
``name`` with the argument ``value``: ``@beat:release/pack`` is ``beat("release/pack")``.
"""

from __future__ import annotations

import re

#: Characters a registered marker name cannot hold.
_MARKER_CUT = re.compile(r"[:(]")


def split_tag(tag: str) -> tuple[str, str | None]:
    """``"slow"`` -> ``("slow", None)``; ``"beat:release/pack"`` -> ``("beat", "release/pack")``."""
    match = _MARKER_CUT.search(tag)
    if match is None:
        return tag, None
    name, value = tag[: match.start()], tag[match.end():]
    if match.group() == "(":
        value = value.removesuffix(")")
    return name, value


def marker_name_of(tag: str) -> str | None:
    """The marker a tag becomes, or None when no marker can carry it (``@:x``; pytest refuses ``_x``)."""
    name = split_tag(tag)[0].lstrip("_")
    return name or None
