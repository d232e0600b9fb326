"""Fixers that edit handler modules through libcst (:mod:`..pyedit`): the handler
decorator, ``except`` clauses that stop swallowing failures, and stub handlers for beats
that name a handler nobody wrote."""

from __future__ import annotations

import re
from typing import Iterator

from ...conformity.codes import FixSafety
from ...conformity.violation import Edit, Violation
from ..context import FixContext
from ..plan import Declined, PlannedFix, engine_fix
from ..pyedit import (
    PythonEditError,
    add_decorator,
    append_code,
    identifier,
    narrow_bare_except,
    parse_module,
    spans,
    top_level_names,
)
from ..structured import Change, Document, EditRefused, prove
from .spec import _by_file

__all__ = ["FIXERS"]

Offer = Iterator["PlannedFix | Declined"]


def _edits(path: str, old: str, new: str) -> tuple[Edit, ...]:
    return tuple(Edit(path, s, e, r) for s, e, r in spans(old, new))


def telemetry_not_instrumented(violations: list[Violation], ctx: FixContext) -> Offer:
    for path, vs in _by_file(violations).items():
        old = ctx.text(path)
        if old is None:
            yield from (Declined(v, f"{path} is gone") for v in vs)
            continue
        new: str = old
        done: list[Violation] = []
        for v in vs:
            m = re.match(r"'([^']+)' runs beat", v.message)
            try:
                if m is None:
                    raise PythonEditError("the message names no function")
                new = add_decorator(new, m.group(1))
                done.append(v)
            except PythonEditError as exc:
                yield Declined(v, f"{path}: {exc}")
        if done and new != old:
            yield PlannedFix(
                done[0].code, tuple(done), "add @handler and its import", FixSafety.SAFE, _edits(path, old, new)
            )


def exception_swallowed(violations: list[Violation], ctx: FixContext) -> Offer:
    for path, vs in _by_file(violations).items():
        old = ctx.text(path)
        if old is None:
            yield from (Declined(v, f"{path} is gone") for v in vs)
            continue
        exact = [v for v in vs if v.fix is not None and v.fix.edits]
        for v in exact:  # `pass`/`continue` becomes `raise`: the engine's own span
            fix = v.fix
            assert fix is not None and fix.edits  # what `exact` holds
            yield PlannedFix(v.code, (v,), fix.description, fix.safety, fix.edits)
        new: str = old
        done: list[Violation] = []
        for v in (v for v in vs if v not in exact):  # a bare `except:` that does something: narrow it
            try:
                new = narrow_bare_except(new, v.place.line)
                done.append(v)
            except PythonEditError as exc:
                yield Declined(v, f"{path}: {exc}")
        if done:
            yield PlannedFix(
                done[0].code,
                tuple(done),
                "catch Exception instead of everything, so KeyboardInterrupt and pytest's outcomes propagate",
                FixSafety.UNSAFE,
                _edits(path, old, new),
            )


_NAMES = re.compile(r"names handler '([^']+)'")


def _stub(name: str, function: str, decorator: str, beats: list[str]) -> str:
    what = ", ".join(beats[:3]) + (" ..." if len(beats) > 3 else "")
    call = f"@{decorator}" if name == function else f"@{decorator}({name!r})"
    message = f"handler '{name}' is a stub scaffolded by pytest --symphony-unsafe-fixes; write it"
    return f'{call}\ndef {function}(symphony):\n    """Runs {what}."""\n    raise NotImplementedError({message!r})\n'


def handler_not_found(violations: list[Violation], ctx: FixContext) -> Offer:
    renames = [v for v in violations if v.fix is not None and v.fix.edits]
    for v in renames:
        fix = engine_fix(v, ctx)
        if isinstance(fix, PlannedFix):
            fix = PlannedFix(
                fix.code,
                fix.violations,
                fix.description,
                fix.safety,
                fix.edits,
                expects=frozenset({"BREAKING_CHANGE_DETECTED"}),
            )
        yield fix
    rest = [v for v in violations if v not in renames]
    if rest:
        yield from _scaffold_stubs(rest, ctx)


class _StubPlan:
    """The stubs one fix scaffolds: a function per missing name, and a handler named for
    each beat that names none (with the spec edits that name it)."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.stubs: dict[str, list[str]] = {}
        self.functions: dict[str, str] = {}
        self.spec_changes: dict[str, list[Change]] = {}
        self.docs: dict[str, Document] = {}
        self.done: list[Violation] = []

    def add(self, v: Violation, ctx: FixContext) -> Declined | None:
        """Plan a stub for ``v``, or why not."""
        beat = f"beat {v.beat or '?'} of '{v.sequence}'"
        m = _NAMES.search(v.message)
        try:
            if m is not None:
                name = m.group(1)
                if "#" in name:
                    raise EditRefused(f"'{name}' names a module: scaffold it in that module by hand")
            else:  # a beat naming no handler: name one after the beat, and scaffold it
                name = self._name_the_beat(v, ctx)
        except (EditRefused, LookupError) as exc:
            return Declined(v, str(exc))
        if name not in self.functions:
            self.functions[name] = (
                name if name.isidentifier() and name not in self.taken else identifier(name, self.taken)
            )
            self.taken.add(self.functions[name])
        self.stubs.setdefault(name, []).append(beat)
        self.done.append(v)
        return None

    def _name_the_beat(self, v: Violation, ctx: FixContext) -> str:
        path = v.place.path
        doc = self.docs.get(path) or self.docs.setdefault(path, Document(path, ctx.text(path) or ""))
        parts = doc.sequence_parts(v.place.pointer or "")
        raw = doc.get(parts)
        title = raw.get("name") or raw.get("title") or raw.get("id") or f"beat_{v.beat}"
        name = identifier(str(title), self.taken)
        self.spec_changes.setdefault(path, []).append(doc.insert(parts, "handler", name, first=False))
        return name


def _scaffold_stubs(rest: list[Violation], ctx: FixContext) -> Offer:
    """Stub handlers in the handler module for every name that resolves to none."""
    module = ctx.handler_module()
    if module is None:
        yield from (
            Declined(v, "no module of ini symphony_handlers is under the rootdir to scaffold a stub handler into")
            for v in rest
        )
        return
    old = ctx.text(module)
    if old is None:
        yield from (Declined(v, f"{module} is gone") for v in rest)
        return
    try:
        plan = _StubPlan(top_level_names(parse_module(old)))
    except PythonEditError as exc:
        yield from (Declined(v, f"{module}: {exc}") for v in rest)
        return
    for v in rest:
        declined = plan.add(v, ctx)
        if declined is not None:
            yield declined
    if not plan.done:
        return
    done, stubs, functions = plan.done, plan.stubs, plan.functions
    try:
        new = append_code(
            old,
            lambda local: "\n\n".join(
                _stub(name, functions[name], local["handler"], beats) for name, beats in stubs.items()
            ),
            [("pytest_symphony", "handler")],
        )
    except PythonEditError as exc:
        yield from (Declined(v, f"{module}: {exc}") for v in done)
        return
    edits = list(_edits(module, old, new))
    try:
        for path, changes in plan.spec_changes.items():
            prove(plan.docs[path], changes)
            edits += [Edit(path, c.start, c.end, c.replacement) for c in changes]
    except EditRefused as exc:
        yield from (Declined(v, str(exc)) for v in done)
        return
    yield PlannedFix(
        done[0].code,
        tuple(done),
        f"scaffold stub handler(s) {', '.join(stubs)} in {module}",
        FixSafety.UNSAFE,
        tuple(edits),
        expects=frozenset({"MISSING_IMPLEMENTATION", "BREAKING_CHANGE_DETECTED"}),
    )


FIXERS = {
    "TELEMETRY_NOT_INSTRUMENTED": telemetry_not_instrumented,
    "EXCEPTION_SWALLOWED": exception_swallowed,
    "HANDLER_NOT_FOUND": handler_not_found,
}
