"""JSON edits as text spans: the rest of the file keeps its bytes.

:func:`scan` reads a JSON text into a tree of spans (every value's start and end, every
member's key); the edit functions return ``(start, end, replacement)`` for one change,
written the way the surrounding text is written: a member or item appended to a
multi-line container goes on its own line at the indentation of its siblings, on one
line after a ``, `` otherwise; a removed item takes its own comma and line with it.
Key order, indentation, spacing and every member nobody asked about stay as they were.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Node", "scan", "node_at", "set_value", "append_item", "remove_item", "insert_member", "render"]

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERAL = re.compile(r"true|false|null")


@dataclass
class Node:
    kind: str  # "object", "array" or "scalar"
    start: int
    end: int  # exclusive
    members: list[tuple[str, int, int, "Node"]] = field(default_factory=list)  # (key, key start, key end, value)
    items: list["Node"] = field(default_factory=list)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text

    def ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()  # type: ignore[union-attr]

    def fail(self, pos: int, what: str) -> ValueError:
        line = self.text.count("\n", 0, pos) + 1
        return ValueError(f"line {line}: expected {what}")

    def value(self, pos: int, depth: int = 0) -> Node:
        if depth > 500:
            raise self.fail(pos, "less nesting")
        pos = self.ws(pos)
        ch = self.text[pos : pos + 1]
        if ch == "{":
            return self.obj(pos, depth)
        if ch == "[":
            return self.arr(pos, depth)
        for pattern in (_STRING, _NUMBER, _LITERAL):
            m = pattern.match(self.text, pos)
            if m:
                return Node("scalar", pos, m.end())
        raise self.fail(pos, "a JSON value")

    def obj(self, start: int, depth: int) -> Node:
        node = Node("object", start, start)
        pos = self.ws(start + 1)
        if self.text.startswith("}", pos):
            node.end = pos + 1
            return node
        while True:
            m = _STRING.match(self.text, pos)
            if m is None:
                raise self.fail(pos, "a member name")
            key = json.loads(m.group(0))
            pos = self.ws(m.end())
            if not self.text.startswith(":", pos):
                raise self.fail(pos, "':'")
            value = self.value(pos + 1, depth + 1)
            node.members.append((key, m.start(), m.end(), value))
            pos = self.ws(value.end)
            if self.text.startswith(",", pos):
                pos = self.ws(pos + 1)
                continue
            if self.text.startswith("}", pos):
                node.end = pos + 1
                return node
            raise self.fail(pos, "',' or '}'")

    def arr(self, start: int, depth: int) -> Node:
        node = Node("array", start, start)
        pos = self.ws(start + 1)
        if self.text.startswith("]", pos):
            node.end = pos + 1
            return node
        while True:
            item = self.value(pos, depth + 1)
            node.items.append(item)
            pos = self.ws(item.end)
            if self.text.startswith(",", pos):
                pos = self.ws(pos + 1)
                continue
            if self.text.startswith("]", pos):
                node.end = pos + 1
                return node
            raise self.fail(pos, "',' or ']'")


def scan(text: str) -> Node:
    """The span tree of a JSON document; ValueError when it is not JSON."""
    scanner = _Scanner(text)
    root = scanner.value(0)
    if scanner.ws(root.end) != len(text):
        raise scanner.fail(root.end, "the end of the document")
    return root


def node_at(root: Node, parts: list[str]) -> Node | None:
    node: Node | None = root
    for part in parts:
        if node is None:
            return None
        if node.kind == "object":
            node = next((v for k, _, _, v in reversed(node.members) if k == part), None)
        elif node.kind == "array" and part.isdigit() and int(part) < len(node.items):
            node = node.items[int(part)]
        else:
            return None
    return node


def render(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _line_indent(text: str, pos: int) -> str | None:
    """The whitespace before ``pos`` on its line, or None when something else is there."""
    start = text.rfind("\n", 0, pos) + 1
    lead = text[start:pos]
    return lead if not lead.strip() else None


def _multiline(text: str, open_pos: int, first: int) -> bool:
    return "\n" in text[open_pos:first]


def _nl(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def set_value(text: str, root: Node, parts: list[str], value: Any) -> tuple[int, int, str]:
    node = node_at(root, parts)
    if node is None:
        raise LookupError("/" + "/".join(parts))
    return node.start, node.end, render(value)


def append_item(text: str, root: Node, parts: list[str], value: Any) -> tuple[int, int, str]:
    node = node_at(root, parts)
    if node is None or node.kind != "array":
        raise LookupError(f"{'/' + '/'.join(parts)} is not a list")
    if not node.items:
        return node.start + 1, node.start + 1, render(value)
    last = node.items[-1]
    if _multiline(text, node.start, node.items[0].start):
        indent = _line_indent(text, last.start)
        if indent is None:
            indent = _line_indent(text, node.items[0].start) or ""
        return last.end, last.end, f",{_nl(text)}{indent}{render(value)}"
    sep = ", "
    if len(node.items) > 1:
        between = text[node.items[-2].end : last.start]
        sep = between if between.strip() == "," else ", "
    return last.end, last.end, f"{sep}{render(value)}"


def remove_item(text: str, root: Node, parts: list[str]) -> tuple[int, int, str]:
    if not parts or not parts[-1].isdigit():
        raise LookupError("/" + "/".join(parts))
    parent = node_at(root, parts[:-1])
    index = int(parts[-1])
    if parent is None or parent.kind != "array" or index >= len(parent.items):
        raise LookupError("/" + "/".join(parts))
    items = parent.items
    if len(items) == 1:
        return parent.start + 1, parent.end - 1, ""
    if index > 0:
        return items[index - 1].end, items[index].end, ""
    return items[0].start, items[1].start, ""


def insert_member(text: str, root: Node, parts: list[str], key: str, value: Any, *,
                  after: str | None = None, first: bool = False) -> tuple[int, int, str]:
    """Add ``key`` to the object at ``parts``: last, first, or right after member ``after``."""
    node = node_at(root, parts)
    if node is None or node.kind != "object":
        raise LookupError(f"{'/' + '/'.join(parts)} is not an object")
    if not node.members:
        return node.start + 1, node.start + 1, f"{render(key)}: {render(value)}"
    _, first_at, first_end, first_value = node.members[0]
    colon = text[first_end : first_value.start]
    colon = colon if colon.strip() == ":" and "\n" not in colon else ": "
    member = f"{render(key)}{colon}{render(value)}"
    multiline = _multiline(text, node.start, first_at)
    indent = (_line_indent(text, first_at) or "") if multiline else ""
    if first:
        return first_at, first_at, f"{member},{_nl(text)}{indent}" if multiline else f"{member}, "
    anchor = next((m for m in node.members if m[0] == after), None) if after is not None else None
    last = (anchor or node.members[-1])[3]
    if multiline:
        return last.end, last.end, f",{_nl(text)}{indent}{member}"
    return last.end, last.end, f", {member}"
