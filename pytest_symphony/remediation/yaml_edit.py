"""YAML edits as text spans: comments, quoting, anchors, flow or block style, blank lines
and key order outside the edited span keep their exact bytes.

Why text spans and not a round-tripping library (ruamel.yaml): a round trip re-emits the
whole document, and even ruamel.yaml normalises what it cannot represent (one sequence
indentation for the whole file, comment placement at some positions, line folding,
spacing after colons).  A span edit changes only the bytes of the value it replaces or
the line it adds, and the project reads YAML with PyYAML/libyaml, so PyYAML's composer is
the parser whose view of the document matters.  It locates every node by character
offset (``Mark.index``); every edit is then proven by parsing the result with the
runtime's own loader and comparing the data with what the change intends
(:mod:`.structured`), so a span that misjudged the layout is refused, never written.
No extra dependency is needed.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["compose", "node_at", "set_value", "append_item", "remove_item", "insert_member", "render"]

_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@` ")
_FLOW_CHARS = set(",[]{}")


#: libyaml's composer when present: its marks count characters exactly as the pure-Python one does.
_Composer = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def compose(text: str) -> Node:
    """The node tree of a one-document YAML text (``Mark.index``: character offsets)."""
    node = yaml.compose(text, Loader=_Composer)
    if node is None:
        raise ValueError("the document is empty")
    return node


def node_at(root: Node, parts: list[str]) -> tuple[Node, bool] | None:
    """The node at ``parts`` and whether it sits inside a flow collection."""
    node, flow = root, False
    for part in parts:
        flow = flow or bool(getattr(node, "flow_style", False))
        if isinstance(node, MappingNode):
            found = None
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == part:
                    found = value
            if found is None:
                return None
            node = found
        elif isinstance(node, SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            return None
    return node, flow


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
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


def _content_end(node: Node) -> int:
    """Where the node's last written character ends (a block collection's end mark lies at
    the next token, past blank lines and comments)."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1][1])
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1])
    return node.end_mark.index


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


def _dash(text: str, item: Node) -> int:
    """Offset of the ``-`` that opens a block sequence item."""
    pos = item.start_mark.index - 1
    while pos >= 0 and text[pos] in " \t":
        pos -= 1
    if pos < 0 or text[pos] != "-":
        raise LookupError("cannot find the item's dash")
    return pos


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def set_value(text: str, root: Node, parts: list[str], value: Any) -> tuple[int, int, str]:
    found = node_at(root, parts)
    if found is None or not isinstance(found[0], ScalarNode) or found[0].style in ("|", ">"):
        raise LookupError(f"/{'/'.join(parts)} is not a one-line scalar")
    node, flow = found
    return node.start_mark.index, node.end_mark.index, render(value, node.style, flow=flow)


def append_item(text: str, root: Node, parts: list[str], value: Any) -> tuple[int, int, str]:
    found = node_at(root, parts)
    if found is None or not isinstance(found[0], SequenceNode):
        raise LookupError(f"/{'/'.join(parts)} is not a list")
    node, _ = found
    if node.flow_style:
        if not node.value:
            return node.start_mark.index + 1, node.start_mark.index + 1, render(value, flow=True)
        end = node.value[-1].end_mark.index
        return end, end, ", " + render(value, flow=True)
    dash = _dash(text, node.value[-1])
    column = dash - _line_start(text, dash)
    at, lead = _next_line(text, _content_end(node.value[-1]))
    nl = _newline(text)
    return at, at, f"{lead}{' ' * column}- {render(value)}{nl}"


def remove_item(text: str, root: Node, parts: list[str]) -> tuple[int, int, str]:
    found = node_at(root, parts[:-1]) if parts and parts[-1].isdigit() else None
    if found is None or not isinstance(found[0], SequenceNode) or int(parts[-1]) >= len(found[0].value):
        raise LookupError("/" + "/".join(parts))
    node, index = found[0], int(parts[-1])
    items = node.value
    if node.flow_style:
        if len(items) == 1:
            return node.start_mark.index + 1, node.end_mark.index - 1, ""
        if index > 0:
            return items[index - 1].end_mark.index, items[index].end_mark.index, ""
        return items[0].start_mark.index, items[1].start_mark.index, ""
    if len(items) == 1:
        raise LookupError("removing the only item of a block list would turn it into null")
    start = _line_start(text, _dash(text, items[index]))
    if index + 1 < len(items):
        end = _line_start(text, _dash(text, items[index + 1]))
    else:
        end, _ = _next_line(text, _content_end(items[index]))
    return start, end, ""


def insert_member(text: str, root: Node, parts: list[str], key: str, value: Any, *,
                  after: str | None = None, first: bool = False) -> tuple[int, int, str]:
    """Add ``key: value`` to the mapping at ``parts``: last, first, or right after member ``after``."""
    found = node_at(root, parts)
    if found is None or not isinstance(found[0], MappingNode):
        raise LookupError(f"/{'/'.join(parts)} is not a mapping")
    node, flow = found
    inline = flow or bool(node.flow_style)
    member = f"{render(key, flow=inline)}: {render(value, flow=inline)}"
    if node.flow_style:
        if not node.value:
            return node.start_mark.index + 1, node.start_mark.index + 1, member
        end = node.value[-1][1].end_mark.index
        return end, end, ", " + member
    if not node.value:
        raise LookupError("an empty block mapping has no layout to follow")
    first_key = node.value[0][0]
    column = first_key.start_mark.column
    nl = _newline(text)
    line_start = _line_start(text, first_key.start_mark.index)
    if first and not text[line_start : first_key.start_mark.index].strip():
        return line_start, line_start, f"{' ' * column}{member}{nl}"
    anchor = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == after), None)
    at, lead = _next_line(text, _content_end(anchor if anchor is not None else node))
    return at, at, f"{lead}{' ' * column}{member}{nl}"
