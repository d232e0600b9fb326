"""Python edits through libcst: formatting and comments everywhere else stay as written.

Each function takes a module's text and returns the new text; libcst re-emits every node
it did not change byte for byte.  :func:`spans` turns old and new text into the smallest
line edits, so two fixes in one file only conflict when they touch the same lines, and
:func:`check_preserved` proves a result still parses and still defines every top-level
function and class it did before.
"""

from __future__ import annotations

import difflib
import keyword
import re
from typing import Callable, Iterable

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

__all__ = [
    "PythonEditError",
    "spans",
    "check_preserved",
    "ensure_import",
    "add_decorator",
    "narrow_bare_except",
    "append_code",
    "top_level_names",
    "identifier",
    "parse_module",
]


class PythonEditError(Exception):
    """The edit cannot be made (the module does not parse, the target is not there, ...)."""


def _parse(text: str, what: str = "the module") -> cst.Module:
    try:
        return cst.parse_module(str(text))
    except cst.ParserSyntaxError as exc:
        raise PythonEditError(f"{what} does not parse (line {exc.raw_line}): {exc.message}") from None


def parse_module(text: str) -> cst.Module:
    """The module's tree; PythonEditError (with the line) when it does not parse."""
    return _parse(text)


def spans(old: str, new: str) -> list[tuple[int, int, str]]:
    """The smallest whole-line ``(start, end, replacement)`` edits turning ``old`` into ``new``."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    offsets = [0]
    for line in a:
        offsets.append(offsets[-1] + len(line))
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.append((offsets[i1], offsets[i2], "".join(b[j1:j2])))
    return out


def top_level_names(module: cst.Module) -> set[str]:
    names = set()
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names.add(stmt.name.value)
    return names


def check_preserved(old: str, new: str) -> None:
    """Raise PythonEditError unless ``new`` parses and keeps every top-level def and class of ``old``."""
    before = top_level_names(_parse(old))
    after = top_level_names(_parse(new, "the edited module"))
    lost = sorted(before - after)
    if lost:
        raise PythonEditError(f"the edit would lose {', '.join(lost)}")


# -- imports -----------------------------------------------------------------------------------


def _bound_names(module: cst.Module) -> dict[str, str]:
    """Module-level name -> what binds it ("import:<dotted>" for imports, "def", "assign")."""
    out: dict[str, str] = {}
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            out[stmt.name.value] = "def"
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    base = _dotted(small.module) if small.module is not None else ""
                    for alias in small.names:
                        local = _alias_local(alias)
                        out[local] = f"import:{'.' * len(small.relative)}{base}.{_dotted(alias.name)}"
                elif isinstance(small, cst.Import):
                    for alias in small.names:
                        local = _alias_local(alias)
                        out[local.split(".")[0]] = (
                            f"import:{_dotted(alias.name) if alias.asname else local.split('.')[0]}"
                        )
                elif isinstance(small, (cst.Assign, cst.AnnAssign)):
                    targets = small.targets if isinstance(small, cst.Assign) else [small]
                    for t in targets:
                        if isinstance(t.target, cst.Name):
                            out[t.target.value] = "assign"
    return out


def _dotted(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _alias_local(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _dotted(alias.name)


def _header_end(module: cst.Module) -> int:
    """Index in ``module.body`` just past the leading docstring, ``__future__`` and imports."""
    index = 0
    for i, stmt in enumerate(module.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            break
        small = stmt.body[0] if stmt.body else None
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            index = i + 1
        elif (
            i == 0
            and isinstance(small, cst.Expr)
            and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))
        ):
            index = 1
        else:
            break
    return index


def ensure_import(module: cst.Module, from_module: str, name: str) -> tuple[cst.Module, str]:
    """The module with ``from <from_module> import <name>`` available, and the expression
    that names it there (``name``, an alias, or ``pkg.name`` through ``import pkg``)."""
    bound = _bound_names(module)
    wanted = f"import:{from_module}.{name}"
    for local, what in bound.items():
        if what == wanted:
            return module, local
    for local, what in bound.items():
        if what == f"import:{from_module}" and "." not in from_module:
            return module, f"{local}.{name}"
    chosen = name if name not in bound else f"symphony_{name}" if f"symphony_{name}" not in bound else None
    if chosen is None:
        raise PythonEditError(f"cannot import '{name}': the module already binds it and its alias")
    alias = cst.ImportAlias(cst.Name(name), asname=None if chosen == name else cst.AsName(cst.Name(chosen)))
    body = list(module.body)
    for i, stmt in enumerate(body[: _header_end(module)]):  # extend `from <from_module> import ...`
        small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 else None
        if (
            isinstance(small, cst.ImportFrom)
            and not small.relative
            and small.module is not None
            and _dotted(small.module) == from_module
            and not isinstance(small.names, cst.ImportStar)
            and small.lpar is None
        ):
            names = list(small.names)
            names[-1] = names[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            body[i] = stmt.with_changes(body=[small.with_changes(names=[*names, alias])])
            return module.with_changes(body=body), chosen
    dotted = cst.parse_expression(from_module)
    if not isinstance(dotted, (cst.Name, cst.Attribute)):
        raise PythonEditError(f"cannot import from '{from_module}': not a module name")
    new = cst.SimpleStatementLine([cst.ImportFrom(module=dotted, names=[alias])])
    at = _header_end(module)
    before = body[at - 1] if at > 0 else None
    if isinstance(before, cst.SimpleStatementLine) and not _is_import(before):
        new = new.with_changes(leading_lines=[cst.EmptyLine()])  # after a docstring: one blank line
    body.insert(at, new)
    return module.with_changes(body=body), chosen


def _is_import(stmt: cst.SimpleStatementLine) -> bool:
    return any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


# -- edits ---------------------------------------------------------------------------------------


def _function_at(module: cst.Module, name: str) -> int:
    matches = [i for i, s in enumerate(module.body) if isinstance(s, cst.FunctionDef) and s.name.value == name]
    if not matches:
        raise PythonEditError(f"no top-level function '{name}'")
    return matches[-1]  # the definition that wins at import time


def add_decorator(text: str, function: str, from_module: str = "pytest_symphony", name: str = "handler") -> str:
    """``@handler`` (outermost) on top-level ``function``, with its import."""
    module = _parse(text)
    index = _function_at(module, function)
    module, local = ensure_import(module, from_module, name)
    index = _function_at(module, function)
    func = module.body[index]
    assert isinstance(func, cst.FunctionDef)
    for d in func.decorators:
        expr = d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
        if _dotted(expr) == local:
            return module.code
    decorator = cst.Decorator(cst.parse_expression(local))
    body = list(module.body)
    body[index] = func.with_changes(decorators=[decorator, *func.decorators])
    return module.with_changes(body=body).code


class _Narrow(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int) -> None:
        self.line = line
        self.done = False

    def leave_ExceptHandler(self, original: cst.ExceptHandler, updated: cst.ExceptHandler) -> cst.ExceptHandler:
        if (
            self.done
            or updated.type is not None
            or self.get_metadata(PositionProvider, original).start.line != self.line
        ):
            return updated
        self.done = True
        return updated.with_changes(type=cst.Name("Exception"), whitespace_after_except=cst.SimpleWhitespace(" "))


def narrow_bare_except(text: str, line: int) -> str:
    """``except:`` on ``line`` becomes ``except Exception:`` (KeyboardInterrupt, SystemExit
    and pytest's own outcomes propagate again)."""
    wrapper = MetadataWrapper(_parse(text), unsafe_skip_copy=True)
    transformer = _Narrow(line)
    new = wrapper.visit(transformer)
    if not transformer.done:
        raise PythonEditError(f"no bare except clause starts on line {line}")
    return new.code


def append_code(text: str, code: Callable[[dict[str, str]], str], imports: Iterable[tuple[str, str]] = ()) -> str:
    """Append top-level code (two blank lines before it) after ensuring ``imports``
    (``(from_module, name)`` pairs); ``code`` gets the local name of each import and
    returns the source to append."""
    module = _parse(text) if text.strip() else cst.parse_module("")
    locals_: dict[str, str] = {}
    for from_module, name in imports:
        module, locals_[name] = ensure_import(module, from_module, name)
    head = module.code
    body = code(locals_)
    if head and not head.endswith("\n"):
        head += "\n"
    sep = "\n\n" if head.strip() else ""
    new = head.rstrip("\r\n") + "\n" + sep + body if head.strip() else body
    if not new.endswith("\n"):
        new += "\n"
    if "\r\n" in head:  # the module's own line endings for what is added
        new = head.rstrip("\r\n") + ("\n" + sep + body).replace("\r\n", "\n").replace("\n", "\r\n")
        new = new if new.endswith("\r\n") else new + "\r\n"
    _parse(new, "the appended code")
    return new


def identifier(text: str, taken: Iterable[str] = ()) -> str:
    """A Python identifier made from ``text`` (camelCase split, other characters to ``_``), unique."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    name = re.sub(r"\W+", "_", words).strip("_").lower() or "handler"
    if name[0].isdigit():
        name = f"handler_{name}"
    if keyword.iskeyword(name):
        name += "_"
    taken = set(taken)
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    return candidate
