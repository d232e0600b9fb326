"""YAML edits as text spans: comments, quoting, anchors, flow or block style, blank lines
and key order outside the edited span keep their exact bytes.

Why text spans and not a round-tripping library (ruamel.yaml): a round trip re-emits the
whole document, and even ruamel.yaml normalises what it cannot represent (one sequence
indentation for the whole file, comment placement at some positions, line folding,
spacing after colons).  A span edit changes only the bytes of the value it replaces or
the line it adds.  The document is the loader's positioned data
(:mod:`pytest_symphony.score.positions`), built from the very events the runtime reads,
so every span is where the runtime's own parser found the value; every edit is then
proven by parsing the result and comparing the data with what the change intends
(:mod:`.structured`), so a span that misjudged the layout is refused, never written.
Nothing reached through an alias is edited: its text is the anchor's, shared.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from ..score.positions import Located, LocatedList, item_span, member_span, members_in_order
from ..score.source import parse_yaml

__all__ = ["parse", "node_at", "set_value", "append_item", "remove_item", "insert_member", "render"]

_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@` ")
_FLOW_CHARS = set(",[]{}")
#: Node properties (an anchor, a tag) before the node itself.
_PROPERTIES = re.compile(r"(?:[&!][^\s]*\s+)*")


def parse(text: str) -> Any:
    """The positioned data of a one-document YAML text (raises what the parser raises)."""
    data = parse_yaml(str(text))
    if data is None:
        raise ValueError("the document is empty")
    return data


def _lead(text: str, start: int) -> str:
    """The first character of the node written at ``start``, past its anchor and tag."""
    properties = _PROPERTIES.match(text, start)  # matches, if only the empty string
    at = properties.end() if properties is not None else start
    return text[at : at + 1]


def _is_flow(text: str, node: Any) -> bool:
    return _lead(text, node.start) in ("[", "{")


def node_at(text: str, root: Any, parts: list[str]) -> tuple[Any, tuple[int, int], bool] | None:
    """The value at ``parts``, where it is written, and whether it sits inside a flow collection."""
    node, flow = root, False
    span = (root.start, root.end)
    for part in parts:
        if getattr(node, "doc", None) is None or _lead(text, node.start) == "*":
            return None  # not read from this text, or an alias: its text is the anchor's
        flow = flow or _is_flow(text, node)
        if isinstance(node, dict):
            key = part if part in node else next((k for k in node if str(k) == part), None)
            found = member_span(node, key) if key is not None else None
            if found is None:
                return None
            node, span = node[key], (found[2], found[3])
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            found_item = item_span(node, int(part))
            if found_item is None:
                return None
            node, span = node[int(part)], found_item
        else:
            return None
    return node, span, flow


def _collection(
    text: str, root: Any, parts: list[str], kind: type[Located] | type[LocatedList], what: str
) -> tuple[Any, bool]:
    found = node_at(text, root, parts)
    if found is None or not isinstance(found[0], kind) or _lead(text, found[0].start) == "*":
        raise LookupError(f"/{'/'.join(parts)} is not {what}")
    return found[0], found[2]


def render(value: Any, style: str | None = None, *, flow: bool = False) -> str:
    """A scalar as YAML: in the given quoting style, plain when that reads back the same."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if style == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if style != '"' and _plain_ok(text, flow):
        return text
    return json.dumps(text, ensure_ascii=False)


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or "\n" in text or text[0] in _PLAIN_BAD_START:
        return False
    if ": " in text or " #" in text or text.endswith(":") or (flow and _FLOW_CHARS & set(text)):
        return False
    try:
        return bool(yaml.safe_load(text) == text)
    except yaml.YAMLError:
        return False


def _next_line(text: str, pos: int) -> tuple[int, str]:
    """The start of the line after ``pos`` (and "\\n" when the text must first get one)."""
    if pos > 0 and text[pos - 1] == "\n":
        return pos, ""
    nl = text.find("\n", pos)
    if nl < 0:
        return len(text), "\n"
    return nl + 1, ""


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _dash(text: str, start: int) -> int:
    """Offset of the ``-`` that opens the block sequence item written at ``start``."""
    pos = start - 1
    while pos >= 0 and text[pos] in " \t":
        pos -= 1
    if pos < 0 or text[pos] != "-":
        raise LookupError("cannot find the item's dash")
    return pos


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _items(node: Any) -> list[tuple[int, int]]:
    spans = []
    for i in range(len(node)):
        span = item_span(node, i)
        if span is None:
            raise LookupError("the list's items' places are unknown")
        spans.append(span)
    return spans


def set_value(text: str, root: Any, parts: list[str], value: Any) -> tuple[int, int, str]:
    found = node_at(text, root, parts)
    lead = _lead(text, found[1][0]) if found is not None else ""
    if found is None or isinstance(found[0], (dict, list)) or lead in ("|", ">"):
        raise LookupError(f"/{'/'.join(parts)} is not a one-line scalar")
    _, (start, end), flow = found
    style = lead if lead in ('"', "'") else None
    return start, end, render(value, style, flow=flow)


def append_item(text: str, root: Any, parts: list[str], value: Any) -> tuple[int, int, str]:
    node, _ = _collection(text, root, parts, LocatedList, "a list")
    if _is_flow(text, node):
        if not node:
            at = text.index("[", node.start) + 1
            return at, at, render(value, flow=True)
        end = _items(node)[-1][1]
        return end, end, ", " + render(value, flow=True)
    last_start, last_end = _items(node)[-1]
    dash = _dash(text, last_start)
    column = dash - _line_start(text, dash)
    at, lead = _next_line(text, last_end)
    return at, at, f"{lead}{' ' * column}- {render(value)}{_newline(text)}"


def remove_item(text: str, root: Any, parts: list[str]) -> tuple[int, int, str]:
    if not parts or not parts[-1].isdigit():
        raise LookupError("/" + "/".join(parts))
    node, _ = _collection(text, root, parts[:-1], LocatedList, "a list")
    index = int(parts[-1])
    if index >= len(node):
        raise LookupError("/" + "/".join(parts))
    items = _items(node)
    if _is_flow(text, node):
        if len(items) == 1:
            return items[0][0], items[0][1], ""
        if index > 0:
            return items[index - 1][1], items[index][1], ""
        return items[0][0], items[1][0], ""
    if len(items) == 1:
        raise LookupError("removing the only item of a block list would turn it into null")
    start = _line_start(text, _dash(text, items[index][0]))
    if index + 1 < len(items):
        end = _line_start(text, _dash(text, items[index + 1][0]))
    else:
        end, _ = _next_line(text, items[index][1])
    return start, end, ""


def insert_member(
    text: str, root: Any, parts: list[str], key: str, value: Any, *, after: str | None = None, first: bool = False
) -> tuple[int, int, str]:
    """Add ``key: value`` to the mapping at ``parts``: last, first, or right after member ``after``."""
    node, flow = _collection(text, root, parts, Located, "a mapping")
    own_flow = _is_flow(text, node)
    inline = flow or own_flow
    member = f"{render(key, flow=inline)}: {render(value, flow=inline)}"
    members = members_in_order(node)
    if own_flow:
        if not node:
            at = text.index("{", node.start) + 1
            return at, at, member
        end = members[-1][1][3] if members else node.end - 1
        return end, end, ", " + member
    if not members:
        raise LookupError("a block mapping without members of its own has no layout to follow")
    first_key = members[0][1][0]
    line_start = _line_start(text, first_key)
    column = first_key - line_start
    nl = _newline(text)
    if first and not text[line_start:first_key].strip():
        return line_start, line_start, f"{' ' * column}{member}{nl}"
    anchor = next((span for name, span in members if name == after), None) if after is not None else None
    at, lead = _next_line(text, anchor[3] if anchor is not None else node.end)
    return at, at, f"{lead}{' ' * column}{member}{nl}"
