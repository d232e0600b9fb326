"""What a check reports: a :class:`Violation` at a :class:`Place`, with the :class:`Fix`
it would apply, and :class:`Checked`, the count of what was looked at (for scores).

Conventions:

* ``Place.path`` is a POSIX path, relative to the rootdir whenever the file is inside it.
* Lines and columns are 1-based; columns count Unicode code points (libcst's 0-based
  column + 1).  ``end_col`` is exclusive (the column just past the end, as in SARIF).
  A place that is a whole file is line 1, column 1.
* ``Place.pointer`` is an RFC 6901 JSON pointer into the spec (``""`` is the whole
  document); use :func:`json_pointer` to build one.
* ``Edit`` offsets index the file's decoded text (``str`` indices, code points), end
  exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping

from .codes import Dimension, FixSafety, Severity, lookup

__all__ = [
    "Place",
    "Edit",
    "Fix",
    "Violation",
    "Checked",
    "json_pointer",
    "apply_edits",
    "dedupe",
]


def json_pointer(*parts: object) -> str:
    """``json_pointer("movements", 0, "beats")`` -> ``"/movements/0/beats"`` (RFC 6901)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Place:
    path: str
    line: int = 1
    col: int = 1
    end_line: int | None = None
    end_col: int | None = None
    pointer: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", str(self.path).replace("\\", "/"))
        if self.line < 1 or self.col < 1:
            raise ValueError(f"{self.path}: line and column are 1-based, got {self.line}:{self.col}")
        if self.end_line is not None and self.end_line < self.line:
            raise ValueError(f"{self.path}: end_line {self.end_line} before line {self.line}")
        if self.end_col is not None and self.end_line is None:
            raise ValueError(f"{self.path}: end_col needs end_line")
        if self.end_line == self.line and self.end_col is not None and self.end_col < self.col:
            raise ValueError(f"{self.path}: end_col {self.end_col} before col {self.col}")
        if self.pointer is not None and self.pointer and not self.pointer.startswith("/"):
            raise ValueError(f"{self.path}: JSON pointer {self.pointer!r} must start with '/'")

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "pointer": self.pointer,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Place":
        return cls(
            data["path"],
            data.get("line", 1),
            data.get("col", 1),
            data.get("end_line"),
            data.get("end_col"),
            data.get("pointer"),
        )


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start_offset:end_offset]`` of ``path`` by ``replacement``."""

    path: str
    start_offset: int
    end_offset: int
    replacement: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", str(self.path).replace("\\", "/"))
        if not 0 <= self.start_offset <= self.end_offset:
            raise ValueError(f"{self.path}: bad edit range {self.start_offset}..{self.end_offset}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "start_offset": self.start_offset,
            "end_offset": self.end_offset,
            "replacement": self.replacement,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Edit":
        return cls(data["path"], data["start_offset"], data["end_offset"], data["replacement"])


#: How violations sort and deduplicate: path, line, col, code, message, pointer, sequence, beat.
ViolationKey = tuple[str, int, int, str, str, str, str, str]


@dataclass(frozen=True)
class Fix:
    """The fix a violation would apply.

    ``edits`` is ``None`` when the fix is computed later by the fixer (for instance a
    regenerated manifest); otherwise the exact text edits.
    """

    description: str
    safety: FixSafety
    edits: tuple[Edit, ...] | None = None

    def __post_init__(self) -> None:
        safety = FixSafety(self.safety) if isinstance(self.safety, str) else self.safety
        if safety is FixSafety.NONE:
            raise ValueError("a Fix is safe or unsafe; a violation without a fix has fix=None")
        object.__setattr__(self, "safety", safety)
        if self.edits is not None:
            object.__setattr__(self, "edits", tuple(self.edits))

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "safety": self.safety.value,
            "edits": None if self.edits is None else [e.to_dict() for e in self.edits],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Fix":
        edits = data.get("edits")
        return cls(
            data["description"],
            FixSafety(data["safety"]),
            None if edits is None else tuple(Edit.from_dict(e) for e in edits),
        )


@dataclass(frozen=True, init=False)
class Violation:
    """One problem found.  ``severity`` and ``dimension`` default from the code's catalog
    entry (built-in or plugin-registered); an unknown code must give both.

    ``sequence`` is the sequence id the problem belongs to, ``beat`` the beat's string
    id or, lacking one, its number as a string (spec suppressions match on these).
    """

    code: str
    message: str
    place: Place
    severity: Severity
    fix: Fix | None
    sequence: str | None
    beat: str | None
    dimension: Dimension

    def __init__(
        self,
        code: str,
        message: str,
        place: Place,
        severity: Severity | str | None = None,
        fix: Fix | None = None,
        sequence: str | None = None,
        beat: str | None = None,
        dimension: Dimension | str | None = None,
    ) -> None:
        entry = lookup(code)
        if severity is None:
            if entry is None:
                raise ValueError(f"unknown conformity code {code!r} needs a severity")
            severity = entry.severity
        if dimension is None:
            if entry is None:
                raise ValueError(f"unknown conformity code {code!r} needs a dimension")
            dimension = entry.dimension
        for name, value in (
            ("code", code),
            ("message", message),
            ("place", place),
            ("severity", Severity.parse(severity)),
            ("fix", fix),
            ("sequence", sequence),
            ("beat", beat),
            ("dimension", Dimension.parse(dimension)),
        ):
            object.__setattr__(self, name, value)

    @property
    def fix_safety(self) -> FixSafety:
        """The safety of this violation's own fix (``none`` when it carries none)."""
        return FixSafety.NONE if self.fix is None else self.fix.safety

    @property
    def key(self) -> ViolationKey:
        """Stable sort and deduplication key: place first, then code and message."""
        p = self.place
        return (
            p.path,
            p.line,
            p.col,
            self.code,
            self.message,
            p.pointer or "",
            self.sequence or "",
            self.beat or "",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "dimension": self.dimension.value,
            "message": self.message,
            "location": self.place.to_dict(),
            "sequence": self.sequence,
            "beat": self.beat,
            "fix_safety": self.fix_safety.value,
            "fix": None if self.fix is None else self.fix.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Violation":
        fix = data.get("fix")
        return cls(
            code=data["code"],
            message=data["message"],
            place=Place.from_dict(data["location"]),
            severity=Severity.parse(data["severity"]) if data.get("severity") else None,
            fix=None if fix is None else Fix.from_dict(fix),
            sequence=data.get("sequence"),
            beat=data.get("beat"),
            dimension=Dimension.parse(data["dimension"]) if data.get("dimension") else None,
        )


def dedupe(violations: Iterable[Violation]) -> list[Violation]:
    """Sorted by :attr:`Violation.key`, one violation per key (the first seen wins)."""
    seen: dict[ViolationKey, Violation] = {}
    for v in violations:
        seen.setdefault(v.key, v)
    return [seen[k] for k in sorted(seen)]


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits of one file to its text; overlapping edits raise."""
    ordered = sorted(edits, key=lambda e: (e.start_offset, e.end_offset))
    out: list[str] = []
    pos = 0
    for e in ordered:
        if e.start_offset < pos:
            raise ValueError(f"{e.path}: overlapping edits at offset {e.start_offset}")
        if e.end_offset > len(text):
            raise ValueError(f"{e.path}: edit ends at {e.end_offset}, past the text's end")
        out.append(text[pos : e.start_offset])
        out.append(e.replacement)
        pos = e.end_offset
    out.append(text[pos:])
    return "".join(out)


@dataclass
class Checked:
    """How many items each dimension's checks looked at.

    An item is one thing a check examined: a spec file, sequence, movement or beat
    (Orchestration); a handler function or a beat's path fields (Handler); a beat or scenario checked for links
    (Traceability); a policy, metric or locked file (Governance); an import or a
    requirement (Dependency).  Scores divide the violations' weight by these counts.
    """

    counts: dict[Dimension, int] = field(default_factory=dict)

    def add(self, dimension: Dimension | str, n: int = 1) -> "Checked":
        if n < 0:
            raise ValueError("checked counts are never negative")
        d = Dimension.parse(dimension)
        self.counts[d] = self.counts.get(d, 0) + n
        return self

    def __getitem__(self, dimension: Dimension | str) -> int:
        return self.counts.get(Dimension.parse(dimension), 0)

    def __iter__(self) -> Iterator[Dimension]:
        return iter(Dimension)

    def __add__(self, other: "Checked") -> "Checked":
        merged = Checked(dict(self.counts))
        for d, n in other.counts.items():
            merged.add(d, n)
        return merged

    def to_dict(self) -> dict[str, int]:
        return {d.value: self[d] for d in Dimension}

    @classmethod
    def of(cls, counts: Mapping[Dimension | str, int]) -> "Checked":
        c = cls()
        for d, n in counts.items():
            c.add(d, n)
        return c
