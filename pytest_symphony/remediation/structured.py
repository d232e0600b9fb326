"""Edits to a spec-like file (JSON or YAML) that are proven before they are kept.

A :class:`Document` locates values by JSON pointer (through the ``musicalSequence``
wrapper where a spec has one) in the loader's positioned data (one parse per text, shared
with the run and the checker) and turns a structural change into a text span edit
(:mod:`.json_edit`, :mod:`.yaml_edit`).  Each :class:`Change` also says what it does to
the data; :func:`prove` applies a set of changes to the text, parses the result with the
runtime's own loader and compares it with the original data changed as intended.  Any
difference (a span misjudged, a key lost, a neighbour reformatted into another value)
refuses the whole set: nothing unproven is written.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Literal, Union

from ..score.source import format_of, parse_data
from . import json_edit, yaml_edit

__all__ = ["Change", "Document", "EditRefused", "prove", "apply_spans", "split_pointer", "load_data"]


class EditRefused(Exception):
    """A structural edit could not be made or could not be proven."""


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


Parts = tuple[str, ...]
#: What a change does to the data (``parts``: JSON pointer segments of the document).
Op = Union[
    tuple[Literal["set"], Parts, Any],
    tuple[Literal["append"], Parts, Any],
    tuple[Literal["remove"], Parts],
    tuple[Literal["insert"], Parts, str, Any],
]


@dataclass(frozen=True)
class Change:
    """One structural change: its text span and what it does to the data.

    ``op``: ``("set", parts, value)``, ``("append", parts, value)``, ``("remove", parts)``
    or ``("insert", parts, key, value)``; ``parts`` are JSON pointer segments of the document.
    """

    start: int
    end: int
    replacement: str
    op: Op


def load_data(fmt: str, text: str) -> Any:
    """The positioned data the runtime's loader reads from ``text`` (parsed once per text)."""
    return parse_data(text, fmt)


class Document:
    """One JSON or YAML file's text and its positioned data."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text = str(text)  # an exact str: libyaml's reader refuses subclasses
        self.fmt = format_of(path, text)
        try:
            self.data = load_data(self.fmt, text)
        except Exception as exc:  # YAMLError, ValueError, the loader's own stop
            raise EditRefused(f"{path} does not parse: {exc}") from None
        if getattr(self.data, "doc", None) is None:
            raise EditRefused(f"{path} holds no mapping or list to edit")

    # -- pointers ----------------------------------------------------------------------------
    def sequence_parts(self, pointer: str) -> list[str]:
        """Document segments of a pointer into the sequence mapping (a ``musicalSequence``
        wrapper's members live under it; its siblings at the top)."""
        parts = split_pointer(pointer)
        data = self.data
        wrapped = data.get("musicalSequence") if isinstance(data, dict) else None
        if isinstance(wrapped, dict):
            if not parts or parts[0] in wrapped or parts[0] not in data:
                return ["musicalSequence", *parts]
        return parts

    def get(self, parts: list[str]) -> Any:
        node = self.data
        for part in parts:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise LookupError(f"{self.path}: nothing at /{'/'.join(parts)}")
        return node

    # -- changes -----------------------------------------------------------------------------
    def _edit(self, kind: str, *args: Any) -> tuple[int, int, str]:
        module = json_edit if self.fmt == "json" else yaml_edit
        try:
            change: Callable[..., tuple[int, int, str]] = getattr(module, kind)
            return change(self.text, self.data, *args)
        except LookupError as exc:
            raise EditRefused(f"{self.path}: {exc}") from None

    def set(self, parts: list[str], value: Any) -> Change:
        start, end, text = self._edit("set_value", parts, value)
        return Change(start, end, text, ("set", tuple(parts), value))

    def append(self, parts: list[str], value: Any) -> Change:
        start, end, text = self._edit("append_item", parts, value)
        return Change(start, end, text, ("append", tuple(parts), value))

    def remove(self, parts: list[str]) -> Change:
        start, end, text = self._edit("remove_item", parts)
        return Change(start, end, text, ("remove", tuple(parts)))

    def insert(
        self, parts: list[str], key: str, value: Any, *, after: str | None = None, first: bool = False
    ) -> Change:
        module = json_edit if self.fmt == "json" else yaml_edit
        try:
            start, end, text = module.insert_member(self.text, self.data, parts, key, value, after=after, first=first)
        except LookupError as exc:
            raise EditRefused(f"{self.path}: {exc}") from None
        return Change(start, end, text, ("insert", tuple(parts), key, value))


def apply_spans(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Apply non-overlapping ``(start, end, replacement)`` spans; overlapping ones raise."""
    out, pos = [], 0
    for start, end, replacement in sorted(spans, key=lambda s: (s[0], s[1])):
        if start < pos or end > len(text):
            raise EditRefused(f"overlapping or out-of-range edit at offset {start}")
        out += [text[pos:start], replacement]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def apply_ops(data: Any, ops: Iterable[Op]) -> Any:
    """``data`` with every op applied (pointers name the data before any op)."""
    out = copy.deepcopy(_plain(data))

    def parent(parts: Parts) -> Any:
        node = out
        for part in parts:
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    ops = list(ops)
    for op in ops:
        if op[0] == "set":
            holder = parent(op[1][:-1])
            key = op[1][-1]
            holder[int(key) if isinstance(holder, list) else key] = op[2]
        elif op[0] == "insert":
            parent(op[1])[op[2]] = op[3]
    for op in ops:
        if op[0] == "append":
            parent(op[1]).append(op[2])
    removes = sorted((o[1] for o in ops if o[0] == "remove"), key=lambda parts: (parts[:-1], -int(parts[-1])))
    for parts in removes:
        del parent(parts[:-1])[int(parts[-1])]
    return out


def prove(doc: Document, changes: Iterable[Change]) -> str:
    """The new text, once its data is exactly the old data changed as intended."""
    changes = list(changes)
    new_text = apply_spans(doc.text, [(c.start, c.end, c.replacement) for c in changes])
    try:
        got = _plain(load_data(doc.fmt, new_text))
    except Exception as exc:
        raise EditRefused(f"{doc.path}: the edited text would not parse: {exc}") from None
    wanted = apply_ops(doc.data, [c.op for c in changes])
    if got != wanted:
        raise EditRefused(f"{doc.path}: the edited text would not read back as intended")
    return new_text
