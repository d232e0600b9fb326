"""Placing spec violations: the member's line and column, its JSON pointer, and the text
span a fix replaces."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Mapping

from ...score.model import Beat, Movement
from ...score.documents import beat_list_key as score_beat_list_key
from ..violation import Edit, Fix, Place, Violation, json_pointer

if TYPE_CHECKING:
    from ..sources import SpecInput

__all__ = ["beat_list_key", "beat_pointer", "movement_pointer", "beat_label", "spec_violation", "value_edit"]


def beat_list_key(movement_raw: Mapping[str, Any]) -> str:
    """The key the normalizer took a movement's beats from (``beats``, ``steps``, ``sequence``)."""
    return score_beat_list_key(movement_raw) or "beats"


def movement_pointer(movement: Movement) -> str:
    return json_pointer("movements", movement.index)


def beat_pointer(movement: Movement, beat: Beat) -> str:
    return json_pointer("movements", movement.index, beat_list_key(movement.raw), beat.index)


def beat_label(beat: Beat) -> str:
    """What a violation's ``beat`` holds: the string id, else the number."""
    return beat.id if isinstance(beat.id, str) and beat.id else str(beat.number)


def spec_violation(
    code: str,
    spec: SpecInput,
    message: str,
    *,
    node: Any = None,
    key: str | None = None,
    pointer: str = "",
    beat: Beat | None = None,
    fix: Fix | None = None,
    span: bool = False,
) -> Violation:
    """A violation at member ``key`` of mapping ``node`` (or at the mapping) of ``spec``."""
    node = node if node is not None else spec.raw
    line, col = 1, 1
    end_line = end_col = None
    if node is not None:
        member = spec.map.member(node, key) if key is not None and spec.text else None
        if member is not None:
            line, col = member.line, member.col
            if span and member.end_line is not None:
                end_line, end_col = member.end_line, member.end_col
        else:
            line, col = spec.map.place_of(node) if spec.text else (getattr(node, "line", 1) or 1, 1)
    if key is not None:
        pointer = f"{pointer}/{_escape(key)}"
    sequence = spec.sequence.id if spec.sequence is not None else None
    return Violation(
        code,
        message,
        Place(spec.rel, line, col, end_line, end_col, pointer),
        fix=fix,
        sequence=sequence,
        beat=beat_label(beat) if beat is not None else None,
    )


def value_edit(spec: SpecInput, node: Any, key: str, replacement: str) -> tuple[Edit, ...] | None:
    """The edit replacing the scalar value of ``node[key]`` with ``replacement``."""
    if not spec.text:
        return None
    member = spec.map.member(node, key)
    if member is None or member.value_start is None or member.value_end is None:
        return None
    return (Edit(spec.rel, member.value_start, member.value_end, replacement),)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def insert_member(spec: SpecInput, node: Any, key: str, value: Any) -> tuple[Edit, ...] | None:
    """The edit adding ``key: value`` as the first member of mapping ``node`` (JSON or YAML),
    laid out as its current first member is."""
    text = spec.text
    at = spec.map.first_key(node) if text and node is not None else None
    if at is None or text is None:
        return None
    if spec.map.fmt == "json":
        between = text[node.start + 1 : at]
        return (Edit(spec.rel, at, at, f"{json.dumps(key)}: {json.dumps(value)},{between}"),)
    indent = text[text.rfind("\n", 0, at) + 1 : at]
    if indent.strip():  # a "- key:" list item or a flow mapping: not on a line of its own
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    return (Edit(spec.rel, at, at, f"{key}: {json.dumps(value)}{newline}{indent}"),)
