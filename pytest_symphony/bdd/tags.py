"""Feature tags as pytest markers.

pytest cannot register a marker whose name holds ``:`` or ``(`` (it splits its ini
``markers`` lines on them), so a tag written ``name:value`` becomes the marker
``name`` with the argument ``value``: ``@beat:release/pack`` is ``beat("release/pack")``.
"""

from __future__ import annotations

from ..score.links import split_tag

__all__ = ["split_tag", "marker_name_of"]


def marker_name_of(tag: str) -> str | None:
    """The marker a tag becomes, or None when no marker can carry it (``@:x``; pytest refuses ``_x``)."""
    name = split_tag(tag)[0].lstrip("_")
    return name or None
