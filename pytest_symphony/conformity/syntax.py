"""What a scan of a Python file produces, and what checks use to read libcst nodes.

A leaf of the conformity package: the walk (:mod:`.pyscan`), the facts collector and the
checks all import it, and it imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, NamedTuple, Protocol, TypedDict, Union

import libcst as cst

__all__ = [
    "CheckFix",
    "EditTarget",
    "FileScan",
    "Positions",
    "Report",
    "ScanContext",
    "dotted_name",
    "position",
    "string_value",
]

#: Where a check's edit goes: a node's range, ``(start, end)`` offsets already known, or
#: ``("end", node, delta)``: ``delta`` characters after the node's end.
EditTarget = Union[cst.CSTNode, tuple[int, int], tuple[Literal["end"], cst.CSTNode, int]]


class _FixFields(TypedDict):
    description: str
    safety: Literal["safe", "unsafe"]


class CheckFix(_FixFields, total=False):
    """The fix a Python check reports with a finding; ``edits``: (target, replacement text),
    or None (or absent) when the fixer computes the edit itself."""

    edits: list[tuple[EditTarget, str]] | None


class Report(NamedTuple):
    """One ``ScanContext.report`` call, kept until the walk knows every position."""

    code: str
    node: cst.CSTNode
    message: str
    fix: CheckFix | None
    function: str | None
    anchor: cst.CSTNode | None


class Positions(Protocol):
    """What the walk keeps of node positions: ``pos`` by node id (start and end offsets,
    whether the end is syntactic), ``lines`` from an offset to (line, column), and
    ``track`` to keep a node's position."""

    @property
    def pos(self) -> dict[int, list[int]]: ...

    @property
    def lines(self) -> Callable[[int], tuple[int, int]]: ...

    def track(self, node: cst.CSTNode) -> None: ...


# -- results ---------------------------------------------------------------------------


@dataclass
class FileScan:
    """Everything the engine needs from one Python file, as plain data.

    ``functions``: top-level functions (name, line, col, params, decorators, stub,
    handler name, fixture name, step definitions).  ``imports``: every import with
    its guard.  ``findings``: check reports, each tagged with the top-level function it
    sits in (the engine keeps handler-only findings only for handler functions).
    ``error``: a syntax error (line, col, message) when the file does not parse.
    """

    functions: list[dict[str, Any]] = field(default_factory=list)
    imports: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    lines: int = 0
    names: list[str] = field(default_factory=list)  # module-level names
    dynamic: bool = False  # a star import or module __getattr__: names are unknowable

    def to_dict(self) -> dict[str, Any]:
        return {
            "functions": self.functions,
            "imports": self.imports,
            "findings": self.findings,
            "error": self.error,
            "lines": self.lines,
            "names": self.names,
            "dynamic": self.dynamic,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FileScan":
        return cls(
            data["functions"],
            data["imports"],
            data["findings"],
            data["error"],
            data.get("lines", 0),
            data.get("names", []),
            data.get("dynamic", False),
        )


# -- helpers for checks ----------------------------------------------------------------


def dotted_name(node: cst.CSTNode | None) -> str | None:
    """``a.b.c`` for a Name/Attribute chain (the callee of ``@a.b.c(...)``), else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def string_value(node: cst.CSTNode | None) -> str | None:
    """The text of a plain (non-f, non-bytes) string literal, else None."""
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - libcst parsed it, so it evaluates
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return None if left is None or right is None else left + right
    return None


class ScanContext:
    """What a check sees during the walk: the file, the enclosing function, the import
    aliases, and ``report``."""

    def __init__(self, path: str, source: str) -> None:
        self.path = path
        self.source = source
        self.function: str | None = None  # the enclosing top-level function
        self.class_depth = 0
        self.function_depth = 0
        self.aliases: dict[str, str] = {}  # local name -> dotted origin ("sp" -> "subprocess")
        self.guarded = 0  # > 0 inside a try body guarding ImportError, or `if TYPE_CHECKING`
        self.guard_blocks: set[int] = set()
        self.docstrings: set[int] = set()  # ids of strings that are bare string statements
        self.current: cst.CSTNode | None = None  # the node being visited
        self._reports: list[Report] = []
        self._state: Positions | None = None  # set by the walk

    def report(self, code: str, node: cst.CSTNode, message: str, *, fix: CheckFix | None = None) -> None:
        """A finding at ``node``; ``fix``: ``{"description", "safety", "edits": [(node, text)]}``.

        ``node`` is the node being visited, a node the walk has not reached yet, or a node
        of a kind in the check's ``POSITIONS``.
        """
        state = self._state
        assert state is not None, "report() is called during the walk"
        state.track(node)
        for target, _ in (fix.get("edits") if fix else None) or ():
            if isinstance(target, cst.CSTNode):
                state.track(target)
            elif len(target) == 3:
                state.track(target[1])
        self._reports.append(Report(code, node, message, fix, self.function, self.current))

    def resolve(self, name: str | None) -> str | None:
        """The dotted origin of a name as imported here (``sp.run`` -> ``subprocess.run``)."""
        if name is None:
            return None
        head, _, rest = name.partition(".")
        origin = self.aliases.get(head, head)
        return f"{origin}.{rest}" if rest else origin


def position(state: Positions, node: cst.CSTNode) -> dict[str, int] | None:
    """A kept node's place: line, col, end_line, end_col (1-based) and its offsets."""
    p = state.pos.get(id(node))
    if p is None:
        return None
    line, col = state.lines(p[0])
    end_line, end_col = state.lines(p[1])
    return {"line": line, "col": col, "end_line": end_line, "end_col": end_col, "start": p[0], "end": p[1]}
