"""The positioned document: parsed spec data that knows where each of its parts is written.

The parsers (:mod:`.json_parse`, :mod:`.yaml_parse`) give every mapping a
:class:`Located` (a ``dict``) and every list a :class:`LocatedList` (a ``list``).  Each
knows its 1-based ``line`` and ``col``, its text span (``start``, ``end``: offsets in code
points, end exclusive; a YAML block collection ends where its last content ends), the
:class:`Doc` it was read from, and the spans of what it holds: a mapping the key and value
span of every member written in it (:func:`member_span`), a list the span of every item
(:func:`item_span`).  So a message can name the exact line and column of any member, and
a fix can replace exactly the bytes of one value, however many members share a line.

The spans of one document live in one packed array on its :class:`Doc` (four bytes an
offset); a container holds where its own start in it.  YAML fills them as it parses (the
events carry the marks); JSON, whose C decoder tells no positions, places every container
as it parses and fills a container's member spans the first time they are asked for, from
the text (a run that never asks pays nothing).

Containers built rather than read (a YAML alias's copy, normalizer placeholders) have a
position but no member spans: lookups answer None and callers fall back to the container.
"""

from __future__ import annotations

import bisect
import itertools
import re
from array import array
from typing import Any, Callable

__all__ = [
    "Doc",
    "Located",
    "LocatedList",
    "doc_of",
    "item_line",
    "item_span",
    "line_of",
    "member_span",
    "by_key",
    "members_in_order",
]

_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class Doc:
    """The text one parse read, shared by every container of its data: offsets to lines,
    and the spans of every container (``spans``, four bytes an offset)."""

    __slots__ = ("text", "fmt", "spans", "fill", "masked", "_starts")

    def __init__(self, text: str, fmt: str, fill: Callable[[Any], None] | None = None) -> None:
        self.text = text
        self.fmt = fmt  # "json" or "yaml"
        self.spans: array[int] = array("i")
        self.fill = fill  # places a container's members when first asked (JSON)
        self.masked: str | None = None  # the parser's own scratch copy of the text, when it keeps one
        self._starts: list[int] | None = None

    def keep(self, spans: list[int]) -> int:
        """Store one container's spans; where they start in :attr:`spans`."""
        base = len(self.spans)
        self.spans.extend(spans)
        return base

    @property
    def starts(self) -> list[int]:
        """The offset each line starts at (line breaks as the format's parser counts them)."""
        if self._starts is None:
            if self.fmt == "yaml":
                self._starts = [0, *(m.end() for m in _YAML_BREAK.finditer(self.text))]
            else:
                self._starts = list(itertools.accumulate((len(p) + 1 for p in self.text.split("\n")[:-1]), initial=0))
        return self._starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of ``offset``."""
        starts = self.starts
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def offset(self, line: int, col: int) -> int:
        """The offset of 1-based (``line``, ``col``)."""
        starts = self.starts
        line = max(1, min(line, len(starts)))
        return starts[line - 1] + max(0, col - 1)

    def __getstate__(self) -> tuple[str, str, array[int], Any]:
        return self.text, self.fmt, self.spans, self.fill

    def __setstate__(self, state: tuple[str, str, array[int], Any]) -> None:
        self.text, self.fmt, self.spans, self.fill = state
        self.masked = self._starts = None


#: What a container that was not read from text answers (no position, no spans).
_DEFAULTS: dict[str, Any] = {"line": 0, "col": 0, "start": -1, "end": -1, "doc": None, "spans": None, "_lines": None}


#: Where a container's spans are: an index into :attr:`Doc.spans`, or (a mapping whose key was
#: written twice, or merged in) a dict by key; None while unknown.
Spans = int | dict[Any, tuple[int, int, int, int]] | None


class _FromText:
    """A container's position slots (declared by each container), unset, read as "not from text"
    (:data:`_DEFAULTS`)."""

    __slots__ = ()
    line: int
    col: int
    start: int
    end: int
    doc: Doc | None
    spans: Spans

    def __getattr__(self, name: str) -> Any:
        try:
            return _DEFAULTS[name]
        except KeyError:
            raise AttributeError(name) from None


class Located(_FromText, dict[Any, Any]):
    """A mapping from a spec file: where it is written and where each member is.

    ``spans`` says where ``(key start, key end, value start, value end)`` of each member
    written in this mapping are: an index into its document's :attr:`Doc.spans` (four
    offsets a member, in the mapping's own order), or (where a key was written twice or
    members were merged in with ``<<``) a dict by key.  Merged and aliased members have none.
    """

    __slots__ = ("line", "col", "start", "end", "doc", "spans")


class LocatedList(_FromText, list[Any]):
    """A list from a spec file: where it is written, and the span of each item
    (``spans``: an index into its document's :attr:`Doc.spans`, two offsets an item)."""

    __slots__ = ("line", "col", "start", "end", "doc", "spans", "_lines")
    _lines: list[int] | None

    @property
    def item_lines(self) -> list[int]:
        """The line each item starts on (empty when the list was not read from text)."""
        lines = self._lines
        if lines is None:
            base, doc = _spans(self), self.doc
            if base is None or doc is None:
                return []
            position, flat = doc.position, doc.spans
            lines = self._lines = [position(flat[base + 2 * i])[0] for i in range(len(self))]
        return lines


def _spans(container: Any) -> Any:
    """A container's spans (filling them first where the parser left that for later)."""
    spans = getattr(container, "spans", None)
    if spans is None:
        doc = getattr(container, "doc", None)
        if doc is None or doc.fill is None:
            return None
        doc.fill(container)
        spans = container.spans
    return spans


def doc_of(node: Any) -> Doc | None:
    """The document ``node`` was read from, or None."""
    return getattr(node, "doc", None)


def by_key(mapping: Any) -> dict[Any, tuple[int, int, int, int]]:
    """Each member's ``(key start, key end, value start, value end)``, by key."""
    spans = _spans(mapping)
    if spans is None:
        return {}
    if type(spans) is dict:
        return spans
    flat = mapping.doc.spans
    return {key: tuple(flat[spans + 4 * i : spans + 4 * i + 4]) for i, key in enumerate(mapping)}


def member_span(mapping: Any, key: Any) -> tuple[int, int, int, int] | None:
    """``(key start, key end, value start, value end)`` of ``mapping[key]`` as written, or None."""
    spans = _spans(mapping)
    if spans is None:
        return None
    if type(spans) is dict:
        return spans.get(key)
    for i, name in enumerate(mapping):
        if name == key:
            at = spans + 4 * i
            return tuple(mapping.doc.spans[at : at + 4])
    return None


def members_in_order(mapping: Any) -> list[tuple[Any, tuple[int, int, int, int]]]:
    """``(key, span)`` of each member written in ``mapping``, in text order."""
    return sorted(by_key(mapping).items(), key=lambda kv: kv[1][0])


def item_span(container: Any, index: int) -> tuple[int, int] | None:
    """``(start, end)`` of item ``index`` of a list as written, or None."""
    spans = _spans(container)
    if spans is None or not 0 <= index < len(container):
        return None
    flat = container.doc.spans
    return flat[spans + 2 * index], flat[spans + 2 * index + 1]


def line_of(obj: Any, default: int = 0) -> int:
    """The line a parsed mapping or list starts on, else ``default``."""
    line: int = getattr(obj, "line", default)
    return line or default


def item_line(container: Any, index: int, default: int = 0) -> int:
    """The line of item ``index`` of a parsed list (its own line if it has one)."""
    try:
        item = container[index]
    except (IndexError, KeyError, TypeError):
        return default
    line: int = getattr(item, "line", 0)
    if line:
        return line
    lines: list[int] | None = getattr(container, "item_lines", None)
    if lines and index < len(lines):
        return lines[index]
    return line_of(container, default)
