"""Where a member of a spec mapping is written: its key's line and column, and the text
span of a scalar value (for exact fix edits).

The loader keeps the line and column of every mapping and list; members are found from
there, in the mapping's own lines at its members' indentation (so a nested mapping's
member of the same name is never taken for it).  This is exact for specs written one
member per line, as JSON formatters and YAML write them; for a member that cannot be
found (a one-line object, say) the mapping's own position is used.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Member", "SpecText"]

_JSON_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*')
_JSON_SCALAR = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null')
_YAML_KEY = re.compile(r"(?:-\s+)*(?P<q>['\"]?)(?P<key>[^'\":#\s][^:#]*?|[^'\"]*)(?P=q)\s*:(?:\s+|$)")


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
    """One spec file's text, with line lookups."""

    def __init__(self, text: str, fmt: str) -> None:
        self.text = text
        self.fmt = fmt  # "json" or "yaml"
        self.starts = [0]
        for m in re.finditer(r"\n", text):
            self.starts.append(m.end())
        self.lines = text.split("\n")
        self._json_members: dict[tuple[int, int], dict[str, Member]] = {}

    def offset(self, line: int, col: int) -> int:
        """Offset of 1-based (line, col)."""
        line = max(1, min(line, len(self.starts)))
        return self.starts[line - 1] + max(0, col - 1)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    # -- members -------------------------------------------------------------------------
    def member(self, mapping: Any, key: str) -> Member | None:
        """Where ``mapping[key]`` is written, or None when it cannot be found."""
        line = getattr(mapping, "line", 0)
        col = getattr(mapping, "col", 0)
        if not line:
            return None
        if self.fmt == "json":
            return self._json_member(line, col, key)
        return self._yaml_member(line, col, key)

    def place_of(self, mapping: Any, key: str | None = None) -> tuple[int, int]:
        """(line, col) of a member, else of the mapping, else (1, 1)."""
        if key is not None:
            found = self.member(mapping, key)
            if found is not None:
                return found.line, found.col
        line = getattr(mapping, "line", 0) or 1
        return line, max(1, getattr(mapping, "col", 1) or 1)

    def _json_member(self, line: int, col: int, key: str) -> Member | None:
        members = self._json_members.get((line, col))
        if members is None:
            members = self._json_members[(line, col)] = self._scan_json_members(line, col)
        return members.get(key)

    def _scan_json_members(self, line: int, col: int) -> dict[str, Member]:
        """Every member of the JSON object at (line, col), the first of each name, in one pass
        (placing a file's violations then costs its length once, not once per violation)."""
        found: dict[str, Member] = {}
        start = self.offset(line, col)
        if not self.text.startswith("{", start):
            return found
        first = _JSON_KEY.search(self.text, start + 1)
        if first is None:
            return found
        first_line, first_col = self.position(first.start())
        inline = first_line == line
        # the mapping ends at the first later line indented less than its members
        for m in _JSON_KEY.finditer(self.text, start + 1):
            m_line, m_col = self.position(m.start())
            if inline:
                if m_line != line:
                    break
            elif m_col < first_col:
                break  # a key of an enclosing mapping: this one has ended
            elif m_col > first_col:
                continue  # a key of a nested mapping
            name = m.group(1)
            if "\\" in name:
                try:
                    name = json.loads(f'"{name}"')
                except ValueError:
                    continue
            if name in found:
                continue
            value = _JSON_SCALAR.match(self.text, m.end())
            if value is None:
                found[name] = Member(m_line, m_col)
                continue
            v_line, v_col = self.position(value.start())
            e_line, e_col = self.position(value.end())
            found[name] = Member(m_line, m_col, value.start(), value.end(), v_line, v_col, e_line, e_col)
        return found

    def _yaml_member(self, line: int, col: int, key: str) -> Member | None:
        for n in range(line, len(self.lines) + 1):
            text = self.lines[n - 1]
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            indent = len(text) - len(text.lstrip())
            if n > line and indent + 1 < col:
                return None
            at = col - 1 if n == line else indent
            if n > line and indent + 1 != col:
                continue
            m = _YAML_KEY.match(text, at)
            if m is None or m.group("key").strip() != key:
                continue
            key_col = m.start("key") + 1 - (1 if m.group("q") else 0)
            rest_start = m.end()
            rest = text[rest_start:]
            value = rest.split(" #", 1)[0].rstrip()
            if not value or value[0] in "[{|>&*!":
                return Member(n, key_col)
            start = self.starts[n - 1] + rest_start
            end = start + len(value)
            return Member(n, key_col, start, end, n, rest_start + 1, n, rest_start + 1 + len(value))
        return None
