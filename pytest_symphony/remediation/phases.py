"""Fixing, phase by phase, following the conformity pipeline's movements.

Phase 1 fixes domain and orchestration codes, phase 2 sequence codes, phase 3 handler
and BDD codes (:data:`pytest_symphony.conformity.items.PHASES`).  Each phase:

1. snapshots every file its fixes will touch (:mod:`.snapshot`; files a later round
   touches join the snapshot before they are written);
2. applies a set of non-overlapping, proven fixes (:mod:`.plan`), each file written
   through a temporary file and ``os.replace`` (:mod:`.atomic`);
3. re-parses and re-checks the workspace, and repeats while some fix applies, at most
   :data:`MAX_ROUNDS` rounds;
4. keeps the result, or restores every file of the phase from its snapshot and says
   why: a file no longer parses, a fix created a violation that was not there (counted
   per code and file), a fix did not remove its violation, the rounds did not settle, or
   anything raised.

Codes that only say "this file changed" (UNAUTHORIZED_CHANGE against the lock,
MANIFEST_MISMATCH against the build manifest) are not new problems a fix made: a fix
changes files by definition.  The manifest is regenerated in whichever phase made it
stale; approving the changed files stays the user's explicit act.
"""

from __future__ import annotations

import difflib
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..conformity.codes import Category
from ..conformity.engine import EngineResult
from ..conformity.items import PHASES, in_phase
from ..conformity.settings import Settings
from ..conformity.violation import Violation
from .atomic import read_text, remove_stale_temps, write_atomic
from .context import FixContext
from .fixers import builtin_fixers
from .guards import is_spec_like
from .plan import Declined, Fixer, PlannedFix, new_texts, plan_fixes, select
from .snapshot import Snapshot, prune_snapshots

__all__ = ["PHASE_TITLES", "MAX_ROUNDS", "DERIVED", "PhaseOutcome", "Remediation", "PhaseFailed"]

MAX_ROUNDS = 8
#: Snapshots of this many fixing runs are kept (older ones are removed when a run snapshots).
KEEP_RUNS = 20
PHASE_TITLES = {"domain": "domain & orchestration", "sequence": "sequence", "handler": "handler & BDD"}
#: Codes that report a changed file as such: never "created" by a fix.
DERIVED = frozenset({"UNAUTHORIZED_CHANGE", "MANIFEST_MISMATCH"})
#: Codes fixed in any phase whose edits bring them about.
COMPANIONS = frozenset({"MANIFEST_MISMATCH"})
#: Codes that stop a spec from loading (and from every other check).
LOAD_CODES = frozenset({"SEQUENCE_PARSE_ERROR", "SCHEMA_VIOLATION"})


class PhaseFailed(Exception):
    """The phase cannot be kept (the message says why)."""


@dataclass
class PhaseOutcome:
    """What one phase did."""

    phase: str
    number: int
    snapshot: str | None = None
    kept: bool = True
    reason: str | None = None
    rounds: int = 0
    applied: list[PlannedFix] = field(default_factory=list)
    declined: list[Declined] = field(default_factory=list)
    unsafe: list[Violation] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    before: EngineResult | None = None
    after: EngineResult | None = None
    revealed: list[str] = field(default_factory=list)  # specs a fix made loadable: checked fully now
    loaded: dict[str, bool] = field(default_factory=dict)  # spec -> whether it loaded before the phase wrote it

    @property
    def title(self) -> str:
        return PHASE_TITLES.get(self.phase, self.phase)

    def codes(self) -> Counter:
        """Violations resolved, per code, by the fixes applied (kept or not)."""
        return Counter(v.code for fix in self.applied for v in fix.violations)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (crosses xdist on a report)."""
        return {
            "phase": self.phase, "number": self.number, "title": self.title, "snapshot": self.snapshot,
            "kept": self.kept, "reason": self.reason, "rounds": self.rounds, "files": list(self.files),
            "fixed": dict(self.codes()),
            "fixes": [{"code": f.code, "description": f.description, "files": f.files, "safety": f.safety.value,
                       "origin": f.origin, "violations": len(f.violations)} for f in self.applied],
            "declined": [{"code": d.violation.code, "place": str(d.violation.place), "reason": d.reason}
                         for d in self.declined],
            "unsafe": dict(Counter(v.code for v in self.unsafe)),
            "diffs": dict(self.diffs),
            "scores_before": _scores(self.before), "scores_after": _scores(self.after),
            "remaining": dict(Counter(v.code for v in self.after.violations)) if self.after else {},
            "revealed": list(self.revealed),
        }


def _scores(result: EngineResult | None) -> dict[str, float]:
    return {d.value: s for d, s in result.scores.items()} if result is not None else {}


def unified_diff(path: str, before: str | None, after: str | None) -> str:
    a = (before or "").splitlines(keepends=True)
    b = (after or "").splitlines(keepends=True)
    for lines in (a, b):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n\\ No newline at end of file\n"
    return "".join(difflib.unified_diff(a, b, "/dev/null" if before is None else f"a/{path}",
                                        "/dev/null" if after is None else f"b/{path}"))


class Remediation:
    """One fixing run over a workspace: its phases, snapshots and outcomes.

    ``check()`` runs the conformity engine over ``root`` and returns its result.
    ``on_event(name, payload)`` hears ``written`` (one per file written), ``kept`` and
    ``restored``.  Used by the pytest plug-in (one beat at a time) and by
    :func:`pytest_symphony.remediation.fix_workspace` (all at once).
    """

    def __init__(self, root: Path, settings: Settings, check: Callable[[], EngineResult], *, run_id: str,
                 snapshots_dir: Path, unsafe: bool = False, hook: Any = None, registry: Any = None,
                 fixers: dict[str, Fixer] | None = None, max_rounds: int = MAX_ROUNDS,
                 on_event: Callable[[str, dict], None] | None = None) -> None:
        self.root = Path(root)
        self.settings = settings
        self.check = check
        self.run_id = run_id
        self.snapshots_dir = Path(snapshots_dir)
        self.unsafe = unsafe
        self.hook = hook
        self.registry = registry
        self.fixers = fixers if fixers is not None else builtin_fixers()
        self.max_rounds = max_rounds
        self.on_event = on_event
        self.result: EngineResult | None = None
        self.first: EngineResult | None = None
        self.snapshots: dict[str, Snapshot | None] = {}
        self.outcomes: list[PhaseOutcome] = []
        self._cleaned = False
        self._pruned = False
        self._planned: dict[str, tuple[EngineResult, Any]] = {}

    # -- state -------------------------------------------------------------------------------
    def current(self) -> EngineResult:
        if self.result is None:
            self.result = self.check()
            self.first = self.first or self.result
        return self.result

    def context(self) -> FixContext:
        return FixContext(self.root, self.settings, unsafe=self.unsafe, hook=self.hook, registry=self.registry)

    def _emit(self, name: str, payload: dict) -> None:
        if self.on_event is not None:
            self.on_event(name, payload)

    @staticmethod
    def categories(phase: str) -> tuple[Category, ...]:
        if phase not in PHASES:
            raise ValueError(f"unknown fixing phase {phase!r}; expected one of {', '.join(PHASES)}")
        return PHASES[phase]

    def wanted(self, phase: str) -> Callable[[Violation], bool]:
        categories = self.categories(phase)
        return lambda v: in_phase(v, categories) or v.code in COMPANIONS

    # -- the phase ---------------------------------------------------------------------------
    def snapshot(self, phase: str) -> Snapshot | None:
        """Copy the files the phase's first round will touch (None: it has nothing to fix)."""
        if not self._cleaned:
            self._cleaned = True
            folders = {self.root} | {(self.root / p).parent for p in self.current().files if "/" in p}
            remove_stale_temps(sorted(folders))
        ctx = self.context()
        plan = plan_fixes(self.current().violations, self.wanted(phase), ctx, self.fixers)
        self._planned[phase] = (self.current(), plan)  # the first round reuses it
        files = plan.files
        snap = None
        if files:
            number = list(PHASES).index(phase) + 1
            snap = Snapshot.create(self.snapshots_dir, self.root, run_id=self.run_id, phase=phase, number=number)
            snap.add(files)
            if not self._pruned:
                self._pruned = True
                prune_snapshots(self.snapshots_dir, KEEP_RUNS)
        self.snapshots[phase] = snap
        return snap

    def fix(self, phase: str) -> PhaseOutcome:
        """Run the phase to the end: kept, or restored with the reason."""
        number = list(PHASES).index(phase) + 1
        snap = self.snapshots[phase] if phase in self.snapshots else self.snapshot(phase)
        start = self.current()
        outcome = PhaseOutcome(phase, number, snapshot=snap.id if snap else None, before=start, after=start)
        self.outcomes.append(outcome)
        touched: list[str] = []
        try:
            outcome.after = self._rounds(phase, snap, start, outcome, touched)
            problems = self._new_problems(start, outcome, touched)
            if problems:
                raise PhaseFailed("a fix created what was not there before: " + "; ".join(problems))
            snap = self.snapshots.get(phase)
            if snap is not None:
                snap.keep()
            outcome.diffs = self._diffs(snap, touched)
            self._emit("kept", {"phase": phase, "files": touched})
        except BaseException as exc:
            outcome.kept = False
            outcome.reason = str(exc) if isinstance(exc, PhaseFailed) else _describe(exc)
            snap = self.snapshots.get(phase)
            if snap is not None and touched:
                snap.restore(outcome.reason)
            elif snap is not None:
                snap.keep()  # nothing was written: nothing to restore
            self._emit("restored", {"phase": phase, "files": touched, "reason": outcome.reason})
            if not isinstance(exc, Exception):
                raise
            outcome.after = start  # the phase's files are back as they were: so is what the check said
        outcome.files = touched
        self.result = outcome.after
        return outcome

    def _rounds(self, phase: str, snap: Snapshot | None, start: EngineResult, outcome: PhaseOutcome,
                touched: list[str]) -> EngineResult:
        result = start
        attempted: set[tuple] = set()
        for n in range(1, self.max_rounds + 2):
            ctx = self.context()
            cached = self._planned.pop(phase, None)
            if cached is not None and cached[0] is result and n == 1:
                plan = cached[1]
            else:
                plan = plan_fixes(result.violations, self.wanted(phase), ctx, self.fixers)
            outcome.declined, outcome.unsafe = plan.declined, plan.unsafe
            chosen, _ = select(plan.fixes, ctx)
            if not chosen:
                return result
            if n > self.max_rounds:
                raise PhaseFailed(f"the fixes did not settle after {self.max_rounds} rounds "
                                  f"({', '.join(sorted({f.code for f in chosen}))} still applying)")
            for fix in chosen:
                again = [v for v in fix.violations if _identity(v) in attempted]
                if again:
                    raise PhaseFailed(f"the {fix.code} fix at {again[0].place.path} did not remove its violation "
                                      f"({fix.description})")
            attempted |= {_identity(v) for fix in chosen for v in fix.violations}
            if snap is None:
                snap = self.snapshots[phase] = Snapshot.create(
                    self.snapshots_dir, self.root, run_id=self.run_id, phase=phase, number=outcome.number)
                outcome.snapshot = snap.id
            self._write(snap, new_texts(chosen, ctx), ctx, touched, outcome)
            outcome.applied += chosen
            outcome.rounds = n
            result = self.check()
        return result  # pragma: no cover - the loop returns or raises

    def _write(self, snap: Snapshot, texts: dict[str, str], ctx: FixContext, touched: list[str],
               outcome: PhaseOutcome) -> None:
        snap.add(sorted(p for p in texts if not snap.holds(p)))
        for path in sorted(texts):
            old = ctx.text(path)
            if read_text(self.root / path) != old:  # someone wrote it since the fix read it: never overwrite that
                raise PhaseFailed(f"{path} changed while it was being fixed; run the fix again")
            if old is not None and is_spec_like(path) and path not in outcome.loaded:
                outcome.loaded[path] = ctx.sequence(path) is not None
            data = old.encoded(texts[path]) if old is not None else texts[path].encode("utf-8")
            snap.journal(path, data)
            created = write_atomic(self.root / path, data)
            if created:
                snap.note_dirs(created)
            if path not in touched:
                touched.append(path)
            self._emit("written", {"path": path})

    def _new_problems(self, start: EngineResult, outcome: PhaseOutcome, touched: list[str]) -> list[str]:
        """What the phase's end state reports that its start did not (per code and file).

        Allowed: codes a fix knowingly leaves (``expects``) in the files it touched, codes
        that say "this file changed", and everything in a spec a fix made loadable (it was
        checked for nothing but loading before: the rest is revealed, not created)."""
        end = outcome.after
        assert end is not None
        before = Counter((v.code, v.place.path) for v in start.violations)
        after = Counter((v.code, v.place.path) for v in end.violations)
        expected = {code for fix in outcome.applied for code in fix.expects}
        ctx = self.context()
        outcome.revealed = sorted(p for p, loaded in outcome.loaded.items() if not loaded and ctx.sequence(p) is not None)
        problems = []
        for (code, path), n in sorted(after.items()):
            if n <= before[(code, path)] or code in DERIVED or (code in expected and path in touched):
                continue
            if path in outcome.revealed and code not in LOAD_CODES:
                continue
            problems.append(f"{n - before[(code, path)]} {code} in {path}")
        old_errors = {(e[0], e[3]) for e in start.errors}
        for e in end.errors:
            if (e[0], e[3]) not in old_errors and (e[0] in touched or not e[0]):
                problems.append(f"{e[0] or 'the engine'}:{e[1]}: {e[3]}")
        return problems

    def _diffs(self, snap: Snapshot | None, touched: list[str]) -> dict[str, str]:
        out = {}
        if snap is None:
            return out
        for path in touched:
            entry = snap.files.get(path)
            before = (snap.folder / "files" / path).read_text(encoding="utf-8-sig") if entry and entry.existed else None
            target = self.root / path
            after = target.read_text(encoding="utf-8-sig") if target.is_file() else None
            if before != after:
                out[path] = unified_diff(path, before, after)
        return out

    # -- all at once ---------------------------------------------------------------------------
    def run(self, phases: list[str] | None = None) -> list[PhaseOutcome]:
        for phase in phases or list(PHASES):
            self.snapshot(phase)
            self.fix(phase)
        return self.outcomes


def _identity(v: Violation) -> tuple:
    """A violation, recognisable across rounds whatever numbers its message holds."""
    return (v.code, v.place.path, v.place.pointer or "", re.sub(r"\d+", "#", v.message))


def _describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"
