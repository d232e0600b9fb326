"""One libcst parse and one walk per Python file: facts and findings, with positions.

The walk is libcst's own code generation driven with a state that emits nothing: it
visits every node in source order and knows the line, column and offset of every
token, so positions cost one counter update per token instead of libcst's
``PositionProvider`` (a second full pass that builds a ``CodeRange`` for every node).
Checks declare ``visit_<Node>``/``leave_<Node>`` methods exactly like a libcst visitor;
only the node types some check asks for are dispatched, and only their positions are
kept.  (``CodegenState`` lives in ``libcst._nodes.internal``; libcst's own position
providers subclass it the same way.)

What a scan returns is plain data (:class:`FileScan`, JSON-ready) so that it can be
cached by content hash and sent back from worker processes.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Callable, Iterator, Protocol, Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState

from .checks.base import PythonCheck, python_checks
from .facts import FactsCollector
from .syntax import CheckFix, FileScan, ScanContext, dotted_name, position, string_value

__all__ = ["FileScan", "ScanContext", "scan_source", "dotted_name", "string_value"]


# -- the walk ----------------------------------------------------------------------------


class _Quiet:
    """A reusable context manager for syntactic ranges nobody asked about: on exit it only
    notes where the range ended (``hoisted``: the end is that of its last part, already noted)."""

    __slots__ = ("state", "hoisted")

    def __init__(self, state: "_WalkState", hoisted: bool) -> None:
        self.state = state
        self.hoisted = hoisted

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        if not self.hoisted:
            self.state.last_end = self.state.offset


class _Tracked:
    """The syntactic range of a node whose position is kept."""

    __slots__ = ("state", "p", "hoisted")

    def __init__(self, state: "_WalkState", p: list[int], hoisted: bool) -> None:
        self.state = state
        self.p = p
        self.hoisted = hoisted

    def __enter__(self) -> None:
        self.p[0] = self.state.offset

    def __exit__(self, *exc: object) -> None:
        state = self.state
        if not self.hoisted:
            state.last_end = state.offset
        self.p[1] = state.last_end
        self.p[2] = 1


class _WalkState(CodegenState):
    """Code generation that writes nothing and drives the checks instead.

    Only the offset into the text is counted (codegen reproduces the source exactly);
    lines and columns come from it, by bisection, for the few nodes whose place is kept.
    """

    __slots__ = (
        "offset",
        "ctx",
        "calls",
        "kinds",
        "pos",
        "last_end",
        "indents",
        "quiet",
        "hoisted_quiet",
        "nodes",
        "lines",
    )

    lines: _LineIndex  # set once the walk has seen the whole text

    def __init__(
        self, module: cst.Module, ctx: ScanContext, enter: _Handlers, leave: _Handlers, want: frozenset[type]
    ) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.offset = 0
        self.ctx = ctx
        # one lookup per node: kind -> (enter handlers, leave handlers)
        self.calls: dict[type, tuple[tuple[Visit, ...], tuple[Visit, ...]]] = {
            kind: (tuple(enter.get(kind, ())), tuple(leave.get(kind, ()))) for kind in set(enter) | set(leave)
        }
        self.kinds: set[type] = set(want)  # kinds whose nodes may have a kept position
        self.pos: dict[int, list[int]] = {}  # id(node) -> [start, end, syntactic end known]
        self.nodes: list[cst.CSTNode] = []  # keeps tracked nodes alive (their ids stay theirs)
        self.last_end = 0
        self.indents: list[int] = [0]
        self.quiet = _Quiet(self, False)
        self.hoisted_quiet = _Quiet(self, True)
        ctx._state = self

    def track(self, node: cst.CSTNode) -> None:
        """Keep ``node``'s position (reported during the walk: its range is still open or ahead)."""
        self.kinds.add(type(node))
        if id(node) not in self.pos:
            self.pos[id(node)] = [self.offset, self.offset, 0]
            self.nodes.append(node)

    def add_token(self, value: str) -> None:
        self.offset += len(value)

    def increase_indent(self, value: str) -> None:
        self.indent_tokens.append(value)
        self.indents.append(self.indents[-1] + len(value))

    def decrease_indent(self) -> None:
        self.indent_tokens.pop()
        self.indents.pop()

    def add_indent_tokens(self) -> None:
        self.offset += self.indents[-1]

    def pop_trailing_newline(self) -> None:  # positions of earlier nodes are already known
        pass

    def before_codegen(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if kind in self.kinds and id(node) not in self.pos:
            self.pos[id(node)] = [self.offset, self.offset, 0]
        calls = self.calls.get(kind)
        if calls is not None and calls[0]:
            self.ctx.current = node
            for handler in calls[0]:
                handler(node, self.ctx)

    def after_codegen(self, node: cst.CSTNode) -> None:
        kind = type(node)
        calls = self.calls.get(kind)
        if calls is not None and calls[1]:
            for handler in calls[1]:
                handler(node, self.ctx)
        if kind in self.kinds:
            p = self.pos.get(id(node))
            if p is not None and not p[2]:  # no syntactic end: the end of all it generated, as libcst does
                p[1] = self.offset

    # libcst types the result as its @contextmanager's; any context manager does the job
    def record_syntactic_position(  # type: ignore[override]
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> _Tracked | _Quiet:
        """libcst's syntactic range: the start after leading lines and decorators; the end
        where the node's last syntactic part (``end_node``, a body) ended."""
        if type(node) in self.kinds:
            p = self.pos.get(id(node))
            if p is not None:
                return _Tracked(self, p, end_node is not None)
        return self.hoisted_quiet if end_node is not None else self.quiet


#: A ``visit_<Node>``/``leave_<Node>`` method: ``(node, ctx) -> None``, its node type its own.
Visit = Callable[..., None]
_Handlers = dict[type, list[Visit]]


class _Participant(Protocol):
    """What takes part in the walk: the facts collector and every Python check."""

    @property
    def POSITIONS(self) -> frozenset[type]: ...

    def visitors(self) -> Iterator[tuple[type, Visit]]: ...

    def leavers(self) -> Iterator[tuple[type, Visit]]: ...


def _dispatch(checks: Sequence[_Participant]) -> tuple[_Handlers, _Handlers, frozenset[type]]:
    enter: _Handlers = {}
    leave: _Handlers = {}
    want: set[type] = set()
    for check in checks:
        for kind, method in check.visitors():
            enter.setdefault(kind, []).append(method)
        for kind, method in check.leavers():
            leave.setdefault(kind, []).append(method)
        want.update(check.POSITIONS)
    return enter, leave, frozenset(want)


def scan_source(source: str, path: str, checks: Sequence[type[PythonCheck]] | None = None) -> FileScan:
    """Parse ``source`` once and run the facts collector and every Python check over it."""
    scan = FileScan(lines=source.count("\n") + (0 if source.endswith("\n") or not source else 1))
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        scan.error = {"line": max(1, exc.raw_line), "col": max(1, exc.raw_column + 1), "message": exc.message}
        return scan
    except Exception as exc:  # libcst raises other errors for unsupported syntax
        scan.error = {"line": 1, "col": 1, "message": f"{type(exc).__name__}: {exc}"}
        return scan
    ctx = ScanContext(path, source)
    collector = FactsCollector(scan)
    active: list[_Participant] = [collector, *(c() for c in (checks if checks is not None else python_checks()))]
    enter, leave, want = _dispatch(active)
    state = _WalkState(module, ctx, enter, leave, want)
    module._codegen(state)
    state.lines = _LineIndex(source)
    collector.finish(state)
    for report in ctx._reports:
        scan.findings.append(
            _finding(state, report.code, report.node, report.anchor, report.message, report.fix, report.function)
        )
    return scan


class _LineIndex:
    """Offset -> 1-based (line, column) in the source text."""

    def __init__(self, source: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def __call__(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def _place(state: _WalkState, node: cst.CSTNode, anchor: cst.CSTNode | None = None) -> dict[str, int]:
    where = position(state, node) or (position(state, anchor) if anchor is not None else None)
    if where is None:  # pragma: no cover - reported nodes are always tracked
        return {"line": 1, "col": 1, "end_line": 1, "end_col": 1, "start": 0, "end": 0}
    return where


def _finding(
    state: _WalkState,
    code: str,
    node: cst.CSTNode,
    anchor: cst.CSTNode | None,
    message: str,
    fix: CheckFix | None,
    function: str | None,
) -> dict[str, Any]:
    where = _place(state, node, anchor)
    out: dict[str, Any] = {"code": code, "message": message, "function": function, **where, "fix": None}
    if fix is not None:
        edits = []
        for target, text in fix.get("edits") or ():
            if isinstance(target, cst.CSTNode):
                t = _place(state, target)
                start, end = t["start"], t["end"]
            elif len(target) == 3:  # ("end", node, delta): at its end + delta
                start = end = _place(state, target[1])["end"] + target[2]
            else:  # (offset, offset) already known
                start, end = target
            edits.append({"start": start, "end": end, "text": text})
        out["fix"] = {"description": fix["description"], "safety": fix["safety"], "edits": edits or None}
    return out
