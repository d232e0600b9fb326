"""What a suppression is (a comment or a spec member, its codes, where it applies) and
what applying them yields."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from ..violation import Place, Violation

#: The code set of a suppression that names no code: it silences every code.
ALL: frozenset[str] = frozenset({"*"})

SPEC_MEMBER = "x-symphony-ignore"


@dataclass(frozen=True)
class Suppression:
    """One suppression comment or spec member.

    ``place`` is where it is written.  For comments ``target_line`` is the line it
    silences (``None`` when no line follows an own-line comment).  For spec members
    ``pointer`` is the object it sits in (``""`` for the sequence), ``sequence`` the
    sequence id, ``beats`` the ids/numbers of the beats inside the object (``None`` for
    the sequence level: every beat).
    """

    kind: Literal["comment", "spec"]
    place: Place
    codes: frozenset[str]
    target_line: int | None = None
    pointer: str | None = None
    sequence: str | None = None
    beats: frozenset[str] | None = None

    @property
    def all_codes(self) -> bool:
        return self.codes == ALL

    @property
    def text(self) -> str:
        codes = "" if self.all_codes else ", ".join(sorted(self.codes))
        if self.kind == "comment":
            return f"# symphony: ignore[{codes}]" if codes else "# symphony: ignore"
        listed = [] if self.all_codes else sorted(self.codes)
        return f'"{SPEC_MEMBER}": {json.dumps(listed)}'

    def matches(self, v: Violation) -> bool:
        if not (self.all_codes or v.code in self.codes):
            return False
        if self.kind == "comment":
            return v.place.path == self.place.path and v.place.line == self.target_line
        return self._matches_spec(v)

    def _matches_spec(self, v: Violation) -> bool:
        assert self.pointer is not None
        if v.place.path == self.place.path:
            if self.pointer == "":
                return True
            p = v.place.pointer
            return p is not None and (p == self.pointer or p.startswith(self.pointer + "/"))
        if self.sequence is None or v.sequence != self.sequence:
            return False
        if self.beats is None:
            return True
        return v.beat is not None and v.beat in self.beats


@dataclass(frozen=True)
class UnusedSuppression:
    """A suppression (or one code in it) that silenced nothing, or that names an
    unknown code.  ``code`` is ``None`` for a code-less suppression."""

    suppression: Suppression
    code: str | None
    reason: Literal["unused", "unknown"]

    @property
    def place(self) -> Place:
        return self.suppression.place

    @property
    def message(self) -> str:
        if self.reason == "unknown":
            return f"suppression names unknown conformity code {self.code}"
        if self.code is None:
            return f"suppression {self.suppression.text} silences nothing"
        return f"suppression of {self.code} silences nothing"

    @property
    def key(self) -> tuple[str, int, int, str, str]:
        p = self.place
        return (p.path, p.line, p.col, self.code or "", self.reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "code": self.code,
            "message": self.message,
            "location": self.place.to_dict(),
        }


class SuppressionResult(NamedTuple):
    kept: list[Violation]
    suppressed: list[Violation]
    unused: list[UnusedSuppression]


def split_codes(raw: str | None) -> frozenset[str]:
    if raw is None:
        return ALL
    codes = frozenset(c.strip() for c in raw.split(",") if c.strip())
    return codes or ALL
