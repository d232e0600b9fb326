"""Spec files to plain data that remembers where every mapping and list came from.

``read_source`` turns a path into a :class:`Source`: the file's bytes, and either the
top-level mapping or the problems that stopped it.  Mappings come back as
:class:`Located` (a ``dict`` with ``line``/``col``), lists as :class:`LocatedList` (a
``list`` with ``line``/``col`` and the line of each item), both 1-based.  Nothing here
raises for bad input: an unreadable, oversized, non-UTF-8, empty or malformed file gives
a :class:`~pytest_symphony.score.model.SpecProblem` with the line and column to look at.

JSON goes through the C decoder; one pass over the text finds every '{' and '[' outside
strings, which pairs them with the containers in document order (a file with a
duplicated key, where that pairing breaks, goes through the stdlib's pure-Python scanner
with its object and array parsers wrapped instead).  YAML goes through libyaml
(``CSafeLoader``'s parser, else the pure-Python ``SafeLoader``) at the event level and is
built here: only plain data (no ``yaml.load``, no Python tags), merge keys honoured, and
aliases charged to an expansion budget so an alias bomb stops at once with the alias's
line instead of eating memory downstream.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from json.decoder import JSONDecodeError, JSONObject
from json.scanner import py_make_scanner
from typing import Any

import yaml
from yaml import events as ev
from yaml.nodes import ScalarNode

from . import integrity
from .model import SpecProblem

#: Spec file suffixes this package loads.
SPEC_SUFFIXES: tuple[str, ...] = (".json", ".yaml", ".yml")

#: Nodes that aliases may add, in total, to one YAML document.  Real specs reuse a few
#: anchors; a "billion laughs" document needs millions.
ALIAS_EXPANSION_LIMIT = 100_000

_YamlLoader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


class Located(dict):
    """A mapping from a spec file, with the 1-based line and column where it starts."""

    __slots__ = ("line", "col")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.col = 0


class LocatedList(list):
    """A list from a spec file: where it starts, and the line of each item."""

    __slots__ = ("line", "col", "item_lines")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = 0
        self.col = 0
        self.item_lines: list[int] = []


class SourceFloat(float):
    """A float that remembers how it was written, so ``version: 1.10`` stays "1.10"."""

    __slots__ = ("text",)

    def __new__(cls, text: str, value: float | None = None) -> "SourceFloat":
        obj = super().__new__(cls, float(text) if value is None else value)
        obj.text = text
        return obj


def line_of(obj: Any, default: int = 0) -> int:
    """The line a parsed mapping or list starts on, else ``default``."""
    return getattr(obj, "line", default) or default


def item_line(container: Any, index: int, default: int = 0) -> int:
    """The line of item ``index`` of a parsed list (its own line if it has one)."""
    try:
        item = container[index]
    except (IndexError, KeyError, TypeError):
        return default
    line = getattr(item, "line", 0)
    if line:
        return line
    lines = getattr(container, "item_lines", None)
    if lines and index < len(lines):
        return lines[index]
    return line_of(container, default)


@dataclass(frozen=True)
class Source:
    """One spec file read and parsed: ``data`` is the top-level mapping, or None."""

    path: str
    content: bytes
    data: Located | None
    problems: tuple[SpecProblem, ...] = ()


class _Stop(Exception):
    """Internal: parsing stopped on a problem (never escapes this module)."""

    def __init__(self, message: str, line: int = 0, column: int = 0):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


# ---------------------------------------------------------------------------- reading


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def _too_big(size: int, limit: int) -> str:
    return (
        f"file is {_size(size)}, over the {_size(limit)} limit for spec files "
        "(ini symphony_max_spec_bytes); split it"
    )


def read_bytes(path: str | os.PathLike, display: str, max_bytes: int) -> tuple[bytes | None, SpecProblem | None]:
    """The file's bytes, refusing (by its size, before reading) anything over ``max_bytes``."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            return None, SpecProblem(display, f"cannot read the spec file: it is {what}")
        if st.st_size > max_bytes:
            return None, SpecProblem(display, _too_big(st.st_size, max_bytes))
        with open(path, "rb") as f:
            content = f.read(max_bytes + 1)  # a file that grew since the stat stops here too
    except OSError as e:
        reason = e.strerror or type(e).__name__
        return None, SpecProblem(display, f"cannot read the spec file: {reason}")
    if len(content) > max_bytes:
        return None, SpecProblem(display, _too_big(len(content), max_bytes))
    return content, None


def decode(content: bytes, display: str) -> tuple[str | None, SpecProblem | None]:
    """Strict UTF-8 (a BOM is accepted and dropped), else where the first bad byte is."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, SpecProblem(display, "file is UTF-16 encoded; save the file as UTF-8", 1, 1)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        start = e.start
        line = content.count(b"\n", 0, start) + 1
        line_start = content.rfind(b"\n", 0, start) + 1
        bom = 3 if line == 1 and content.startswith(b"\xef\xbb\xbf") else 0
        column = len(content[line_start + bom : start].decode("utf-8", "replace")) + 1
        bad = content[start]
        return None, SpecProblem(
            display,
            f"file is not valid UTF-8 (byte 0x{bad:02x} at line {line}, column {column}); "
            "save the file as UTF-8",
            line,
            column,
        )
    return text, None


# ------------------------------------------------------------------------------ lines


class _LineCounter:
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


# ------------------------------------------------------------------------------- JSON

_WS = re.compile(r"[ \t\n\r]*")
_WS_CHARS = " \t\n\r"
_ESCAPE = re.compile(r"\\.", re.S)
_OPENER = re.compile(r"[\[{]")
_SCALAR_ITEM = re.compile(r'[\s,]*("[^"\\]*(?:\\.[^"\\]*)*"|[^\s,\]]+)')


def _opener_positions(text: str) -> list[int]:
    """Offsets of every '{' and '[' outside strings, in order (for valid JSON).

    All in C: escapes are neutralised (same length), the text is split on quotes (odd
    parts are string contents), brackets inside strings are blanked, and the joined
    text is searched.  No Python step per string.
    """
    masked = _ESCAPE.sub("__", text) if "\\" in text else text
    parts = masked.split('"')
    inside = '"'.join(parts[1::2])
    if "[" in inside or "{" in inside:
        parts[1::2] = _OPENER.sub(" ", inside).split('"')
        masked = '"'.join(parts)
    return [m.start() for m in _OPENER.finditer(masked)]


class _DuplicateKey(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> Located:
    obj = Located(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKey
    return obj


def parse_json(text: str, findings: list[integrity.Finding] | None = None) -> Any:
    """Decode JSON so that every object is :class:`Located` and every array :class:`LocatedList`.

    The C decoder builds the data; one regex pass finds every '{' and '[' outside
    strings, which in document order are exactly the containers in pre-order, so a walk
    hands each its position.  A duplicated key would break that pairing (the dropped
    value's brackets are still in the text), so such files go through the pure-Python
    scanner instead (last wins).  With ``findings`` (reading a spec), duplicate keys and
    lone surrogates are appended to it and an integer beyond 64 bits raises
    :class:`~.integrity.IntegerOutOfRange`; other readers get the data as JSON has it.
    Raises JSONDecodeError/RecursionError/ValueError.
    """
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


def _locate(text: str, data: Any) -> Any:
    """Give every container of ``data`` (decoded from ``text``) its line and column."""
    openers = iter(_opener_positions(text))
    where = _LineCounter(text)
    root: Any = None
    stack: list[tuple[Any, Any, Any]] = [(None, None, data)]
    pop = stack.pop
    while stack:
        parent, key, value = pop()
        pos = next(openers)
        if type(value) is list:
            value = LocatedList(value)
            if parent is None:
                root = value
            else:
                parent[key] = value
            value.line, value.col = where(pos)
            children = [(value, i, v) for i, v in enumerate(value) if isinstance(v, (dict, list))]
            if not children and value:  # scalars only: their lines, from one short scan
                lines = value.item_lines
                at = pos + 1
                for _ in range(len(value)):
                    m = _SCALAR_ITEM.match(text, at)
                    lines.append(where(m.start(1))[0])
                    at = m.end()
        else:
            if parent is None:
                root = value
            value.line, value.col = where(pos)
            children = [(value, k, v) for k, v in value.items() if isinstance(v, (dict, list))]
        if children:
            children.reverse()
            stack.extend(children)
    return root


def parse_json_scanner(text: str, parse_int: Any = None) -> Any:
    """:func:`parse_json` through the pure-Python scanner (slower; duplicate keys: last wins)."""
    where = _LineCounter(text)

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo):
        line, col = where(s_and_end[1] - 1)
        obj, end = JSONObject(s_and_end, strict, scan_once, object_hook, Located, memo)
        obj.line, obj.col = line, col
        return obj, end

    def parse_array(s_and_end, scan_once, _w=_WS.match, _ws=_WS_CHARS):
        s, end = s_and_end
        values = LocatedList()
        values.line, values.col = where(end - 1)
        lines = values.item_lines
        nextchar = s[end : end + 1]
        if nextchar in _ws:
            end = _w(s, end + 1).end()
            nextchar = s[end : end + 1]
        if nextchar == "]":
            return values, end + 1
        append = values.append
        while True:
            lines.append(where(end)[0])
            try:
                value, end = scan_once(s, end)
            except StopIteration as err:
                raise JSONDecodeError("Expecting value", s, err.value) from None
            append(value)
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
        return values, end

    decoder = json.JSONDecoder(parse_float=SourceFloat, parse_int=parse_int)
    decoder.parse_object = parse_object
    decoder.parse_array = parse_array
    decoder.scan_once = py_make_scanner(decoder)
    return decoder.decode(text)


# ------------------------------------------------------------------------------- YAML

_T = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT = _T + "str", _T + "null", _T + "bool", _T + "int", _T + "float"
_MERGE = _T + "merge"
#: Scalars kept as the text written (dates stay strings, so the data stays JSON-like).
_AS_TEXT = {_STR, _T + "timestamp", _T + "binary", _T + "value", _MERGE}
_SEQ_TAGS = {None, "!", _T + "seq", _T + "omap", _T + "pairs"}
_MAP_TAGS = {None, "!", _T + "map", _T + "set"}
_NOKEY = object()
_MERGE_KEY = object()


class _Frame:
    __slots__ = ("value", "is_map", "key", "key_line", "anchor", "start", "merges", "key_lines")

    def __init__(self, value: Any, is_map: bool, anchor: str | None, start: int):
        self.value = value
        self.is_map = is_map
        self.key: Any = _NOKEY
        self.key_line = 0
        self.anchor = anchor
        self.start = start
        self.merges: list[Any] | None = None
        self.key_lines: dict[Any, int] = {}  # where each key of a mapping was written


def _kind(value: Any) -> str:
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
    """Build plain data from YAML events.  Raises yaml.YAMLError or _Stop.

    With ``findings`` (reading a spec), duplicate keys (last wins) and lone surrogates are
    appended to it and an integer beyond 64 bits stops the parse.
    """
    loader = _YamlLoader(text)
    duplicates: list[integrity.Finding] = []
    try:
        data = _build_yaml(loader, duplicates, strict=findings is not None)
    finally:
        loader.dispose()
    if findings is not None:
        findings.extend(duplicates)
        findings.extend(_surrogates(data, text))
    return data


def _put(top: _Frame, value: Any, duplicates: list[integrity.Finding]) -> None:
    """Set the pending key of mapping frame ``top``, noting a key written twice."""
    key, mapping = top.key, top.value
    if key in mapping:
        first = top.key_lines.get(key, 0)
        duplicates.append(integrity.Finding(integrity.duplicate(key, first, top.key_line), top.key_line))
    mapping[key] = value
    top.key_lines[key] = top.key_line
    top.key = _NOKEY


def _yaml_int(loader: Any, node: ScalarNode, mark: Any, strict: bool) -> int:
    """A YAML int (``strict``: within 64 bits), else _Stop at its place."""
    text = node.value
    try:
        value = loader.construct_yaml_int(node)
    except (ValueError, TypeError):
        if len(text) > 30 and text.lstrip("+-").replace("_", "").isdigit():
            raise _Stop(integrity.out_of_range(text), mark.line + 1, mark.column + 1) from None
        raise _Stop(f"{text[:40]!r} is not a YAML int", mark.line + 1, mark.column + 1) from None
    if strict and not integrity.in_range(value):
        raise _Stop(integrity.out_of_range(text), mark.line + 1, mark.column + 1)
    return value


def _build_yaml(loader: Any, duplicates: list[integrity.Finding], strict: bool) -> Any:
    resolve = loader.resolve
    get_event = loader.get_event
    check_event = loader.check_event
    bools = loader.bool_values
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    building: set[str] = set()
    count = 0  # nodes so far, aliases counted at their expanded size
    expanded = 0  # nodes added by aliases
    documents = 0
    root: Any = None
    ScalarEvent, AliasEvent = ev.ScalarEvent, ev.AliasEvent
    SeqStart, SeqEnd = ev.SequenceStartEvent, ev.SequenceEndEvent
    MapStart, MapEnd = ev.MappingStartEvent, ev.MappingEndEvent
    DocStart = ev.DocumentStartEvent

    def add(value: Any, line: int, is_merge_key: bool = False) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        top = stack[-1]
        if not top.is_map:
            top.value.append(value)
            top.value.item_lines.append(line)
        elif top.key is _NOKEY:
            if is_merge_key:
                top.key = _MERGE_KEY
            elif isinstance(value, (dict, list)):
                raise _Stop(
                    f"a mapping key must be a plain value, not {_kind(value)}", line, 0
                )
            else:
                top.key = value
            top.key_line = line
        elif top.key is _MERGE_KEY:
            merges = top.merges if top.merges is not None else []
            items = value if isinstance(value, list) else [value]
            for item in items:
                if not isinstance(item, dict):
                    raise _Stop(
                        "a '<<' merge key needs a mapping or a list of mappings "
                        f"(an alias such as *defaults), not {_kind(item)}",
                        top.key_line,
                        0,
                    )
                merges.append(item)
            top.merges = merges
            top.key = _NOKEY
        else:
            _put(top, value, duplicates)

    tags: dict[str, str] = {}  # plain scalar -> resolved tag (keys repeat a lot)
    while check_event():
        event = get_event()
        cls = type(event)
        if cls is ScalarEvent:
            count += 1
            tag = event.tag
            value = event.value
            if tag is None or tag == "!":
                if event.implicit[0]:
                    tag = tags.get(value)
                    if tag is None:
                        tag = tags[value] = resolve(ScalarNode, value, (True, False))
                else:
                    tag = _STR
            if tag == _STR and stack and event.anchor is None:  # the common case, inline
                top = stack[-1]
                if not top.is_map:
                    top.value.append(value)
                    top.value.item_lines.append(event.start_mark.line + 1)
                elif top.key is _NOKEY:
                    top.key = value
                    top.key_line = event.start_mark.line + 1
                elif top.key is _MERGE_KEY:
                    add(value, event.start_mark.line + 1)  # reports the bad merge value
                else:
                    _put(top, value, duplicates)
                continue
            mark = event.start_mark
            is_merge_key = False
            if tag in _AS_TEXT:
                is_merge_key = tag == _MERGE and bool(stack) and stack[-1].is_map and stack[-1].key is _NOKEY
            elif tag == _NULL:
                value = None
            elif tag == _BOOL:
                try:
                    value = bools[value.lower()]
                except KeyError:
                    raise _Stop(f"{value!r} is not a YAML boolean", mark.line + 1, mark.column + 1) from None
            elif tag == _INT or tag == _FLOAT:
                node = ScalarNode(tag, value, mark, event.end_mark)
                if tag == _INT:
                    value = _yaml_int(loader, node, mark, strict)
                else:
                    try:
                        value = SourceFloat(value, loader.construct_yaml_float(node))
                    except (ValueError, TypeError):
                        raise _Stop(f"{value!r} is not a YAML float", mark.line + 1, mark.column + 1) from None
            else:
                raise _Stop(_bad_tag(tag), mark.line + 1, mark.column + 1)
            if event.anchor is not None:
                anchors[event.anchor] = (value, 1)
            add(value, mark.line + 1, is_merge_key)
        elif cls is MapStart or cls is SeqStart:
            mark = event.start_mark
            is_map = cls is MapStart
            if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                raise _Stop(_bad_tag(event.tag), mark.line + 1, mark.column + 1)
            count += 1
            value = Located() if is_map else LocatedList()
            value.line, value.col = mark.line + 1, mark.column + 1
            if event.anchor is not None:
                building.add(event.anchor)
            stack.append(_Frame(value, is_map, event.anchor, count))
        elif cls is MapEnd or cls is SeqEnd:
            frame = stack.pop()
            value = frame.value
            if frame.merges:
                merged = Located()
                for m in reversed(frame.merges):  # the first listed wins, explicit keys win over all
                    merged.update(m)
                merged.update(value)
                merged.line, merged.col = value.line, value.col
                value = merged
            if frame.anchor is not None:
                building.discard(frame.anchor)
                anchors[frame.anchor] = (value, count - frame.start + 1)
            add(value, value.line)
        elif cls is AliasEvent:
            mark = event.start_mark
            line, col = mark.line + 1, mark.column + 1
            name = event.anchor
            if name in building:
                raise _Stop(f"alias *{name} refers to a node that contains it (a recursive alias)", line, col)
            if name not in anchors:
                raise _Stop(f"alias *{name} names no anchor: define &{name} before using it", line, col)
            value, size = anchors[name]
            expanded += size
            count += size
            if expanded > ALIAS_EXPANSION_LIMIT:
                raise _Stop(
                    f"YAML aliases expand to more than {ALIAS_EXPANSION_LIMIT:,} nodes "
                    f"(at alias *{name}); a spec never needs that many: write the values out",
                    line,
                    col,
                )
            if isinstance(value, dict):  # a shallow copy, so it carries the alias's place
                copy: Any = Located(value)
            elif isinstance(value, list):
                copy = LocatedList(value)
                copy.item_lines = list(value.item_lines)
            else:
                copy = None
            if copy is not None:
                copy.line, copy.col = line, col
                value = copy
            add(value, line)
        elif cls is DocStart:
            documents += 1
            if documents > 1:
                mark = event.start_mark
                raise _Stop(
                    f"a second YAML document starts at line {mark.line + 1}; a spec file holds "
                    "one sequence: remove the extra '---' or split the file",
                    mark.line + 1,
                    mark.column + 1,
                )
    return root


def _bad_tag(tag: str) -> str:
    shown = "!!" + tag[len(_T):] if tag.startswith(_T) else tag
    return (
        f"YAML tag {shown} is not allowed in a spec: use plain mappings, lists, strings, "
        "numbers, booleans and null"
    )


# ---------------------------------------------------------------------------- entry


def _yaml_problem(display: str, e: yaml.YAMLError, text: str) -> SpecProblem:
    problem = getattr(e, "problem", None)
    if isinstance(e, yaml.reader.ReaderError):  # a character YAML forbids
        char = e.character
        code = ord(char) if isinstance(char, str) else int(char)
        pos = e.position
        if e.encoding == "?":  # libyaml counts bytes of the UTF-8 text
            pos = len(text.encode("utf-8")[:pos].decode("utf-8", "ignore"))
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return SpecProblem(
            display,
            f"invalid YAML: the control character #x{code:02x} is not allowed; remove it",
            line,
            column,
        )
    if not problem:
        return SpecProblem(display, " ".join(f"invalid YAML: {e}".split()))
    message = f"invalid YAML: {problem}"
    context, cmark = getattr(e, "context", None), getattr(e, "context_mark", None)
    if context:
        message += f" ({context}" + (f" at line {cmark.line + 1})" if cmark is not None else ")")
    mark = getattr(e, "problem_mark", None) or cmark
    if mark is None:
        return SpecProblem(display, message)
    return SpecProblem(display, message, mark.line + 1, mark.column + 1)


def parse_text(text: str, display: str, fmt: str) -> tuple[Any, SpecProblem | None]:
    """Parse ``text`` as "json" or "yaml"; (data, None) or (None, the first problem)."""
    data, problems = parse_checked(text, display, fmt)
    return data, (problems[0] if problems else None)


def parse_checked(text: str, display: str, fmt: str) -> tuple[Any, tuple[SpecProblem, ...]]:
    """Parse ``text`` as "json" or "yaml" and hold it to what a spec may contain.

    (data, ()) or (None, problems): a syntax error, or every duplicate key, a lone
    surrogate, an integer beyond 64 bits (see :mod:`.integrity`).
    """
    findings: list[integrity.Finding] = []
    try:
        data = parse_json(text, findings) if fmt == "json" else parse_yaml(text, findings)
    except JSONDecodeError as e:
        return None, (SpecProblem(display, _json_message(e), e.lineno, e.colno),)
    except integrity.IntegerOutOfRange as e:
        line, column = integrity.locate_number(text, e.text)
        return None, (SpecProblem(display, str(e), line, column),)
    except _Stop as e:
        return None, (SpecProblem(display, e.message, e.line, e.column),)
    except yaml.YAMLError as e:
        return None, (_yaml_problem(display, e, text),)
    except RecursionError:
        return None, (SpecProblem(display, f"invalid {fmt.upper()}: nested too deeply; flatten the file"),)
    except (ValueError, TypeError, OverflowError, MemoryError) as e:
        return None, (SpecProblem(display, f"invalid {fmt.upper()}: {e}"),)
    if findings:
        findings.sort(key=lambda f: (f.line, f.column))
        return None, tuple(SpecProblem(display, f.message, f.line, f.column) for f in findings)
    return data, ()


def _json_message(e: JSONDecodeError) -> str:
    """The decoder's whole message: "Unterminated string starting at line 3 column 9", never "... at"."""
    where = f"line {e.lineno} column {e.colno}"
    if e.msg.endswith(" at"):
        return f"invalid JSON: {e.msg} {where}"
    return f"invalid JSON: {e.msg} at {where}"


def format_of(path: str | os.PathLike, text: str) -> str:
    """"json" or "yaml" by suffix; by the first character for any other suffix."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


def read_source(path: str | os.PathLike, *, display: str, max_bytes: int) -> Source:
    """Read, decode and parse one spec file; never raises for bad input."""
    content, problem = read_bytes(path, display, max_bytes)
    if content is None:
        return Source(display, b"", None, (problem,) if problem else ())
    text, problem = decode(content, display)
    if text is None:
        return Source(display, content, None, (problem,) if problem else ())
    if not text.strip():
        return Source(display, content, None, (SpecProblem(display, _EMPTY, 1, 1),))
    data, problems = parse_checked(text, display, format_of(path, text))
    if problems:
        return Source(display, content, None, problems)
    if data is None:  # a YAML file of comments only
        return Source(display, content, None, (SpecProblem(display, _EMPTY, 1, 1),))
    if not isinstance(data, dict):
        line, col = getattr(data, "line", 1), getattr(data, "col", 1)
        return Source(
            display,
            content,
            None,
            (
                SpecProblem(
                    display,
                    f"the top level is {_kind(data)}; a spec is a mapping with an id and "
                    "movements (id: ..., movements: [...])",
                    line or 1,
                    col or 1,
                ),
            ),
        )
    return Source(display, content, data)


_EMPTY = "file is empty: a spec needs at least an id and movements"

__all__ = [
    "ALIAS_EXPANSION_LIMIT",
    "Located",
    "LocatedList",
    "SourceFloat",
    "SPEC_SUFFIXES",
    "Source",
    "item_line",
    "line_of",
    "parse_checked",
    "parse_json",
    "parse_text",
    "parse_yaml",
    "read_source",
]
