"""JSON to positioned data (:mod:`.positions`): the C decoder for the values, the text
for where they are written.

The C decoder builds the data (every object a :class:`~.positions.Located`).  One pass
over the brackets outside strings (found in C: escapes masked to ``__``, brackets inside
strings blanked) opens and closes the containers in pre-order, so a walk of the data
hands each its line, column and span.  A container's members are placed when first asked
for (:func:`_fill`, from the container's own start), so the run, which never asks, pays
for none.  A duplicated key breaks the pairing of brackets and containers (the dropped
value is still in the text), so such files go through the stdlib's pure-Python scanner
with its object and array parsers replaced by ones that record every span as they go
(last wins).

With ``findings`` (reading a spec), duplicate keys and lone surrogates are appended to it
and an integer beyond 64 bits raises :class:`~.integrity.IntegerOutOfRange`; other readers
get the data as JSON has it.  Raises JSONDecodeError/RecursionError/ValueError.
"""

from __future__ import annotations

import json
import re
from json.decoder import JSONDecodeError, scanstring  # type: ignore[attr-defined]  # public, left out of typeshed
from json.scanner import py_make_scanner  # type: ignore[attr-defined]  # the same
from typing import Any, Callable

from . import integrity
from .positions import Doc, Located, LocatedList

__all__ = ["SourceFloat", "parse_json", "parse_json_scanner"]

_ESCAPE = re.compile(r"\\.", re.S)
_BRACKET = re.compile(r"[\[\]{}]")
_WS = re.compile(r"[ \t\n\r]*")
_WS_CHARS = " \t\n\r"


class SourceFloat(float):
    """A float that remembers how it was written, so ``version: 1.10`` stays "1.10"."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str, value: float | None = None) -> "SourceFloat":
        obj = super().__new__(cls, float(text) if value is None else value)
        obj.text = text
        return obj


class _DuplicateKey(Exception):
    pass


class _NotThisText(Exception):
    """A pattern found nothing where a member should be: the text is not this data's."""


def _pairs(pairs: list[tuple[str, Any]]) -> Located:
    obj = Located(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKey
    return obj


def parse_json(text: str, findings: list[integrity.Finding] | None = None) -> Any:
    """Decode JSON so that every object is :class:`Located` and every array :class:`LocatedList`."""
    parse_int = integrity.json_int if findings is not None else None
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_float=SourceFloat, parse_int=parse_int)
    except _DuplicateKey:
        data = parse_json_scanner(text, parse_int)
        if findings is not None:
            findings.extend(integrity.json_duplicates(text))
            findings.extend(_surrogates(data, text))
        return data
    if findings is not None:
        findings.extend(_surrogates(data, text))
    if not isinstance(data, (dict, list)):
        return data
    return _locate(text, data)


def _surrogates(data: Any, text: str) -> list[integrity.Finding]:
    return integrity.surrogates(data, text) if integrity.may_hold_surrogates(text) else []


class _Lines:
    """Offset -> (line, column), 1-based; cheap when offsets only move forward."""

    __slots__ = ("text", "pos", "line", "line_start")

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.line = 1
        self.line_start = 0

    def __call__(self, pos: int) -> tuple[int, int]:
        text = self.text
        if pos < self.pos:  # backwards: recount from the start (never in practice)
            self.pos, self.line, self.line_start = 0, 1, 0
        n = text.count("\n", self.pos, pos)
        if n:
            self.line += n
            self.line_start = text.rfind("\n", self.pos, pos) + 1
        self.pos = pos
        return self.line, pos - self.line_start + 1


def _masked(text: str) -> str:
    """``text`` with every escape as ``__`` (same length): each ``"`` left delimits a string."""
    return _ESCAPE.sub("__", text) if "\\" in text else text


def _brackets(text: str) -> list[int]:
    """Offsets of every bracket outside strings, in order (for valid JSON).

    All in C: escapes are neutralised, the text is split on quotes (odd parts are string
    contents), brackets inside strings are blanked, and the joined text is searched.
    """
    masked = _masked(text)
    parts = masked.split('"')
    inside = '"'.join(parts[1::2])
    if any(c in inside for c in "[]{}"):
        parts[1::2] = _BRACKET.sub(" ", inside).split('"')
        masked = '"'.join(parts)
    return [m.start() for m in _BRACKET.finditer(masked)]


def _locate(text: str, data: Any) -> Any:
    """Give every container of ``data`` (decoded from ``text``) its line, column and span.

    Brackets outside strings, in document order, open and close the containers in
    pre-order, so one walk hands each its place; members are placed later, on demand
    (:func:`_fill`).
    """
    doc = Doc(text, "json", _fill)
    where = _Lines(text)
    pending: list[tuple[Any, Any, Any]] = [(None, None, data)]
    pop, push = pending.pop, pending.extend
    open_: list[Any] = []
    root: Any = None
    for pos in _brackets(text):
        if text[pos] in "]}":
            open_.pop().end = pos + 1
            continue
        parent, key, value = pop()
        if type(value) is list:
            value = LocatedList(value)
            if parent is not None:
                parent[key] = value
        if parent is None:
            root = value
        value.line, value.col = where(pos)
        value.start, value.doc = pos, doc
        open_.append(value)
        items = enumerate(value) if type(value) is LocatedList else value.items()
        children = [(value, k, v) for k, v in items if isinstance(v, (dict, list))]
        if children:
            children.reverse()
            push(children)
    return root


_KEY = re.compile(r'("[^"]*")\s*:[ \t\n\r]*')
_ITEM = re.compile(r"[ \t\n\r,]*")
_SCALAR = re.compile(r'"[^"]*"|[^\s,\]}]+')


def _fill(container: Any) -> None:
    """Place the members (or items) of one container of a parsed document, from its text.

    Runs on the escape-masked text from the container's own start: each key is the next
    string followed by ':', each value starts after it; a nested container ends where the
    parse placed its end, a scalar where its token does.  Nothing found (never for valid
    JSON) leaves the container without spans.
    """
    doc = container.doc
    masked = doc.masked
    if masked is None:
        masked = doc.masked = _masked(doc.text)
    spans: list[int] = []
    pos = container.start + 1
    try:
        if isinstance(container, dict):
            for value in container.values():
                m = _KEY.search(masked, pos)
                if m is None:
                    raise _NotThisText
                start = m.end()
                pos = value.end if isinstance(value, (Located, LocatedList)) else _scalar_end(masked, start)
                spans += (m.start(), m.end(1), start, pos)
        else:
            for value in container:
                item = _ITEM.match(masked, pos)
                if item is None:
                    raise _NotThisText
                start = item.end()
                pos = value.end if isinstance(value, (Located, LocatedList)) else _scalar_end(masked, start)
                spans += (start, pos)
    except _NotThisText:
        container.spans = {}
        return
    container.spans = doc.keep(spans)


def _scalar_end(masked: str, start: int) -> int:
    m = _SCALAR.match(masked, start)
    if m is None:
        raise _NotThisText
    return m.end()


#: The scanner's ``scan_once``: the value at an offset and where it ends.
_Scan = Callable[[str, int], tuple[Any, int]]


class _SpanningDecoder(json.JSONDecoder):
    """The stdlib's decoder with the attributes its pure-Python scanner reads (typeshed declares none)."""

    parse_object: Callable[..., tuple[Located, int]]
    parse_array: Callable[..., tuple[LocatedList, int]]
    scan_once: _Scan


class _SpanningParsers:
    """The scanner's object and array parsers for one text, recording spans into ``doc``.

    They follow the stdlib's (same errors at the same offsets) and record each member's
    and item's span as they go.
    """

    def __init__(self, text: str) -> None:
        self.doc = Doc(text, "json")
        self.where = _Lines(text)

    def parse_object(
        self,
        s_and_end: tuple[str, int],
        strict: bool,
        scan_once: _Scan,
        _object_hook: object,  # the scanner passes the stdlib's arguments: these two are not used here
        _object_pairs_hook: object,
        memo: dict[str, str],
        _w: Any = _WS.match,  # always matches (the pattern accepts the empty string)
        _ws: str = _WS_CHARS,
    ) -> tuple[Located, int]:
        s, end = s_and_end
        obj = Located()
        obj.line, obj.col = self.where(end - 1)
        obj.start, obj.doc = end - 1, self.doc
        spans: dict[str, tuple[int, int, int, int]] = {}
        obj.spans = spans
        nextchar = s[end : end + 1]
        if nextchar != '"':
            if nextchar in _ws:
                end = _w(s, end).end()
                nextchar = s[end : end + 1]
            if nextchar == "}":
                obj.end = end + 1
                return obj, end + 1
            if nextchar != '"':
                raise JSONDecodeError("Expecting property name enclosed in double quotes", s, end)
        end += 1
        while True:
            ks = end - 1
            key, end = scanstring(s, end, strict)
            key = memo.setdefault(key, key)
            ke = end
            if s[end : end + 1] != ":":
                end = _w(s, end).end()
                if s[end : end + 1] != ":":
                    raise JSONDecodeError("Expecting ':' delimiter", s, end)
            end = _w(s, end + 1).end()
            try:
                value, value_end = scan_once(s, end)
            except StopIteration as err:
                raise JSONDecodeError("Expecting value", s, err.value) from None
            obj[key] = value  # a repeated key: the last wins, as json.loads does
            spans[key] = (ks, ke, end, value_end)
            end = _w(s, value_end).end()
            nextchar = s[end : end + 1]
            end += 1
            if nextchar == "}":
                break
            if nextchar != ",":
                raise JSONDecodeError("Expecting ',' delimiter", s, end - 1)
            end = _w(s, end).end()
            nextchar = s[end : end + 1]
            end += 1
            if nextchar != '"':
                raise JSONDecodeError("Expecting property name enclosed in double quotes", s, end - 1)
        obj.end = end
        return obj, end

    def parse_array(
        self, s_and_end: tuple[str, int], scan_once: _Scan, _w: Any = _WS.match, _ws: str = _WS_CHARS
    ) -> tuple[LocatedList, int]:
        s, end = s_and_end
        values = LocatedList()
        values.line, values.col = self.where(end - 1)
        values.start, values.doc = end - 1, self.doc
        spans: list[int] = []
        nextchar = s[end : end + 1]
        if nextchar in _ws:
            end = _w(s, end + 1).end()
            nextchar = s[end : end + 1]
        if nextchar == "]":
            values.end, values.spans = end + 1, self.doc.keep(spans)
            return values, end + 1
        append = values.append
        while True:
            start = end
            try:
                value, end = scan_once(s, end)
            except StopIteration as err:
                raise JSONDecodeError("Expecting value", s, err.value) from None
            append(value)
            spans += (start, end)
            nextchar = s[end : end + 1]
            if nextchar in _ws:
                end = _w(s, end + 1).end()
                nextchar = s[end : end + 1]
            end += 1
            if nextchar == "]":
                break
            if nextchar != ",":
                raise JSONDecodeError("Expecting ',' delimiter", s, end - 1)
            end = _w(s, end).end()
        values.end, values.spans = end, self.doc.keep(spans)
        return values, end


def parse_json_scanner(text: str, parse_int: Any = None) -> Any:
    """:func:`parse_json` through the pure-Python scanner (slower; duplicate keys: last wins)."""
    parsers = _SpanningParsers(text)
    decoder = _SpanningDecoder(parse_float=SourceFloat, parse_int=parse_int)
    decoder.parse_object = parsers.parse_object
    decoder.parse_array = parsers.parse_array
    decoder.scan_once = py_make_scanner(decoder)
    return decoder.decode(text)
