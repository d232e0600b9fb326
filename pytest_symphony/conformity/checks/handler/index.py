"""The handler index against the beats that use it: signatures, decorators, duplicates, orphans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ...codes import FixSafety, Severity
from ...violation import Fix, Place, Violation
from ..base import Example, WorkspaceCheck
from .examples import SPEC, ws

if TYPE_CHECKING:
    from ....score.model import Beat, HandlerRef, Movement
    from ...handlers import HandlerDef
    from ...sources import LoadedSpec
    from ...workspace import Workspace

# -- the handler index -----------------------------------------------------------------------


def _uses(ws: Workspace) -> Iterator[tuple[LoadedSpec, Movement, Beat, HandlerRef, HandlerDef]]:
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
        Example(
            ws(
                "@handler\ndef build(tmp_path, fmt):\n    return {'fmt': fmt}\n",
                spec=SPEC + "        inputs: {fmt: wheel}\n",
            )
        ),
    )
    INVALID = (Example(ws("@handler\ndef build(tmp_path, fmt):\n    return {'fmt': fmt}\n"), at=("handlers.py", 5)),)

    def check(self, ws: Workspace) -> Iterator[Violation]:
        seen: set[tuple[tuple[str, str], str]] = set()
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

    def check(self, ws: Workspace) -> Iterator[Violation]:
        seen: set[tuple[str, str]] = set()
        for spec, m, b, ref, d in _uses(ws):
            if d.decorated or d.key in seen or d.origin != "project":
                continue
            seen.add(d.key)
            yield Violation(
                self.code,
                f"'{d.function}' runs beat {m.number}.{b.number} '{b.title}' of '{spec.sequence.id}' but is not "
                "registered with @handler, so it carries no beat metadata",
                Place(d.path or "?", d.line, d.col),
                fix=Fix(
                    "add @handler to the function and `from pytest_symphony import handler` to the module",
                    FixSafety.SAFE,
                ),
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
        Example(
            ws(
                "@handler\ndef build():\n    return {}\n",
                **{
                    "conftest.py": "from pytest_symphony import handler\n\n\n@handler('build')\ndef build_it():\n    return {}\n"
                },
            ),
            at=("handlers.py", 5),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        for name in ws.handlers.names():
            defs = [d for d in ws.handlers.by_name[name] if d.origin == "project" and d.decorated]
            distinct = {d.key: d for d in defs}
            if len(distinct) < 2:
                continue
            for d in distinct.values():
                others = ", ".join(f"{o.path}:{o.line}" for o in distinct.values() if o is not d)
                yield Violation(
                    self.code,
                    f"handler name '{name}' is also registered by {others}; rename one or register it "
                    'under another name with @handler("...")',
                    Place(d.path or "?", d.line, d.col),
                )


class OrphanHandler(WorkspaceCheck):
    code = "ORPHAN_HANDLER"
    severity = Severity.INFO
    fix = FixSafety.NONE
    summary = "A registered handler is used by no beat of any scanned sequence."
    VALID = (Example(ws("@handler\ndef build():\n    return {}\n")),)
    INVALID = (
        Example(
            ws("@handler\ndef build():\n    return {}\n\n\n@handler\ndef unused():\n    return {}\n"),
            at=("handlers.py", 10),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        used = {d.key for *_, d in _uses(ws)}
        for spec in ws.loaded():
            if spec.sequence.rollback is not None:
                d = ws.handlers.resolve(spec.sequence.rollback, spec)
                if d is not None:
                    used.add(d.key)
        for d in ws.handlers.project():
            if d.decorated and d.key not in used:
                yield Violation(
                    self.code,
                    f"handler '{d.name}' is registered but no beat of any scanned sequence uses it",
                    Place(d.path or "?", d.line, d.col),
                )
