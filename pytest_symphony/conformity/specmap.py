"""Where a member of a spec mapping is written, as the checks place violations and fixes:
its key's line and column, and the text span of a scalar value (for exact fix edits).

The loader's positioned document (:mod:`pytest_symphony.score.positions`) knows every
member's key and value span; this only says them in a check's terms.  A value is offered
for an edit only when it is a scalar written in place: not a collection, an alias, an
anchored or tagged node, or a block scalar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..score.positions import doc_of, member_span, members_in_order

__all__ = ["Member", "SpecText"]

#: How a YAML value starts when replacing its text would change more than that value.
_NOT_IN_PLACE = tuple("[{|>&*!")


@dataclass(frozen=True, slots=True)
class Member:
    """A member's key position (1-based) and, for a scalar value, its text span."""

    line: int
    col: int
    value_start: int | None = None  # offsets into the text (code points), end exclusive
    value_end: int | None = None
    value_line: int = 0
    value_col: int = 0
    end_line: int | None = None
    end_col: int | None = None


class SpecText:
    """One spec file's text and the member positions of the data parsed from it."""

    def __init__(self, text: str, fmt: str) -> None:
        self.text = text
        self.fmt = fmt  # "json" or "yaml"
        self._same_docs: list[Any] = []  # documents known to be parsed from this text

    def member(self, mapping: Any, key: str) -> Member | None:
        """Where ``mapping[key]`` is written, or None (not read from this text, or merged in)."""
        doc = doc_of(mapping)
        if doc is None or not self._same(doc):
            return None
        span = member_span(mapping, key)
        if span is None:
            return None
        key_start, _, start, end = span
        line, col = doc.position(key_start)
        if isinstance(mapping.get(key), (dict, list)) or doc.text.startswith(_NOT_IN_PLACE, start):
            return Member(line, col)
        (value_line, value_col), (end_line, end_col) = doc.position(start), doc.position(end)
        return Member(line, col, start, end, value_line, value_col, end_line, end_col)

    def first_key(self, mapping: Any) -> int | None:
        """The offset of the first key written in ``mapping`` (None: none, or not this text's)."""
        doc = doc_of(mapping)
        if doc is None or not self._same(doc):
            return None
        members = members_in_order(mapping)
        return members[0][1][0] if members else None

    def place_of(self, mapping: Any, key: str | None = None) -> tuple[int, int]:
        """(line, col) of a member, else of the mapping, else (1, 1)."""
        if key is not None:
            found = self.member(mapping, key)
            if found is not None:
                return found.line, found.col
        line = getattr(mapping, "line", 0) or 1
        return line, max(1, getattr(mapping, "col", 1) or 1)

    def _same(self, doc: Any) -> bool:
        """Whether ``doc`` was parsed from this text (offsets into another would be wrong)."""
        if any(known is doc for known in self._same_docs):
            return True
        if doc.text == self.text:
            self._same_docs.append(doc)
            return True
        return False
