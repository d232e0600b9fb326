"""JSON edits as text spans: the rest of the file keeps its bytes.

The document is the loader's positioned data (:mod:`pytest_symphony.score.positions`):
every value's span and every member's key are where the parse found them.  The edit
functions return ``(start, end, replacement)`` for one change, written the way the
surrounding text is written: a member or item appended to a multi-line container goes on
its own line at the indentation of its siblings, on one line after a ``, `` otherwise; a
removed item takes its own comma and line with it.  Key order, indentation, spacing and
every member nobody asked about stay as they were.
"""

from __future__ import annotations

import json
from typing import Any

from ..score.positions import Located, LocatedList, item_span, member_span, members_in_order
from ..score.source import parse_json

__all__ = ["parse", "node_at", "value_span", "set_value", "append_item", "remove_item", "insert_member", "render"]


def parse(text: str) -> Any:
    """The positioned data of a JSON text (raises what the parser raises)."""
    return parse_json(text)


def node_at(root: Any, parts: list[str]) -> Any:
    """The value at JSON pointer segments ``parts``, or None."""
    node = root
    for part in parts:
        if isinstance(node, dict):
            if part not in node:
                return None
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def value_span(root: Any, parts: list[str]) -> tuple[int, int] | None:
    """Where the value at ``parts`` is written, or None."""
    if not parts:
        return (root.start, root.end) if getattr(root, "doc", None) is not None else None
    parent = node_at(root, parts[:-1])
    if isinstance(parent, dict):
        span = member_span(parent, parts[-1])
        return (span[2], span[3]) if span is not None else None
    if isinstance(parent, list) and parts[-1].isdigit():
        return item_span(parent, int(parts[-1]))
    return None


def render(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _where(parts: list[str]) -> str:
    return "/" + "/".join(parts)


def _line_indent(text: str, pos: int) -> str | None:
    """The whitespace before ``pos`` on its line, or None when something else is there."""
    start = text.rfind("\n", 0, pos) + 1
    lead = text[start:pos]
    return lead if not lead.strip() else None


def _multiline(text: str, open_pos: int, first: int) -> bool:
    return "\n" in text[open_pos:first]


def _nl(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def set_value(text: str, root: Any, parts: list[str], value: Any) -> tuple[int, int, str]:
    span = value_span(root, parts)
    if span is None:
        raise LookupError(_where(parts))
    return span[0], span[1], render(value)


def _items(node: Any, parts: list[str]) -> list[tuple[int, int]]:
    spans = []
    for i in range(len(node)):
        span = item_span(node, i)
        if span is None:
            raise LookupError(f"{_where(parts)}: its items' places are unknown")
        spans.append(span)
    return spans


def append_item(text: str, root: Any, parts: list[str], value: Any) -> tuple[int, int, str]:
    node = node_at(root, parts)
    if not isinstance(node, LocatedList) or node.doc is None:
        raise LookupError(f"{_where(parts)} is not a list")
    if not node:
        return node.start + 1, node.start + 1, render(value)
    items = _items(node, parts)
    last_start, last_end = items[-1]
    if _multiline(text, node.start, items[0][0]):
        indent = _line_indent(text, last_start)
        if indent is None:
            indent = _line_indent(text, items[0][0]) or ""
        return last_end, last_end, f",{_nl(text)}{indent}{render(value)}"
    sep = ", "
    if len(items) > 1:
        between = text[items[-2][1] : last_start]
        sep = between if between.strip() == "," else ", "
    return last_end, last_end, f"{sep}{render(value)}"


def remove_item(text: str, root: Any, parts: list[str]) -> tuple[int, int, str]:
    if not parts or not parts[-1].isdigit():
        raise LookupError(_where(parts))
    parent = node_at(root, parts[:-1])
    index = int(parts[-1])
    if not isinstance(parent, LocatedList) or index >= len(parent) or parent.doc is None:
        raise LookupError(_where(parts))
    items = _items(parent, parts[:-1])
    if len(items) == 1:
        return parent.start + 1, parent.end - 1, ""
    if index > 0:
        return items[index - 1][1], items[index][1], ""
    return items[0][0], items[1][0], ""


def insert_member(
    text: str, root: Any, parts: list[str], key: str, value: Any, *, after: str | None = None, first: bool = False
) -> tuple[int, int, str]:
    """Add ``key`` to the object at ``parts``: last, first, or right after member ``after``."""
    node = node_at(root, parts)
    if not isinstance(node, Located) or node.doc is None:
        raise LookupError(f"{_where(parts)} is not an object")
    if not node:
        return node.start + 1, node.start + 1, f"{render(key)}: {render(value)}"
    members = members_in_order(node)
    if len(members) != len(node):
        raise LookupError(f"{_where(parts)}: its members' places are unknown")
    first_at, first_end, first_value, _ = members[0][1]
    colon = text[first_end:first_value]
    colon = colon if colon.strip() == ":" and "\n" not in colon else ": "
    member = f"{render(key)}{colon}{render(value)}"
    multiline = _multiline(text, node.start, first_at)
    indent = (_line_indent(text, first_at) or "") if multiline else ""
    if first:
        return first_at, first_at, f"{member},{_nl(text)}{indent}" if multiline else f"{member}, "
    anchor = next((span for name, span in members if name == after), None) if after is not None else None
    last = (anchor or members[-1][1])[3]
    if multiline:
        return last, last, f",{_nl(text)}{indent}{member}"
    return last, last, f", {member}"
