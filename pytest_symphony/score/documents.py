"""Where a loaded sequence's raw spec mappings are reached: held, or parsed again on demand.

``Sequence.raw``, ``Movement.raw`` and ``Beat.raw`` are the positioned mappings a spec was
read from (unknown fields, lines and spans, for conformity's messages and the fixer's
edits).  A run never reads them after collection (what it needs is a field of the model),
so by default a loaded sequence does not hold them: each node names its
:class:`SpecText` (the text, its format and hash) and its place, and a reader that asks
gets the mapping from the shared parse (:mod:`.cache`), parsed again from that same text
if the session no longer holds it.  Same text, same parse, same spans: nothing is lost.

A session whose checker will read them (:func:`~.cache.keep_documents`) and a direct call
of :func:`~.normalize.normalize` hold them instead (:class:`HeldDocument`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import EMPTY
from .source import parse_checked

#: Keys that may hold a movement's beat list, in order of preference.
BEAT_LIST_KEYS = ("beats", "steps", "sequence")


def unwrap(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The mapping inside a ``musicalSequence`` wrapper (its siblings kept), else ``data``."""
    wrapped = data.get("musicalSequence")
    if not isinstance(wrapped, Mapping):
        return data
    if len(data) > 1:  # keep the wrapper's siblings too; the inner mapping's keys win
        inner: dict[str, Any] = type(wrapped)(data) if isinstance(wrapped, dict) else dict(data)
        del inner["musicalSequence"]
        inner.update(wrapped)
        for attr in ("line", "col"):
            if hasattr(wrapped, attr):
                setattr(inner, attr, getattr(wrapped, attr))
        wrapped = inner
    return wrapped


def beat_list_key(node: Mapping[str, Any]) -> str | None:
    """The key a movement's beats are read from: the first of :data:`BEAT_LIST_KEYS` holding a
    non-empty list; None when none does."""
    for key in BEAT_LIST_KEYS:
        value = node.get(key)
        if isinstance(value, list) and value:
            return key
    return None


def beat_items(node: Mapping[str, Any]) -> list[Any]:
    """A movement's beat list (under :func:`beat_list_key`), else an empty one."""
    key = beat_list_key(node)
    if key is None:
        return []
    items: list[Any] = node[key]
    return items


def _nth(items: Any, index: int) -> Mapping[str, Any]:
    if isinstance(items, list) and 0 <= index < len(items) and isinstance(items[index], Mapping):
        found: Mapping[str, Any] = items[index]
        return found
    return EMPTY  # a malformed item: only ever in a sequence with problems, which never loads


class RawDocument:
    """A sequence's top-level mapping and the way to each movement's and beat's mapping in it."""

    __slots__ = ()

    def root(self) -> Mapping[str, Any]:
        raise NotImplementedError

    def movement(self, index: int) -> Mapping[str, Any]:
        return _nth(self.root().get("movements"), index)

    def beat(self, movement: int, index: int) -> Mapping[str, Any]:
        return _nth(beat_items(self.movement(movement)), index)


class HeldDocument(RawDocument):
    """The top-level mapping itself, held for the session."""

    __slots__ = ("data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def root(self) -> Mapping[str, Any]:
        return self.data


class SpecText(RawDocument):
    """The text a sequence was loaded from: its mappings parsed again when asked for."""

    __slots__ = ("text", "fmt", "sha256", "display")

    def __init__(self, text: str, fmt: str, sha256: str, display: str) -> None:
        self.text, self.fmt, self.sha256, self.display = text, fmt, sha256, display

    def root(self) -> Mapping[str, Any]:
        data, problems = parse_checked(self.text, self.display, self.fmt, sha256=self.sha256)
        if problems or not isinstance(data, Mapping):  # the text loaded once: it parses the same way again
            raise RuntimeError(f"{self.display}: the spec text no longer parses as it did")
        return unwrap(data)


__all__ = ["BEAT_LIST_KEYS", "HeldDocument", "RawDocument", "SpecText", "beat_items", "beat_list_key", "unwrap"]
