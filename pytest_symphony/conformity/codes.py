"""The conformity code catalog: the public contract, as code.

Every code the conformity engine can report is a :class:`Code` in :data:`CATALOG`.
The names never change once released: users put them in suppression comments, CI
filters and dashboards.  Each built-in code is declared by its check class
(:mod:`.checks`); ``scripts/gen_docs.py`` generates :mod:`.catalog` (the declarations
as data) and ``docs/codes.md`` from the check classes, and the suite keeps both current.

Plugins may add codes of their own through :func:`register_code`; they never enter
:data:`CATALOG` (which holds exactly the 45 built-in codes) and may not reuse a
built-in name.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterator, Mapping

from .catalog import ROWS

__all__ = [
    "Severity",
    "FixSafety",
    "Dimension",
    "Category",
    "Code",
    "CATALOG",
    "CATEGORY_TITLES",
    "CATEGORY_DIMENSION",
    "register_code",
    "unregister_code",
    "lookup",
    "all_codes",
    "is_known",
]


class Severity(enum.Enum):
    """How bad a violation is.  Ordered: ``INFO < MINOR < MAJOR < CRITICAL``."""

    INFO = "INFO"
    MINOR = "MINOR"
    MAJOR = "MAJOR"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: "str | Severity") -> "Severity":
        """``"major"``, ``"MAJOR"`` or ``Severity.MAJOR`` -> ``Severity.MAJOR``."""
        if isinstance(text, Severity):
            return text
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r}; expected one of {choices}") from None


_SEVERITY_RANK = {Severity.INFO: 0, Severity.MINOR: 1, Severity.MAJOR: 2, Severity.CRITICAL: 3}


class FixSafety(enum.Enum):
    """Ruff's model: ``safe`` fixes keep meaning and every piece of user content and are
    applied by ``--symphony-fix``; ``unsafe`` fixes are valid but may change behaviour or
    drop something and need ``--symphony-unsafe-fixes``; ``none``: reported only."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"

    def __str__(self) -> str:
        return self.value


class Dimension(enum.Enum):
    """The five conformity scores a code counts in."""

    ORCHESTRATION = "Orchestration"
    HANDLER = "Handler"
    GOVERNANCE = "Governance"
    TRACEABILITY = "Traceability"
    DEPENDENCY = "Dependency"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: "str | Dimension") -> "Dimension":
        if isinstance(text, Dimension):
            return text
        for d in cls:
            if d.value.lower() == str(text).strip().lower():
                return d
        raise ValueError(f"unknown dimension {text!r}")


class Category(enum.Enum):
    """Where a code's check lives (one check module per category)."""

    ORCHESTRATION = "orchestration"
    SEQUENCE = "sequence"
    HANDLER = "handler"
    TRACEABILITY = "traceability"
    GOVERNANCE = "governance"
    DEPENDENCY = "dependency"

    def __str__(self) -> str:
        return self.value


CATEGORY_TITLES: Mapping[Category, str] = MappingProxyType(
    {
        Category.ORCHESTRATION: "Orchestration",
        Category.SEQUENCE: "Sequence",
        Category.HANDLER: "Handler",
        Category.TRACEABILITY: "Traceability",
        Category.GOVERNANCE: "Governance",
        Category.DEPENDENCY: "Dependency",
    }
)

#: The dimension every built-in code of a category counts in.
CATEGORY_DIMENSION: Mapping[Category, Dimension] = MappingProxyType(
    {
        Category.ORCHESTRATION: Dimension.ORCHESTRATION,
        Category.SEQUENCE: Dimension.ORCHESTRATION,
        Category.HANDLER: Dimension.HANDLER,
        Category.TRACEABILITY: Dimension.TRACEABILITY,
        Category.GOVERNANCE: Dimension.GOVERNANCE,
        Category.DEPENDENCY: Dimension.DEPENDENCY,
    }
)

CODE_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")


@dataclass(frozen=True)
class Code:
    """One conformity code.

    ``summary`` says precisely when the code is reported; ``fix_summary`` what its fix
    does (``None`` when ``fix`` is ``FixSafety.NONE``).  A code with a fix may still be
    reported without one where the fix cannot apply to that instance (the summary says
    which); each violation carries the fix it would apply.
    """

    name: str
    category: Category
    dimension: Dimension
    severity: Severity
    fix: FixSafety
    summary: str
    fix_summary: str | None = None

    def __post_init__(self) -> None:
        if not CODE_NAME.match(self.name):
            raise ValueError(f"code name {self.name!r} must be UPPER_SNAKE_CASE")
        if (self.fix is FixSafety.NONE) != (self.fix_summary is None):
            raise ValueError(f"{self.name}: fix_summary must be given exactly when fix is safe or unsafe")


def _from_row(row: tuple[str, str, str, str, str, str | None]) -> Code:
    name, category, severity, fix, summary, fix_summary = row
    kind = Category(category)
    return Code(name, kind, CATEGORY_DIMENSION[kind], Severity(severity), FixSafety(fix), summary, fix_summary)


#: The 45 built-in codes, by name, in catalog order (grouped by category).
CATALOG: dict[str, Code] = {row[0]: _from_row(row) for row in ROWS}
assert len(CATALOG) == len(ROWS), "duplicate code name in the catalog"

_PLUGIN_CODES: dict[str, Code] = {}


def register_code(code: Code) -> Code:
    """Add a plugin's code.  Re-registering an identical code is a no-op."""
    if code.name in CATALOG:
        raise ValueError(f"{code.name} is a built-in conformity code")
    existing = _PLUGIN_CODES.get(code.name)
    if existing is not None and existing != code:
        raise ValueError(f"conformity code {code.name} is already registered differently")
    _PLUGIN_CODES[code.name] = code
    return code


def unregister_code(name: str) -> None:
    """Remove a plugin code (tests and plugin teardown)."""
    _PLUGIN_CODES.pop(name, None)


def lookup(name: str) -> Code | None:
    """The built-in or plugin code called ``name``, or ``None``."""
    return CATALOG.get(name) or _PLUGIN_CODES.get(name)


def is_known(name: str) -> bool:
    return lookup(name) is not None


def all_codes() -> Iterator[Code]:
    """Built-in codes in catalog order, then plugin codes by name."""
    yield from CATALOG.values()
    for name in sorted(_PLUGIN_CODES):
        yield _PLUGIN_CODES[name]
