"""From violations to the fixes one round applies.

For each violation of the phase (on a file under the rootdir): its code's fixer computes
the edits (grouping what belongs together, such as every event one sequence lacks), or
the engine's own exact edits are used, or a plugin supplies them through
``pytest_symphony_autofix``.  Unsafe fixes wait for ``--symphony-unsafe-fixes``.  Every
fix is then proven on the file's current text (:mod:`.guards`), and :func:`select` keeps
a set whose edits do not overlap; the others wait for the next round, which sees the
files as this one left them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..conformity.codes import FixSafety
from ..conformity.violation import Edit, Fix, Violation
from .context import FixContext, inside_root
from .guards import FixRefused, is_spec_like, verify_file
from .structured import Document, EditRefused, apply_spans, prove

__all__ = ["PlannedFix", "Declined", "Plan", "plan_fixes", "select", "new_texts", "from_changes", "engine_fix"]


@dataclass(frozen=True)
class PlannedFix:
    """One fix: the violations it resolves and its exact edits (a missing file is created).

    ``expects``: codes the fix knowingly leaves behind in the files it touches (a scaffolded
    stub is reported as MISSING_IMPLEMENTATION until someone writes it).  ``removes``: the
    fix deletes content (only unsafe fixes, whose description says so).
    """

    code: str
    violations: tuple[Violation, ...]
    description: str
    safety: FixSafety
    edits: tuple[Edit, ...]
    expects: frozenset[str] = frozenset()
    removes: bool = False
    origin: str = "built-in"

    @property
    def files(self) -> list[str]:
        return sorted({e.path for e in self.edits})


@dataclass(frozen=True)
class Declined:
    """A violation whose fix cannot be made, and why."""

    violation: Violation
    reason: str


@dataclass
class Plan:
    fixes: list[PlannedFix] = field(default_factory=list)
    declined: list[Declined] = field(default_factory=list)
    unsafe: list[Violation] = field(default_factory=list)  # fixable with --symphony-unsafe-fixes
    nofix: list[Violation] = field(default_factory=list)  # reported only

    @property
    def files(self) -> list[str]:
        return sorted({f for fix in self.fixes for f in fix.files})


Fixer = Callable[[list[Violation], FixContext], Iterable["PlannedFix | Declined"]]


def from_changes(
    code: str,
    violations: Iterable[Violation],
    description: str,
    safety: FixSafety | str,
    doc: Document,
    changes: list[Any],
    **kw: Any,
) -> PlannedFix:
    """A fix made of structural changes to one spec-like document, proven before it is offered."""
    prove(doc, changes)
    edits = tuple(Edit(doc.path, c.start, c.end, c.replacement) for c in changes)
    return PlannedFix(code, tuple(violations), description, FixSafety(safety), edits, **kw)


# -- planning ---------------------------------------------------------------------------------


def engine_fix(v: Violation, ctx: FixContext) -> PlannedFix | Declined:
    """The engine's own edits; a spec value edit is redone as a proven structural change."""
    assert v.fix is not None and v.fix.edits is not None
    edits = v.fix.edits
    path = v.place.path
    if len(edits) == 1 and edits[0].path == path and is_spec_like(path) and v.place.pointer:
        text = ctx.text(path)
        try:
            value = json.loads(edits[0].replacement)
            doc = Document(path, text or "")
            parts = doc.sequence_parts(v.place.pointer)
            return from_changes(v.code, [v], v.fix.description, v.fix.safety, doc, [doc.set(parts, value)])
        except (ValueError, EditRefused):
            pass  # not a JSON value, or not where the pointer says: the engine's span, under the guards
    return PlannedFix(v.code, (v,), v.fix.description, v.fix.safety, tuple(edits))


def _plugin_fix(v: Violation, ctx: FixContext) -> PlannedFix | None:
    if ctx.hook is None or not hasattr(ctx.hook, "pytest_symphony_autofix"):
        return None
    fix = ctx.hook.pytest_symphony_autofix(violation=v, root=ctx.root)
    if fix is None:
        return None
    if not isinstance(fix, Fix):
        raise TypeError(
            f"pytest_symphony_autofix returned {type(fix).__name__} for {v.code}; return a "
            "pytest_symphony.conformity.Fix with edits, or None"
        )
    return PlannedFix(v.code, (v,), fix.description, fix.safety, tuple(fix.edits or ()), origin="plugin")


def plan_fixes(
    violations: Iterable[Violation], wanted: Callable[[Violation], bool], ctx: FixContext, fixers: dict[str, Fixer]
) -> Plan:
    """Every fix the phase could apply to the ``wanted`` violations now (proven, possibly overlapping)."""
    plan = Plan()
    groups: dict[str, list[Violation]] = {}
    offered: list[PlannedFix | Declined] = []
    for v in violations:
        if not wanted(v) or not inside_root(v.place.path):
            continue
        if v.fix is None or (v.code not in fixers and v.fix.edits is None):
            hooked = _plugin_fix(v, ctx)
            if hooked is not None:
                offered.append(hooked)
            elif v.fix is None:
                plan.nofix.append(v)
            else:
                offered.append(Declined(v, "no fixer computes this fix"))
            continue
        if v.fix.safety is FixSafety.UNSAFE and not ctx.unsafe:
            plan.unsafe.append(v)
            continue
        groups.setdefault(v.code, []).append(v)
    for code, group in groups.items():
        fixer = fixers.get(code)
        if fixer is not None:
            offered.extend(fixer(group, ctx))
        else:
            offered.extend(engine_fix(v, ctx) for v in group)
    for item in offered:
        if isinstance(item, Declined):
            plan.declined.append(item)
            continue
        if item.safety is FixSafety.UNSAFE and not ctx.unsafe:
            plan.unsafe.extend(item.violations)
            continue
        problem = _proof_problem(item, ctx)
        if problem is None:
            plan.fixes.append(item)
        else:
            plan.declined.extend(Declined(v, problem) for v in item.violations)
    return plan


def new_texts(fixes: Iterable[PlannedFix], ctx: FixContext) -> dict[str, str]:
    """Path -> the text after applying these fixes' edits (a missing file starts empty)."""
    by_file: dict[str, list[tuple[int, int, str]]] = {}
    for fix in fixes:
        for e in fix.edits:
            by_file.setdefault(e.path, []).append((e.start_offset, e.end_offset, e.replacement))
    out = {}
    for path, spans in by_file.items():
        out[path] = apply_spans(ctx.text(path) or "", spans)
    return out


def _proof_problem(fix: PlannedFix, ctx: FixContext) -> str | None:
    if not fix.edits:
        return "the fix has no edits"
    for path in fix.files:
        if not inside_root(path):
            return f"the fix would write {path}, outside the rootdir"
    try:
        texts = new_texts([fix], ctx)
        for path, text in texts.items():
            old = ctx.text(path)
            if old is not None and text == old:
                return "the fix changes nothing"
            verify_file(path, old, text, removes=fix.removes)
    except (FixRefused, EditRefused) as exc:
        return str(exc)
    return None


# -- one round ------------------------------------------------------------------------------


def _overlaps(a: Edit, b: Edit) -> bool:
    return a.start_offset == b.start_offset or (a.start_offset < b.end_offset and b.start_offset < a.end_offset)


def select(fixes: list[PlannedFix], ctx: FixContext) -> tuple[list[PlannedFix], list[PlannedFix]]:
    """Fixes whose edits overlap none taken before them (and whose files stay sound
    together); the rest wait for the next round."""
    taken: list[PlannedFix] = []
    waiting: list[PlannedFix] = []
    held: dict[str, list[Edit]] = {}
    for fix in sorted(fixes, key=lambda f: (f.files[0], min(e.start_offset for e in f.edits), f.code)):
        creates = any(ctx.text(p) is None for p in fix.files)
        clash = any(
            (creates and e.path in held) or any(_overlaps(e, h) for h in held.get(e.path, ())) for e in fix.edits
        ) or any(p in held and ctx.text(p) is None for p in fix.files)
        if clash:
            waiting.append(fix)
            continue
        taken.append(fix)
        for e in fix.edits:
            held.setdefault(e.path, []).append(e)
    return _sound_together(taken, waiting, ctx)


def _sound_together(
    taken: list[PlannedFix], waiting: list[PlannedFix], ctx: FixContext
) -> tuple[list[PlannedFix], list[PlannedFix]]:
    """Prove each file with every taken fix applied; where a combination fails, the first
    fix keeps the file this round and the others wait."""
    settled = False
    while not settled:
        settled = True
        by_path: dict[str, list[PlannedFix]] = {}
        for f in taken:
            for path in f.files:
                by_path.setdefault(path, []).append(f)
        shared = [f for path, fixes in by_path.items() if len(fixes) > 1 for f in fixes]
        for path, text in new_texts(shared, ctx).items():
            sharing = by_path[path]
            if len(sharing) < 2:
                continue
            try:
                verify_file(path, ctx.text(path), text, removes=any(f.removes for f in sharing))
            except FixRefused:
                later = sharing[1:]
                taken = [f for f in taken if f not in later]
                waiting = waiting + later
                settled = False
                break
    return taken, waiting
