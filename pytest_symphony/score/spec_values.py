"""Reading loose spec values as written: numbers, first-of-several keys, kinds in words.

Specs in the wild write a number as ``3``, ``3.0`` or ``"3"`` and a name under one of
several keys; these readers are what every part of normalizing shares, with
:class:`NormalizeContext`, where one file's structural problems are collected.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, TypeGuard

from .integrity import in_range
from .model import HandlerRef, SpecProblem
from .positions import item_line

_NUMERIC = re.compile(r"\s*[+-]?\d+\s*\Z")


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def as_int(value: Any) -> int | None:
    """An int from an int, an integral float, or a numeric string; else None."""
    if is_int(value):
        return value
    if isinstance(value, float) and value.is_integer() and in_range(int(value)):
        return int(value)
    if isinstance(value, str) and len(value) <= 40 and _NUMERIC.match(value):
        number = int(value)
        return number if in_range(number) else None  # a 30-digit "number" is a label
    return None


def integral(value: Any) -> Any:
    """1.0 -> 1; anything else as written (the schema judges it)."""
    if isinstance(value, float) and value.is_integer() and in_range(int(value)):
        return int(value)
    return value


def first_of(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = mapping.get(key)
        if value is not None:
            return value
    return None


def one_or_many(mapping: Mapping[str, Any], keys: tuple[str, ...], line: int) -> Iterator[tuple[str, Any, int]]:
    """``(key, item, line)`` for each item under any of ``keys``: a list's items at their own
    lines, a lone value as one item at ``line``."""
    for key in keys:
        value = mapping.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield key, item, item_line(value, i, line)
        else:
            yield key, value, line


def version_text(value: Any) -> Any:
    """A version as text: as written for a number (1.10 stays "1.10")."""
    if is_number(value):
        return getattr(value, "text", None) or str(value)
    return value


def kind_of(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if is_number(value):
        return "a number"
    if value is None:
        return "null"
    return "a string"


class NormalizeContext:
    """What normalizing one file needs: its path, its handler declarations, its problems."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[SpecProblem] = []
        self.declared: dict[str, HandlerRef] = {}

    def problem(self, pointer: str, message: str, line: int = 0, column: int = 0, *, warning: bool = False) -> None:
        where = pointer.lstrip("/")
        text = f"{where}: {message}" if where else message
        self.problems.append(SpecProblem(self.path, text, line, column, pointer, warning))
