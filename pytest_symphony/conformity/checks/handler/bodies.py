"""libcst checks inside a handler's body: no stub, no swallowed exception, no ignored
exit status."""

from __future__ import annotations

import libcst as cst

from ...codes import FixSafety, Severity
from ...facts import is_stub_body
from ...syntax import CheckFix, EditTarget, ScanContext, dotted_name
from ..base import Example, PythonCheck
from .examples import ws


def _top_level(node: cst.FunctionDef, ctx: ScanContext) -> bool:
    return ctx.function == node.name.value and ctx.function_depth == 1 and ctx.class_depth == 0


class MissingImplementation(PythonCheck):
    code = "MISSING_IMPLEMENTATION"
    severity = Severity.CRITICAL
    fix = FixSafety.NONE
    summary = (
        "A handler's body is only `pass`, `...`, a docstring, or `raise NotImplementedError` "
        "(with or without arguments), alone or combined."
    )
    VALID = (Example(ws("@handler\ndef build():\n    '''Builds.'''\n    return {'built': True}\n")),)
    INVALID = (
        Example(ws("@handler\ndef build():\n    '''Builds.'''\n    ...\n"), at=("handlers.py", 5)),
        Example(ws("@handler\ndef build():\n    raise NotImplementedError('later')\n"), at=("handlers.py", 5)),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: ScanContext) -> None:
        if _top_level(node, ctx) and is_stub_body(node.body):
            self.report(
                ctx,
                node,
                f"handler '{node.name.value}' has no implementation (only pass, ..., a docstring "
                "or raise NotImplementedError)",
            )


_SWALLOW = (cst.Pass, cst.Continue)


def _swallowing(body: cst.BaseSuite) -> cst.CSTNode | None:
    """The first statement of an ``except`` body that only passes/continues, else None."""
    smalls: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.SimpleStatementSuite):
        smalls = list(body.body)
    else:
        for stmt in body.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                return None
            smalls.extend(stmt.body)
    for small in smalls:
        if isinstance(small, _SWALLOW):
            continue
        if isinstance(small, cst.Expr) and isinstance(small.value, (cst.Ellipsis, cst.SimpleString)):
            continue
        return None
    return next((s for s in smalls if isinstance(s, _SWALLOW)), None) or (smalls[0] if smalls else None)


class ExceptionSwallowed(PythonCheck):
    code = "EXCEPTION_SWALLOWED"
    severity = Severity.MAJOR
    fix = FixSafety.UNSAFE
    summary = (
        "In a handler, a bare `except:`, or an `except` clause whose body only passes, continues "
        "or is `...`: failures turn green."
    )
    fix_summary = "Make the clause re-raise (unsafe: the handler now fails where it passed)."
    POSITIONS = frozenset({cst.Pass, cst.Continue})
    VALID = (
        Example(
            ws(
                "@handler\ndef build():\n    try:\n        return 1 / 0\n    except ZeroDivisionError:\n        return 0\n"
            )
        ),
    )
    INVALID = (
        Example(
            ws("@handler\ndef build():\n    try:\n        return 1 / 0\n    except ZeroDivisionError:\n        pass\n"),
            at=("handlers.py", 8),
        ),
        Example(
            ws("@handler\ndef build():\n    try:\n        return 1 / 0\n    except:\n        return 0\n"),
            at=("handlers.py", 8),
        ),
    )

    def visit_ExceptHandler(self, node: cst.ExceptHandler, ctx: ScanContext) -> None:
        if ctx.function is None:
            return
        swallowed = _swallowing(node.body)
        if swallowed is not None:
            caught = dotted_name(node.type) if node.type is not None else "everything"
            edits: list[tuple[EditTarget, str]] | None = (
                [(swallowed, "raise")] if isinstance(swallowed, cst.Pass | cst.Continue) else None
            )
            self.report(
                ctx,
                node,
                f"`except {caught or '...'}` only passes in handler '{ctx.function}': failures turn green",
                fix={"description": "re-raise the exception", "safety": "unsafe", "edits": edits},
            )
        elif node.type is None:
            self.report(
                ctx,
                node,
                f"bare `except:` in handler '{ctx.function}' also catches KeyboardInterrupt and "
                "pytest's own outcomes; name the exceptions",
                fix={"description": "re-raise the exception at the end of the clause", "safety": "unsafe"},
            )


_SUBPROCESS = {"subprocess.run": True, "subprocess.call": True, "os.system": False}


class UncheckedSubprocess(PythonCheck):
    code = "UNCHECKED_SUBPROCESS"
    severity = Severity.MAJOR
    fix = FixSafety.UNSAFE
    summary = (
        "In a handler, a `subprocess.run` or `subprocess.call` without `check=True`, or an "
        "`os.system`, whose exit status is neither checked nor used."
    )
    fix_summary = (
        "Add `check=True` to the `subprocess` call (unsafe: the handler now fails on a non-zero "
        "exit); an `os.system` call is reported without a fix."
    )
    VALID = (
        Example(ws("import subprocess\n\n\n@handler\ndef build():\n    subprocess.run(['true'], check=True)\n")),
        Example(
            ws(
                "import subprocess\n\n\n@handler\ndef build():\n    done = subprocess.run(['true'])\n    assert done.returncode == 0\n"
            )
        ),
    )
    INVALID = (
        Example(
            ws("import subprocess as sp\n\n\n@handler\ndef build():\n    sp.run(['true'])\n"), at=("handlers.py", 9)
        ),
        Example(ws("from os import system\n\n\n@handler\ndef build():\n    system('true')\n"), at=("handlers.py", 9)),
    )

    def visit_Expr(self, node: cst.Expr, ctx: ScanContext) -> None:
        call = node.value
        if ctx.function is None or not isinstance(call, cst.Call):
            return
        target = ctx.resolve(dotted_name(call.func))
        if target not in _SUBPROCESS:
            return
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "check":
                if not (isinstance(arg.value, cst.Name) and arg.value.value == "False"):
                    return
        fix: CheckFix | None = None
        if _SUBPROCESS[target]:
            fix = {"description": "add check=True", "safety": "unsafe", "edits": None}
            if isinstance(node.semicolon, cst.MaybeSentinel) and not any(
                a.keyword is not None and a.keyword.value == "check" for a in call.args
            ):
                last = call.args[-1] if call.args else None
                text = (
                    "check=True"
                    if last is None
                    else (" check=True" if not isinstance(last.comma, cst.MaybeSentinel) else ", check=True")
                )
                fix["edits"] = [(("end", node, -1), text)]
        self.report(
            ctx,
            node,
            f"`{target}(...)` in handler '{ctx.function}' ignores its exit status: a failing command passes",
            fix=fix,
        )
