"""What JSON and YAML parsers accept but a spec must not hold.

A parser that says "fine" is not enough for a spec that becomes node ids, telemetry
rows and SQLite integers:

- a **duplicate key** in one mapping: both parsers keep the last value and drop the
  first without a word (real specs have had ``"movements"`` twice);
- a **lone surrogate** (``"\\ud800"``): a string that is not Unicode, which no UTF-8
  file, log or database can hold;
- an **integer beyond 64 bits** (``beat: 99999999999999999999``, a 5,000-digit hex
  number): SQLite cannot store it and Python refuses to print one of over 4,300 digits.

Each finding is a :class:`Finding` with the line and column to look at; the parsers in
:mod:`.source` turn them into problems of the file, never exceptions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

#: Integers a spec may hold: SQLite's (and most JSON tools') signed 64-bit range.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

_SURROGATE = re.compile("[\ud800-\udfff]")
#: A \\u escape of a surrogate, preceded by an even number of backslashes (so it is an escape).
_SURROGATE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*(\\[uU]0{0,4}[dD][89a-fA-F][0-9a-fA-F]{2})")
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:]', re.S)


@dataclass(frozen=True)
class Finding:
    """One thing the parser accepted that a spec must not hold."""

    message: str
    line: int
    column: int = 0


def in_range(value: int) -> bool:
    """Whether an integer fits the signed 64-bit range specs are held to."""
    return INT_MIN <= value <= INT_MAX


def out_of_range(text: str) -> str:
    """The message for an integer written as ``text`` that does not fit 64 bits."""
    shown = text if len(text) <= 24 else f"{text[:12]}...{text[-6:]} ({len(text)} characters)"
    return (
        f"the integer {shown} does not fit in 64 bits (-2**63 .. 2**63-1); numbers in a spec must, "
        "so write it as a quoted string if it is a label"
    )


def duplicate(key: Any, first: int, again: int) -> str:
    return (
        f"duplicate key {key!r}: first at line {first}, again at line {again}; a mapping keeps only "
        "the last value, so the first would be lost: remove or rename one of them"
    )


# ------------------------------------------------------------------------------ JSON


def json_duplicates(text: str) -> list[Finding]:
    """Every key that repeats within one JSON object, with both lines (``text`` is valid JSON).

    One pass over strings and brackets; run only when the decoder saw a duplicate.
    """
    findings: list[Finding] = []
    stack: list[dict[str, tuple[int, int]] | None] = []
    pending: re.Match[str] | None = None  # the last string, a key if a ':' follows
    for m in _JSON_TOKEN.finditer(text):
        token = m.group()
        if token[0] == '"':
            pending = m
            continue
        if token == ":" and pending is not None and stack and stack[-1] is not None:
            key = json.loads(pending.group())
            line, column = _position(text, pending.start())
            seen = stack[-1]
            if key in seen:
                findings.append(Finding(duplicate(key, seen[key][0], line), line, column))
            seen[key] = (line, column)
        elif token == "{":
            stack.append({})
        elif token == "[":
            stack.append(None)
        elif token in "}]" and stack:
            stack.pop()
        pending = None
    return findings


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def json_int(digits: str) -> int:
    """``parse_int`` for the JSON decoder: an int, or :class:`IntegerOutOfRange`."""
    return int(digits) if len(digits) < 19 else _checked_int(digits)


def _checked_int(digits: str) -> int:
    if len(digits.lstrip("+-")) > 30:  # far beyond 64 bits: do not even convert it
        raise IntegerOutOfRange(digits)
    value = int(digits)
    if not in_range(value):
        raise IntegerOutOfRange(digits)
    return value


class IntegerOutOfRange(ValueError):
    """An integer literal beyond 64 bits (carries its text, to be found in the file)."""

    def __init__(self, text: str):
        super().__init__(out_of_range(text))
        self.text = text


def locate_number(text: str, digits: str) -> tuple[int, int]:
    """Where the number written as ``digits`` first stands outside a string (best effort)."""
    pattern = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(?<![\w.])' + re.escape(digits) + r"(?![\w.])", re.S)
    for m in pattern.finditer(text):
        if m.group()[0] != '"':
            return _position(text, m.start())
    return 0, 0


# ------------------------------------------------------------------------ surrogates


def may_hold_surrogates(text: str) -> bool:
    """Only an escape can put a surrogate into data parsed from valid UTF-8 text."""
    return ("\\u" in text or "\\U" in text) and _SURROGATE_ESCAPE.search(text) is not None


def surrogates(data: Any, text: str) -> list[Finding]:
    """A finding for the first string (key or value) of ``data`` holding a lone surrogate."""
    for value in _strings(data):
        m = _SURROGATE.search(value)
        if m is None:
            continue
        line, column = _surrogate_position(text)
        code = f"\\u{ord(m.group()):04x}"
        return [
            Finding(
                f"the string {_shorten(value)!r} holds a lone surrogate ({code}), which is not a Unicode "
                "character: no UTF-8 file or database can store it; remove the escape or write the whole "
                "character (a surrogate pair, or the character itself)",
                line,
                column,
            )
        ]
    return []


def _strings(data: Any) -> Iterator[str]:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str):
                    yield k
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)


def _surrogate_position(text: str) -> tuple[int, int]:
    """The first surrogate escape that is not the high half of a pair."""
    for m in _SURROGATE_ESCAPE.finditer(text):
        code = int(m.group(1)[2:], 16)
        after = text[m.end(1) : m.end(1) + 6]
        if 0xD800 <= code <= 0xDBFF and re.fullmatch(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}", after):
            continue  # a high surrogate followed by its low half: one whole character
        if 0xDC00 <= code <= 0xDFFF:
            before = text[max(0, m.start(1) - 6) : m.start(1)]
            if re.fullmatch(r"\\u[dD][89abAB][0-9a-fA-F]{2}", before):
                continue
        return _position(text, m.start(1))
    return 0, 0


def _shorten(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


__all__ = [
    "INT_MAX",
    "INT_MIN",
    "Finding",
    "IntegerOutOfRange",
    "duplicate",
    "in_range",
    "json_duplicates",
    "json_int",
    "locate_number",
    "may_hold_surrogates",
    "out_of_range",
    "surrogates",
]
