"""What the one walk of a Python file records besides check findings: its top-level
functions (parameters, decorators, handler and fixture names, step definitions,
whether the body is a stub), its imports (and whether a ``try``/``if TYPE_CHECKING``
guards them), and the import aliases checks resolve names through.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import libcst as cst

from .syntax import FileScan, Positions, ScanContext, dotted_name, position, string_value

__all__ = ["FactsCollector", "is_stub_body", "HANDLER_DECORATORS", "STEP_DECORATORS"]

HANDLER_DECORATORS = frozenset({"pytest_symphony.handler", "pytest_symphony.runtime.registry.handler"})
FIXTURE_DECORATORS = frozenset({"pytest.fixture", "_pytest.fixtures.fixture"})
STEP_DECORATORS = {f"pytest_bdd.{kind}": kind for kind in ("given", "when", "then", "step")}
STEP_DECORATORS.update({f"pytest_bdd.steps.{kind}": kind for kind in ("given", "when", "then", "step")})
STEP_PARSERS = {
    "pytest_bdd.parsers.parse": "parse",
    "pytest_bdd.parsers.cfparse": "cfparse",
    "pytest_bdd.parsers.re": "re",
    "pytest_bdd.parsers.string": "string",
}
_GUARD_EXCEPTIONS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _is_not_implemented(node: cst.BaseSmallStatement) -> bool:
    if not isinstance(node, cst.Raise) or node.exc is None:
        return False
    exc = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
    return dotted_name(exc) in ("NotImplementedError", "builtins.NotImplementedError")


def _is_stub_statement(stmt: cst.CSTNode) -> bool:
    if isinstance(stmt, cst.SimpleStatementLine):
        return all(_is_stub_small(s) for s in stmt.body)
    return False


def _is_stub_small(small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, cst.Pass):
        return True
    if isinstance(small, cst.Expr):
        return isinstance(small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString))
    return _is_not_implemented(small)


def is_stub_body(body: cst.BaseSuite) -> bool:
    """Only ``pass``, ``...``, a docstring or ``raise NotImplementedError``."""
    if isinstance(body, cst.SimpleStatementSuite):
        return all(_is_stub_small(s) for s in body.body)
    return all(_is_stub_statement(s) for s in body.body)


def _param_kind(params: cst.Parameters) -> Iterator[tuple[cst.Param, str]]:
    for p in params.posonly_params:
        yield p, "positional_only"
    for p in params.params:
        yield p, "positional_or_keyword"
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg, "var_positional"
    for p in params.kwonly_params:
        yield p, "keyword_only"
    if params.star_kwarg is not None:
        yield params.star_kwarg, "var_keyword"


class FactsCollector:
    """Fills a :class:`FileScan` during the walk (not a check: it reports nothing)."""

    POSITIONS = frozenset({cst.FunctionDef, cst.Param, cst.Import, cst.ImportFrom})

    def __init__(self, scan: FileScan) -> None:
        self.scan = scan
        self._functions: list[tuple[cst.FunctionDef, dict[str, Any], list[Any]]] = []
        self._imports: list[tuple[cst.CSTNode, dict[str, Any]]] = []
        self._names: set[str] = set()
        self._dynamic = False

    # the walker asks every participant for these
    def visitors(self) -> Iterator[tuple[type, Callable[..., None]]]:
        yield cst.FunctionDef, self.visit_FunctionDef
        yield cst.ClassDef, self.visit_ClassDef
        yield cst.Import, self.visit_Import
        yield cst.ImportFrom, self.visit_ImportFrom
        yield cst.Try, self.visit_Try
        yield cst.If, self.visit_If
        yield cst.IndentedBlock, self.visit_IndentedBlock
        yield cst.Expr, self.visit_Expr
        yield cst.Assign, self.visit_Assign
        yield cst.AnnAssign, self.visit_AnnAssign

    def leavers(self) -> Iterator[tuple[type, Callable[..., None]]]:
        yield cst.FunctionDef, self.leave_FunctionDef
        yield cst.ClassDef, self.leave_ClassDef
        yield cst.IndentedBlock, self.leave_IndentedBlock

    # -- scopes ------------------------------------------------------------------------
    def _module_level(self, ctx: ScanContext) -> bool:
        return ctx.function_depth == 0 and ctx.class_depth == 0

    def visit_Assign(self, node: cst.Assign, ctx: ScanContext) -> None:
        if self._module_level(ctx):
            for target in node.targets:
                self._targets(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign, ctx: ScanContext) -> None:
        if self._module_level(ctx):
            self._targets(node.target)

    def _targets(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._targets(element.value)

    def visit_ClassDef(self, node: cst.ClassDef, ctx: ScanContext) -> None:
        if self._module_level(ctx):
            self._names.add(node.name.value)
        ctx.class_depth += 1

    def leave_ClassDef(self, node: cst.ClassDef, ctx: ScanContext) -> None:
        ctx.class_depth -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: ScanContext) -> None:
        if ctx.function_depth == 0 and ctx.class_depth == 0:
            ctx.function = node.name.value
            self._names.add(node.name.value)
            if node.name.value == "__getattr__":
                self._dynamic = True
            self._functions.append((node, self._function(node, ctx), [p for p, _ in _param_kind(node.params)]))
        ctx.function_depth += 1

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: ScanContext) -> None:
        ctx.function_depth -= 1
        if ctx.function_depth == 0 and ctx.class_depth == 0:
            ctx.function = None

    def visit_Try(self, node: cst.Try, ctx: ScanContext) -> None:
        for h in node.handlers:
            names = _exception_names(h.type)
            if h.type is None or names & _GUARD_EXCEPTIONS:
                ctx.guard_blocks.add(id(node.body))
                return

    def visit_If(self, node: cst.If, ctx: ScanContext) -> None:
        if dotted_name(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING"):
            ctx.guard_blocks.add(id(node.body))
        elif _environment_test(node.test):  # `if sys.version_info >= (3, 11):` ... `else:`
            ctx.guard_blocks.add(id(node.body))
            if isinstance(node.orelse, cst.Else):
                ctx.guard_blocks.add(id(node.orelse.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock, ctx: ScanContext) -> None:
        if id(node) in ctx.guard_blocks:
            ctx.guarded += 1

    def leave_IndentedBlock(self, node: cst.IndentedBlock, ctx: ScanContext) -> None:
        if id(node) in ctx.guard_blocks:
            ctx.guarded -= 1

    def visit_Expr(self, node: cst.Expr, ctx: ScanContext) -> None:
        """Bare string statements (docstrings), and ``symphony.emit("<event>")`` statements:
        the events a handler emits."""
        value = node.value
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            _strings_of(value, ctx.docstrings)
            return
        call = value.expression if isinstance(value, cst.Await) else value
        if (
            ctx.function is not None
            and isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "emit"
            and call.args
        ):
            event = string_value(call.args[0].value)
            if event is not None and self._functions:
                self._functions[-1][1]["emits"].append(event)

    # -- imports -----------------------------------------------------------------------
    def visit_Import(self, node: cst.Import, ctx: ScanContext) -> None:
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                ctx.aliases[alias.asname.name.value] = name
            else:
                head = name.split(".")[0]
                ctx.aliases.setdefault(head, head)
            if self._module_level(ctx):
                self._names.add(
                    alias.asname.name.value
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                    else name.split(".")[0]
                )
            self._imports.append((node, {"module": name, "names": [], "level": 0, "guarded": ctx.guarded > 0}))

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: ScanContext) -> None:
        module = dotted_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        names: list[str] = []
        if isinstance(node.names, cst.ImportStar):
            names = ["*"]
            self._dynamic = True
        else:
            for alias in node.names:
                name = dotted_name(alias.name) or ""
                names.append(name)
                local = (
                    alias.asname.name.value
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                    else name
                )
                if level == 0 and module:
                    ctx.aliases[local] = f"{module}.{name}"
                if self._module_level(ctx):
                    self._names.add(local)
        self._imports.append(
            (node, {"module": module or "", "names": names, "level": level, "guarded": ctx.guarded > 0})
        )

    # -- functions ---------------------------------------------------------------------
    def _function(self, node: cst.FunctionDef, ctx: ScanContext) -> dict[str, Any]:
        decorators = []
        handler_name = fixture_name = None
        steps = []
        for d in node.decorators:
            expr = d.decorator
            call = expr if isinstance(expr, cst.Call) else None
            target = ctx.resolve(dotted_name(call.func if call else expr)) or ""
            decorators.append(target)
            args = [a for a in call.args if a.keyword is None] if call else []
            kwargs = {a.keyword.value: a.value for a in call.args if a.keyword is not None} if call else {}
            if target in HANDLER_DECORATORS or target == "handler":
                explicit = string_value(args[0].value) if args else string_value(kwargs.get("name"))
                handler_name = explicit or node.name.value
            elif target in FIXTURE_DECORATORS or target == "fixture":
                fixture_name = string_value(kwargs.get("name")) or node.name.value
            elif target in STEP_DECORATORS or target in ("given", "when", "then", "step"):
                kind = STEP_DECORATORS.get(target, target)
                steps.append(_step(kind, args[0].value if args else kwargs.get("name"), kwargs, ctx))
        return {
            "name": node.name.value,
            "async": node.asynchronous is not None,
            "decorators": decorators,
            "handler": handler_name,
            "fixture": fixture_name,
            "steps": steps,
            "stub": is_stub_body(node.body),
            "params": [],
            "emits": [],
        }

    def finish(self, state: Positions) -> None:
        """Attach positions (known once the walk is over) to the recorded facts."""
        for node, fact, params in self._functions:
            fact.update(_pos(state, node.name) or _pos(state, node))
            for param, kind in _param_kind(node.params):
                where = _pos(state, param)
                fact["params"].append(
                    {
                        "name": param.name.value,
                        "kind": kind,
                        "default": param.default is not None,
                        "line": where.get("line", fact.get("line", 1)),
                        "col": where.get("col", 1),
                    }
                )
            self.scan.functions.append(fact)
        for imported, fact in self._imports:
            fact.update(_pos(state, imported))
            self.scan.imports.append(fact)
        self.scan.names = sorted(self._names)
        self.scan.dynamic = self._dynamic


def _pos(state: Positions, node: cst.CSTNode) -> dict[str, int]:

    where = position(state, node)
    if where is None:
        return {}
    return {k: where[k] for k in ("line", "col", "end_line", "end_col")}


_ENVIRONMENT = frozenset({"sys.version_info", "sys.platform", "os.name", "platform.system", "sys.implementation"})


def _environment_test(node: cst.BaseExpression) -> bool:
    """Whether a condition tests the Python version or the platform."""
    if isinstance(node, (cst.Name, cst.Attribute)):
        name = dotted_name(node) or ""
        return any(name == e or name.startswith(e + ".") for e in _ENVIRONMENT)
    if isinstance(node, cst.Comparison):
        return _environment_test(node.left) or any(_environment_test(c.comparator) for c in node.comparisons)
    if isinstance(node, cst.BooleanOperation):
        return _environment_test(node.left) or _environment_test(node.right)
    if isinstance(node, cst.UnaryOperation):
        return _environment_test(node.expression)
    if isinstance(node, cst.Subscript):
        return _environment_test(node.value)
    if isinstance(node, cst.Call):
        return _environment_test(node.func)
    return False


def _strings_of(node: cst.BaseExpression, into: set[int]) -> None:
    if isinstance(node, cst.ConcatenatedString):
        _strings_of(node.left, into)
        _strings_of(node.right, into)
    else:
        into.add(id(node))


def _exception_names(node: cst.BaseExpression | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, cst.Tuple):
        return {n.split(".")[-1] for e in node.elements if (n := dotted_name(e.value))}
    name = dotted_name(node)
    return {name.split(".")[-1]} if name else set()


def _step(
    kind: str, pattern: cst.BaseExpression | None, kwargs: dict[str, cst.BaseExpression], ctx: ScanContext
) -> dict[str, Any]:
    target = string_value(kwargs.get("target_fixture"))
    text = string_value(pattern)
    if text is not None:
        return {"type": kind, "kind": "string", "pattern": text, "target_fixture": target}
    if isinstance(pattern, cst.Call):
        parser = ctx.resolve(dotted_name(pattern.func)) or ""
        parser_kind = STEP_PARSERS.get(parser) or (parser if parser in ("parse", "cfparse", "re", "string") else None)
        arg = pattern.args[0].value if pattern.args else None
        text = string_value(arg)
        if parser_kind and text is not None:
            return {"type": kind, "kind": parser_kind, "pattern": text, "target_fixture": target}
    return {"type": kind, "kind": "dynamic", "pattern": None, "target_fixture": target}
