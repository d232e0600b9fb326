"""Handler: libcst checks inside handler functions, and the handler index against the
beats that use it (signatures, decorators, duplicates, orphans)."""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

import libcst as cst

from ..syntax import ScanContext, dotted_name, string_value
from ..violation import Fix, Place, Violation
from ..codes import FixSafety, Severity
from .base import Example, PythonCheck, SpecCheck, WorkspaceCheck
from .places import beat_pointer, spec_violation

SPEC = (
    "id: release\nname: Release\nmovements:\n  - name: Build\n    beats:\n"
    "      - name: Build\n        handler: build\n"
)


def ws(handlers: str, spec: str = SPEC, **extra: str) -> dict[str, str]:
    return {"handlers.py": "from pytest_symphony import handler\n\n\n" + handlers, "sequences/release.yaml": spec, **extra}


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
        from ..facts import is_stub_body

        if _top_level(node, ctx) and is_stub_body(node.body):
            self.report(ctx, node, f"handler '{node.name.value}' has no implementation (only pass, ..., a docstring "
                                   "or raise NotImplementedError)")


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
    VALID = (Example(ws("@handler\ndef build():\n    try:\n        return 1 / 0\n    except ZeroDivisionError:\n        return 0\n")),)
    INVALID = (
        Example(ws("@handler\ndef build():\n    try:\n        return 1 / 0\n    except ZeroDivisionError:\n        pass\n"),
                at=("handlers.py", 8)),
        Example(ws("@handler\ndef build():\n    try:\n        return 1 / 0\n    except:\n        return 0\n"),
                at=("handlers.py", 8)),
    )

    def visit_ExceptHandler(self, node: cst.ExceptHandler, ctx: ScanContext) -> None:
        if ctx.function is None:
            return
        swallowed = _swallowing(node.body)
        if swallowed is not None:
            caught = dotted_name(node.type) if node.type is not None else "everything"
            edits = [(swallowed, "raise")] if isinstance(swallowed, cst.Pass | cst.Continue) else None
            self.report(ctx, node, f"`except {caught or '...'}` only passes in handler '{ctx.function}': "
                                   "failures turn green",
                        fix={"description": "re-raise the exception", "safety": "unsafe", "edits": edits})
        elif node.type is None:
            self.report(ctx, node, f"bare `except:` in handler '{ctx.function}' also catches KeyboardInterrupt and "
                                   "pytest's own outcomes; name the exceptions",
                        fix={"description": "re-raise the exception at the end of the clause", "safety": "unsafe"})


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
        Example(ws("import subprocess\n\n\n@handler\ndef build():\n    done = subprocess.run(['true'])\n    assert done.returncode == 0\n")),
    )
    INVALID = (
        Example(ws("import subprocess as sp\n\n\n@handler\ndef build():\n    sp.run(['true'])\n"), at=("handlers.py", 9)),
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
        if _SUBPROCESS[target]:
            fix = {"description": "add check=True", "safety": "unsafe", "edits": None}
            if isinstance(node.semicolon, cst.MaybeSentinel) and not any(
                a.keyword is not None and a.keyword.value == "check" for a in call.args
            ):
                last = call.args[-1] if call.args else None
                text = "check=True" if last is None else (
                    " check=True" if not isinstance(last.comma, cst.MaybeSentinel) else ", check=True")
                fix["edits"] = [(("end", node, -1), text)]
        else:
            fix = None
        self.report(ctx, node, f"`{target}(...)` in handler '{ctx.function}' ignores its exit status: "
                               "a failing command passes", fix=fix)


# handler literal paths: under a filesystem root, a drive path, or a backslash path
_ROOTS = "home|Users|tmp|var|usr|opt|etc|mnt|srv|root|private|Volumes|data|workspace|builds|runner"
_ABSOLUTE = re.compile(rf"^(?:/(?:{_ROOTS})(?:/[^\s/]+)+/?|[A-Za-z]:[\\/][^\s]*)$")
_BACKSLASH = re.compile(r"^(?:\.{1,2}\\|[\w-]+\\)(?:[\w .@-]+\\)*[\w .@-]+\.\w{1,8}$")
PATH_KEYS = re.compile(r"^(?:testFile|testFiles|file|files|path|paths|pattern|patterns|glob|globs|include|exclude|"
                       r".*(?:Path|File|Files|Dir|Directory|Pattern|Patterns))$")


def literal_path_problem(value: str) -> str | None:
    if _ABSOLUTE.match(value):
        return "an absolute path"
    if _BACKSLASH.match(value):
        return "a backslash-separated path"
    return None


def spec_path_problem(value: str) -> str | None:
    if value.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", value):
        return "an absolute path"
    if "\\" in value:
        return "a backslash-separated path"
    return None


class HardcodedPath(PythonCheck, SpecCheck):
    code = "HARDCODED_PATH"
    severity = Severity.MINOR
    fix = FixSafety.SAFE
    summary = (
        "An absolute or backslash-separated path in a spec path field (`testFile`, `path`, "
        "`patterns`, any key ending in Path, File, Dir or Pattern, on a sequence, movement or "
        "beat or one mapping below a beat), or a hardcoded path in a handler's string literal: "
        "under a filesystem root (/home, /Users, /tmp, /var, /usr, /opt, /etc, /mnt, /srv, "
        "/root, ...), a drive path (C:\\...), or a backslash-separated file path. Docstrings are "
        "not checked."
    )
    fix_summary = (
        "In spec path fields, replace backslashes with forward slashes; absolute paths and "
        "handler literals are reported without a fix."
    )
    VALID = (
        Example(ws("@handler\ndef build(tmp_path):\n    '''Writes /tmp/x only in the docstring.'''\n"
                   "    return {'out': str(tmp_path / 'out.txt'), 'api': '/api/v1'}\n")),
        Example(ws("@handler\ndef build():\n    return {}\n", spec=SPEC + "        testFile: tests/test_build.py\n")),
    )
    INVALID = (
        Example(ws("@handler\ndef build():\n    return {'out': '/home/ci/out.txt'}\n"), at=("handlers.py", 6)),
        Example(ws("@handler\ndef build():\n    return {}\n", spec=SPEC + "        testFile: tests\\\\test_build.py\n"),
                at=("sequences/release.yaml", 8)),
    )

    def visit_SimpleString(self, node: cst.SimpleString, ctx: ScanContext) -> None:
        raw = node.value
        if ctx.function is None or ("/" not in raw and "\\" not in raw) or id(node) in ctx.docstrings:
            return  # outside handlers, not path-like, or a docstring
        value = string_value(node)
        problem = literal_path_problem(value) if value is not None else None
        if problem:
            self.report(ctx, node, f"handler '{ctx.function}' hardcodes {problem} {value!r}; derive it from a "
                                   "fixture (tmp_path, rootpath) or the beat's inputs")

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        seq = spec.sequence
        nodes = [(spec.raw, "", None)]
        for m in seq.movements:
            nodes.append((m.raw, f"/movements/{m.index}", None))
            nodes += [(b.raw, beat_pointer(m, b), b) for b in m.beats]
        for node, pointer, beat in nodes:
            for key, value in node.items():
                if not isinstance(key, str) or not PATH_KEYS.match(key):
                    continue
                values = value if isinstance(value, list) else [value]
                for v in values:
                    if not isinstance(v, str):
                        continue
                    problem = spec_path_problem(v)
                    if problem is None:
                        continue
                    fix = None
                    if "\\" in v and not isinstance(value, list):
                        from .places import value_edit
                        import json

                        fix = Fix("use forward slashes", "safe", value_edit(spec, node, key, json.dumps(v.replace("\\", "/"))))
                    elif "\\" in v:
                        fix = Fix("use forward slashes", "safe")
                    yield spec_violation(
                        self.code, spec, f"`{key}` is {problem}: {v!r}", node=node, key=key, pointer=pointer,
                        beat=beat, span=True, fix=fix,
                    )
        nested = _nested_path_fields(seq, spec)
        yield from nested


def _nested_path_fields(seq: Any, spec: Any) -> Iterator[Violation]:
    """Path fields one mapping below a beat (``input: {patterns: [...]}``)."""
    for m in seq.movements:
        for b in m.beats:
            for sub_key, sub in b.raw.items():
                if not isinstance(sub, dict):
                    continue
                for key, value in sub.items():
                    if not isinstance(key, str) or not PATH_KEYS.match(key):
                        continue
                    for v in value if isinstance(value, list) else [value]:
                        if isinstance(v, str) and spec_path_problem(v):
                            yield spec_violation(
                                HardcodedPath.code, spec, f"`{sub_key}.{key}` is {spec_path_problem(v)}: {v!r}",
                                node=sub, key=key, pointer=f"{beat_pointer(m, b)}/{sub_key}", beat=b,
                                fix=Fix("use forward slashes", "safe") if "\\" in v else None,
                            )


# -- the handler index -----------------------------------------------------------------------


def _uses(ws) -> Iterator[tuple[Any, Any, Any, Any, Any]]:
    """(spec, movement, beat, reference, handler def) of every beat reference that resolves."""
    for spec in ws.loaded():
        for m in spec.sequence.movements:
            for b in m.beats:
                for ref in b.handlers:
                    d = ws.handlers.resolve(ref, spec)
                    if d is not None:
                        yield spec, m, b, ref, d


class SignatureMismatch(WorkspaceCheck):
    code = "SIGNATURE_MISMATCH"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "A handler parameter without a default is neither an available fixture nor an input of a "
        "beat that uses the handler, so nothing could supply it. Reported once per handler and "
        "parameter, at the parameter, naming the first such beat."
    )
    VALID = (
        Example(ws("@handler\ndef build(tmp_path, fmt):\n    return {'fmt': fmt}\n",
                   spec=SPEC + "        inputs: {fmt: wheel}\n")),
    )
    INVALID = (Example(ws("@handler\ndef build(tmp_path, fmt):\n    return {'fmt': fmt}\n"), at=("handlers.py", 5)),)

    def check(self, ws) -> Iterator[Violation]:
        seen: set[tuple] = set()
        for spec, m, b, ref, d in _uses(ws):
            if not d.facts or d.origin == "external":
                continue
            inputs = b.inputs if hasattr(b.inputs, "keys") else {}
            for p in d.facts["params"]:
                if p["default"] or p["kind"] in ("var_positional", "var_keyword"):
                    continue
                name = p["name"]
                if name in inputs or name in ws.fixtures:
                    continue
                key = (d.key, name)
                if key in seen:
                    continue
                seen.add(key)
                yield Violation(
                    self.code,
                    f"handler '{d.name}' needs '{name}', but beat {m.number}.{b.number} '{b.title}' of "
                    f"'{spec.sequence.id}' declares no such input and no fixture '{name}' exists",
                    Place(d.path or "?", p.get("line") or d.line, p.get("col") or 1),
                    sequence=spec.sequence.id,
                    beat=b.id if isinstance(b.id, str) and b.id else str(b.number),
                )


class TelemetryNotInstrumented(WorkspaceCheck):
    code = "TELEMETRY_NOT_INSTRUMENTED"
    severity = Severity.MINOR
    fix = FixSafety.SAFE
    summary = (
        "A function a beat runs (found as a plain function of a registered module) is not "
        "registered through the handler decorator, so it carries no beat metadata."
    )
    fix_summary = "Add the handler decorator to the function, and its import to the module."
    VALID = (Example(ws("@handler\ndef build():\n    return {}\n")),)
    INVALID = (Example(ws("def build():\n    return {}\n"), at=("handlers.py", 4)),)

    def check(self, ws) -> Iterator[Violation]:
        seen: set[tuple] = set()
        for spec, m, b, ref, d in _uses(ws):
            if d.decorated or d.key in seen or d.origin != "project":
                continue
            seen.add(d.key)
            yield Violation(
                self.code,
                f"'{d.function}' runs beat {m.number}.{b.number} '{b.title}' of '{spec.sequence.id}' but is not "
                "registered with @handler, so it carries no beat metadata",
                Place(d.path or "?", d.line, d.col),
                fix=Fix("add @handler to the function and `from pytest_symphony import handler` to the module", "safe"),
                sequence=spec.sequence.id,
                beat=b.id if isinstance(b.id, str) and b.id else str(b.number),
            )


class DuplicateHandler(WorkspaceCheck):
    code = "DUPLICATE_HANDLER"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = "Two handler functions are registered under the same name."
    VALID = (Example(ws("@handler\ndef build():\n    return {}\n")),)
    INVALID = (
        Example(ws("@handler\ndef build():\n    return {}\n",
                   **{"conftest.py": "from pytest_symphony import handler\n\n\n@handler('build')\ndef build_it():\n    return {}\n"}),
                at=("handlers.py", 5)),
    )

    def check(self, ws) -> Iterator[Violation]:
        for name in ws.handlers.names():
            defs = [d for d in ws.handlers.by_name[name] if d.origin == "project" and d.decorated]
            distinct = {d.key: d for d in defs}
            if len(distinct) < 2:
                continue
            for d in distinct.values():
                others = ", ".join(f"{o.path}:{o.line}" for o in distinct.values() if o is not d)
                yield Violation(
                    self.code, f"handler name '{name}' is also registered by {others}; rename one or register it "
                    "under another name with @handler(\"...\")",
                    Place(d.path or "?", d.line, d.col),
                )


class OrphanHandler(WorkspaceCheck):
    code = "ORPHAN_HANDLER"
    severity = Severity.INFO
    fix = FixSafety.NONE
    summary = "A registered handler is used by no beat of any scanned sequence."
    VALID = (Example(ws("@handler\ndef build():\n    return {}\n")),)
    INVALID = (Example(ws("@handler\ndef build():\n    return {}\n\n\n@handler\ndef unused():\n    return {}\n"),
                       at=("handlers.py", 10)),)

    def check(self, ws) -> Iterator[Violation]:
        used = {d.key for *_, d in _uses(ws)}
        for spec in ws.loaded():
            if spec.sequence.rollback is not None:
                d = ws.handlers.resolve(spec.sequence.rollback, spec)
                if d is not None:
                    used.add(d.key)
        for d in ws.handlers.project():
            if d.decorated and d.key not in used:
                yield Violation(
                    self.code, f"handler '{d.name}' is registered but no beat of any scanned sequence uses it",
                    Place(d.path or "?", d.line, d.col),
                )


CHECKS = [
    MissingImplementation,
    SignatureMismatch,
    TelemetryNotInstrumented,
    ExceptionSwallowed,
    UncheckedSubprocess,
    HardcodedPath,
    DuplicateHandler,
    OrphanHandler,
]
