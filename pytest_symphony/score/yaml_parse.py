"""YAML to positioned data (:mod:`.positions`), built from parser events.

libyaml (``CSafeLoader``'s parser, else the pure-Python ``SafeLoader``) gives the events;
the data is built here: only plain data (no ``yaml.load``, no Python tags), merge keys
honoured, and aliases charged to an expansion budget so an alias bomb stops at once with
the alias's line instead of eating memory downstream.  Every event carries its marks, so
each mapping keeps its members' key and value spans and each list its items' spans as the
data is built: no second pass.  A block collection ends where its last content ends
(libyaml's end mark lies at the next token, past blank lines and comments).
"""

from __future__ import annotations

from array import array
from typing import Any

import yaml
from yaml import events as ev
from yaml.nodes import ScalarNode

from . import integrity
from .json_parse import SourceFloat
from .positions import Doc, Located, LocatedList

__all__ = ["ALIAS_EXPANSION_LIMIT", "Stop", "kind", "parse_yaml"]

#: Nodes that aliases may add, in total, to one YAML document.  Real specs reuse a few
#: anchors; a "billion laughs" document needs millions.
ALIAS_EXPANSION_LIMIT = 100_000

_YamlLoader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

_T = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT = _T + "str", _T + "null", _T + "bool", _T + "int", _T + "float"
_MERGE = _T + "merge"
#: Scalars kept as the text written (dates stay strings, so the data stays JSON-like).
_AS_TEXT = {_STR, _T + "timestamp", _T + "binary", _T + "value", _MERGE}
_SEQ_TAGS = {None, "!", _T + "seq", _T + "omap", _T + "pairs"}
_MAP_TAGS = {None, "!", _T + "map", _T + "set"}
_NOKEY = object()
_MERGE_KEY = object()


class Stop(Exception):
    """Parsing stopped on a problem at (line, column)."""

    def __init__(self, message: str, line: int = 0, column: int = 0):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class _Frame:
    """An open mapping or list: its value, its pending key and where things are written."""

    __slots__ = (
        "value",
        "is_map",
        "flow",
        "key",
        "key_start",
        "key_end",
        "anchor",
        "start",
        "merges",
        "spans",
        "last_end",
    )

    def __init__(self, value: Any, is_map: bool, flow: bool, anchor: str | None, start: int):
        self.value = value
        self.is_map = is_map
        self.flow = flow
        self.key: Any = _NOKEY
        self.key_start = self.key_end = 0
        self.anchor = anchor
        self.start = start  # nodes counted before it (for an anchor's size)
        self.merges: list[Any] | None = None
        self.spans: Any = []  # a list of offsets (packed at the end), or a dict after a repeated key
        self.last_end = value.start  # where a merge key's value ends (the spans say the rest)


def kind(value: Any) -> str:
    """What a value is, in words."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


def parse_yaml(text: str, findings: list[integrity.Finding] | None = None) -> Any:
    """Build positioned data from YAML events.  Raises yaml.YAMLError or :class:`Stop`.

    With ``findings`` (reading a spec), duplicate keys (last wins) and lone surrogates are
    appended to it and an integer beyond 64 bits stops the parse.
    """
    loader = _YamlLoader(text)
    builder = _Builder(loader, Doc(text, "yaml"), strict=findings is not None)
    try:
        data = builder.build()
    finally:
        loader.dispose()
    if findings is not None:
        findings.extend(builder.duplicates)
        if integrity.may_hold_surrogates(text):
            findings.extend(integrity.surrogates(data, text))
    return data


def _put(top: _Frame, value: Any, start: int, end: int, duplicates: list[integrity.Finding]) -> None:
    """Set the pending key of mapping frame ``top`` (its value written at start..end)."""
    key, mapping, spans = top.key, top.value, top.spans
    if key in mapping:
        if type(spans) is not dict:  # the mapping's order no longer says which span is whose
            spans = top.spans = _by_key(mapping, spans)
        position = mapping.doc.position
        first, again = position(spans[key][0])[0], position(top.key_start)[0]
        duplicates.append(integrity.Finding(integrity.duplicate(key, first, again), again))
    mapping[key] = value
    if type(spans) is dict:
        spans[key] = (top.key_start, top.key_end, start, end)
    else:
        spans += (top.key_start, top.key_end, start, end)
    top.key = _NOKEY


def _by_key(mapping: Any, spans: list[int]) -> dict[Any, tuple[int, int, int, int]]:
    """A mapping's gathered spans (four a member, in its order) by key."""
    return {
        key: (spans[i], spans[i + 1], spans[i + 2], spans[i + 3]) for key, i in zip(mapping, range(0, len(spans), 4))
    }


def _bad_tag(tag: str) -> str:
    shown = "!!" + tag[len(_T) :] if tag.startswith(_T) else tag
    return f"YAML tag {shown} is not allowed in a spec: use plain mappings, lists, strings, numbers, booleans and null"


class _Builder:
    """Plain, positioned data from one document's events."""

    def __init__(self, loader: Any, doc: Doc, strict: bool) -> None:
        self.loader = loader
        self.doc = doc
        self.strict = strict
        self.duplicates: list[integrity.Finding] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.building: set[str] = set()
        self.count = 0  # nodes so far, aliases counted at their expanded size
        self.expanded = 0  # nodes added by aliases
        self.documents = 0
        self.root: Any = None
        self.tags: dict[str, str] = {}  # plain scalar -> resolved tag (keys repeat a lot)
        self.flat: list[int] = []  # every container's spans, packed into the document at the end

    def build(self) -> Any:
        """The document's data; the common event (a plain string) is handled inline."""
        get_event, check_event = self.loader.get_event, self.loader.check_event
        resolve, tags, stack, duplicates = self.loader.resolve, self.tags, self.stack, self.duplicates
        ScalarEvent, MapStart, SeqStart = ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent
        MapEnd, SeqEnd = ev.MappingEndEvent, ev.SequenceEndEvent
        while check_event():
            event = get_event()
            cls = type(event)
            if cls is not ScalarEvent:
                if cls is MapStart or cls is SeqStart:
                    self.open(event, cls is MapStart)
                elif cls is MapEnd or cls is SeqEnd:
                    self.close(event)
                else:
                    self.other(event)
                continue
            self.count += 1
            tag, value = event.tag, event.value
            if tag is None or tag == "!":
                if event.implicit[0]:
                    tag = tags.get(value)
                    if tag is None:
                        tag = tags[value] = resolve(ScalarNode, value, (True, False))
                else:
                    tag = _STR
            if tag != _STR or not stack or event.anchor is not None:
                self.scalar(event, tag, value)
                continue
            top = stack[-1]
            start, end = event.start_mark.index, event.end_mark.index
            if not top.is_map:
                top.value.append(value)
                spans = top.spans
                spans.append(start)
                spans.append(end)
            elif top.key is _NOKEY:
                top.key = value
                top.key_start, top.key_end = start, end
            elif top.key is _MERGE_KEY:
                self.add(value, event.start_mark.line + 1, start, end)  # reports the bad merge value
            else:
                _put(top, value, start, end, duplicates)
        self.doc.spans = array("i", self.flat)
        return self.root

    def add(self, value: Any, line: int, start: int, end: int, is_merge_key: bool = False) -> None:
        """Put a finished value where it belongs: the root, a list, a key or a member."""
        stack = self.stack
        if not stack:
            self.root = value
            return
        top = stack[-1]
        if not top.is_map:
            top.value.append(value)
            top.spans += (start, end)
        elif top.key is _NOKEY:
            if is_merge_key:
                top.key = _MERGE_KEY
            elif isinstance(value, (dict, list)):
                raise Stop(f"a mapping key must be a plain value, not {kind(value)}", line, 0)
            else:
                top.key = value
            top.key_start, top.key_end = start, end
        elif top.key is _MERGE_KEY:
            self.merge(top, value)
            top.last_end = end
        else:
            _put(top, value, start, end, self.duplicates)

    def merge(self, top: _Frame, value: Any) -> None:
        merges = top.merges if top.merges is not None else []
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                raise Stop(
                    "a '<<' merge key needs a mapping or a list of mappings "
                    f"(an alias such as *defaults), not {kind(item)}",
                    self.doc.position(top.key_start)[0],
                    0,
                )
            merges.append(item)
        top.merges = merges
        top.key = _NOKEY

    def scalar(self, event: Any, tag: str, text: str) -> None:
        """A scalar that is not a plain string of a collection: typed, anchored, or the root."""
        mark = event.start_mark
        where = (mark.line + 1, mark.column + 1)
        is_merge_key = False
        value: Any = text
        stack = self.stack
        if tag in _AS_TEXT:
            is_merge_key = tag == _MERGE and bool(stack) and stack[-1].is_map and stack[-1].key is _NOKEY
        elif tag == _NULL:
            value = None
        elif tag == _BOOL:
            try:
                value = self.loader.bool_values[text.lower()]
            except KeyError:
                raise Stop(f"{text!r} is not a YAML boolean", *where) from None
        elif tag == _INT or tag == _FLOAT:
            value = self.number(event, tag, where)
        else:
            raise Stop(_bad_tag(tag), *where)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        self.add(value, where[0], mark.index, event.end_mark.index, is_merge_key)

    def number(self, event: Any, tag: str, where: tuple[int, int]) -> Any:
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        text = event.value
        if tag == _FLOAT:
            try:
                return SourceFloat(text, self.loader.construct_yaml_float(node))
            except (ValueError, TypeError):
                raise Stop(f"{text!r} is not a YAML float", *where) from None
        try:
            value = self.loader.construct_yaml_int(node)
        except (ValueError, TypeError):
            if len(text) > 30 and text.lstrip("+-").replace("_", "").isdigit():
                raise Stop(integrity.out_of_range(text), *where) from None
            raise Stop(f"{text[:40]!r} is not a YAML int", *where) from None
        if self.strict and not integrity.in_range(value):
            raise Stop(integrity.out_of_range(text), *where)
        return value

    def other(self, event: Any) -> None:
        """Aliases and documents (the stream's other events say nothing about the data)."""
        cls = type(event)
        if cls is ev.AliasEvent:
            self.alias(event)
        elif cls is ev.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                mark = event.start_mark
                raise Stop(
                    f"a second YAML document starts at line {mark.line + 1}; a spec file holds "
                    "one sequence: remove the extra '---' or split the file",
                    mark.line + 1,
                    mark.column + 1,
                )

    def open(self, event: Any, is_map: bool) -> None:
        mark = event.start_mark
        if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
            raise Stop(_bad_tag(event.tag), mark.line + 1, mark.column + 1)
        self.count += 1
        value: Any = Located() if is_map else LocatedList()
        value.line, value.col = mark.line + 1, mark.column + 1
        value.start, value.doc = mark.index, self.doc
        if event.anchor is not None:
            self.building.add(event.anchor)
        self.stack.append(_Frame(value, is_map, bool(event.flow_style), event.anchor, self.count))

    def close(self, event: Any) -> None:
        frame = self.stack.pop()
        value = frame.value
        spans = frame.spans
        if frame.flow:
            end = event.end_mark.index
        elif type(spans) is dict:
            end = max([frame.last_end, *(span[3] for span in spans.values())])
        else:
            end = max(frame.last_end, spans[-1]) if spans else frame.last_end
        value.end = end
        if frame.merges:
            merged = Located()
            for m in reversed(frame.merges):  # the first listed wins, explicit keys win over all
                merged.update(m)
            merged.update(value)
            merged.line, merged.col, merged.start, merged.end = value.line, value.col, value.start, end
            # only the members written here have spans, by key (the merged order is not theirs)
            merged.doc, merged.spans = value.doc, spans if type(spans) is dict else _by_key(value, spans)
            value = merged
        elif type(spans) is dict:
            value.spans = spans
        else:
            flat = self.flat
            value.spans = len(flat)
            flat += spans
        if frame.anchor is not None:
            self.building.discard(frame.anchor)
            self.anchors[frame.anchor] = (value, self.count - frame.start + 1)
        self.add(value, value.line, value.start, end)

    def alias(self, event: Any) -> None:
        mark = event.start_mark
        line, col = mark.line + 1, mark.column + 1
        name = event.anchor
        if name in self.building:
            raise Stop(f"alias *{name} refers to a node that contains it (a recursive alias)", line, col)
        if name not in self.anchors:
            raise Stop(f"alias *{name} names no anchor: define &{name} before using it", line, col)
        value, size = self.anchors[name]
        self.expanded += size
        self.count += size
        if self.expanded > ALIAS_EXPANSION_LIMIT:
            raise Stop(
                f"YAML aliases expand to more than {ALIAS_EXPANSION_LIMIT:,} nodes "
                f"(at alias *{name}); a spec never needs that many: write the values out",
                line,
                col,
            )
        end = event.end_mark.index
        if isinstance(value, (dict, list)):  # a shallow copy placed at the alias: no members written here
            copy: Any = Located(value) if isinstance(value, dict) else LocatedList(value)
            copy.line, copy.col, copy.start, copy.end, copy.doc = line, col, mark.index, end, self.doc
            value = copy
        self.add(value, line, mark.index, end)
