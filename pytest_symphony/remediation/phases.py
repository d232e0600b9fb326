"""Fixing, phase by phase, following the conformity pipeline's movements.

Phase 1 fixes domain and orchestration codes, phase 2 sequence codes, phase 3 handler
and BDD codes (:data:`pytest_symphony.conformity.items.PHASES`).  Each phase:

1. snapshots every file its fixes will touch (:mod:`.snapshot`; files a later round
   touches join the snapshot before they are written);
2. applies a set of non-overlapping, proven fixes (:mod:`.plan`), each file written
   through a temporary file and ``os.replace`` (:mod:`.atomic`);
3. re-parses and re-checks the workspace, and repeats while some fix applies, at most
   :data:`MAX_ROUNDS` rounds;
4. keeps the result when the re-check finds nothing new.  A fix that fails its proof
   there (its file no longer parses, it created a violation that was not there, counted
   per code and file, or it did not remove its own) is dropped alone: the phase's files
   are put back from the snapshot and the phase runs again without it, so the fixes that
   stand on their own are kept and the dropped one is reported with its reason.  What no
   fix can be blamed for (the rounds did not settle, a problem in a file no fix wrote,
   anything raised) restores every file of the phase and says why.

The snapshot holds every file as it was before the phase, whatever was dropped on the
way, so ``--symphony-rollback`` still undoes the whole run.

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
from pathlib import Path
from typing import Any, Callable

from ..atomic import read_text, remove_stale_temps, write_atomic
from ..conformity.codes import Category
from ..conformity.engine import EngineResult
from ..conformity.items import PHASES, in_phase
from ..conformity.settings import Settings
from ..conformity.violation import Violation
from .context import FixContext
from .fixers import builtin_fixers
from .guards import is_spec_like
from .outcome import PHASE_TITLES, FixesFailed, PhaseFailed, PhaseOutcome
from .plan import Declined, Fixer, PlannedFix, new_texts, plan_fixes, select
from .snapshot import Snapshot, prune_snapshots

__all__ = ["PHASE_TITLES", "MAX_ROUNDS", "DERIVED", "PhaseOutcome", "Remediation", "PhaseFailed"]

MAX_ROUNDS = 8
#: Snapshots of this many fixing runs are kept (older ones are removed when a run snapshots).
KEEP_RUNS = 20
#: Codes that report a changed file as such: never "created" by a fix.
DERIVED = frozenset({"UNAUTHORIZED_CHANGE", "MANIFEST_MISMATCH"})
#: Codes fixed in any phase whose edits bring them about.
COMPANIONS = frozenset({"MANIFEST_MISMATCH"})
#: Codes that stop a spec from loading (and from every other check).
LOAD_CODES = frozenset({"SEQUENCE_PARSE_ERROR", "SCHEMA_VIOLATION"})


#: Times a phase runs again without the fixes that failed their proof before it is restored whole.
MAX_ATTEMPTS = 4


def unified_diff(path: str, before: str | None, after: str | None) -> str:
    a = (before or "").splitlines(keepends=True)
    b = (after or "").splitlines(keepends=True)
    for lines in (a, b):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n\\ No newline at end of file\n"
    return "".join(
        difflib.unified_diff(
            a, b, "/dev/null" if before is None else f"a/{path}", "/dev/null" if after is None else f"b/{path}"
        )
    )


class Remediation:
    """One fixing run over a workspace: its phases, snapshots and outcomes.

    ``check()`` runs the conformity engine over ``root`` and returns its result.
    ``on_event(name, payload)`` hears ``written`` (one per file written), ``kept`` and
    ``restored``.  Used by the pytest plug-in (one beat at a time) and by
    :func:`pytest_symphony.remediation.fix_workspace` (all at once).
    """

    def __init__(
        self,
        root: Path,
        settings: Settings,
        check: Callable[[], EngineResult],
        *,
        run_id: str,
        snapshots_dir: Path,
        unsafe: bool = False,
        hook: Any = None,
        registry: Any = None,
        fixers: dict[str, Fixer] | None = None,
        max_rounds: int = MAX_ROUNDS,
        on_event: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
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

    def _emit(self, name: str, payload: dict[str, Any]) -> None:
        if self.on_event is not None:
            self.on_event(name, payload)

    @staticmethod
    def categories(phase: str) -> tuple[Category, ...]:
        if phase not in PHASES:
            raise ValueError(f"unknown fixing phase {phase!r}; expected one of {', '.join(PHASES)}")
        return PHASES[phase]

    def wanted(self, phase: str, blocked: frozenset[Identity] = frozenset()) -> Callable[[Violation], bool]:
        """The violations the phase fixes (``blocked``: identities of fixes dropped so far)."""
        categories = self.categories(phase)
        return lambda v: (in_phase(v, categories) or v.code in COMPANIONS) and _identity(v) not in blocked

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
        """Run the phase to the end: kept (less any fix that failed its proof), or restored with the reason."""
        number = list(PHASES).index(phase) + 1
        snap = self.snapshots[phase] if phase in self.snapshots else self.snapshot(phase)
        start = self.current()
        outcome = PhaseOutcome(phase, number, snapshot=snap.id if snap else None, before=start, after=start)
        self.outcomes.append(outcome)
        touched: list[str] = []
        blocked: dict[Identity, str] = {}
        try:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    outcome.after = self._rounds(phase, start, outcome, touched, frozenset(blocked))
                    self._check_new_problems(start, outcome, touched)
                    break
                except FixesFailed as failed:
                    if attempt == MAX_ATTEMPTS:
                        raise
                    self._drop(phase, failed, outcome, touched, blocked)
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

    def _drop(
        self, phase: str, failed: FixesFailed, outcome: PhaseOutcome, touched: list[str], blocked: dict[Identity, str]
    ) -> None:
        """Put the phase's files back and leave out the fixes that failed, each with its reason."""
        snap = self.snapshots.get(phase)
        if snap is not None and touched:
            snap.undo(f"retrying without {len(failed.culprits)} fix(es) that failed their proof: {failed}")
        for v, reason in failed.culprits.items():
            blocked[_identity(v)] = reason
            outcome.dropped.append(Declined(v, f"fix dropped, the others kept: {reason}"))
        self._emit("dropped", {"phase": phase, "violations": len(failed.culprits), "reason": str(failed)})
        touched.clear()
        outcome.applied, outcome.rounds, outcome.creators = [], 0, {}

    def _rounds(
        self, phase: str, start: EngineResult, outcome: PhaseOutcome, touched: list[str], blocked: frozenset[Identity]
    ) -> EngineResult:
        result = start
        attempted: dict[Identity, PlannedFix] = {}
        snap = self.snapshots.get(phase)
        for n in range(1, self.max_rounds + 2):
            ctx = self.context()
            cached = self._planned.pop(phase, None)
            if cached is not None and cached[0] is result and n == 1 and not blocked:
                plan = cached[1]
            else:
                plan = plan_fixes(result.violations, self.wanted(phase, blocked), ctx, self.fixers)
            outcome.declined, outcome.unsafe = plan.declined, plan.unsafe
            chosen, _ = select(plan.fixes, ctx)
            if not chosen:
                return result
            if n > self.max_rounds:
                raise PhaseFailed(
                    f"the fixes did not settle after {self.max_rounds} rounds "
                    f"({', '.join(sorted({f.code for f in chosen}))} still applying)"
                )
            ineffective = {
                attempted[_identity(v)]: v for fix in chosen for v in fix.violations if _identity(v) in attempted
            }
            if ineffective:
                raise FixesFailed(
                    "; ".join(
                        f"the {f.code} fix at {v.place.path} did not remove its violation ({f.description})"
                        for f, v in ineffective.items()
                    ),
                    {
                        v: f"it did not remove its violation ({f.description})"
                        for f in ineffective
                        for v in f.violations
                    },
                )
            attempted.update({_identity(v): fix for fix in chosen for v in fix.violations})
            if snap is None:
                snap = self.snapshots[phase] = Snapshot.create(
                    self.snapshots_dir, self.root, run_id=self.run_id, phase=phase, number=outcome.number
                )
                outcome.snapshot = snap.id
            texts = new_texts(chosen, ctx)
            writers = _writers(chosen)
            for path in texts:
                if ctx.text(path) is None:
                    outcome.creators.setdefault(path, writers[path])
            self._write(snap, texts, ctx, touched, outcome)
            outcome.applied += chosen
            outcome.rounds = n
            result = self.check()
        return result  # pragma: no cover - the loop returns or raises

    def _write(
        self, snap: Snapshot, texts: dict[str, str], ctx: FixContext, touched: list[str], outcome: PhaseOutcome
    ) -> None:
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

    def _check_new_problems(self, start: EngineResult, outcome: PhaseOutcome, touched: list[str]) -> None:
        """Raise when the phase's end state reports what its start did not (per code and file).

        Allowed: codes a fix knowingly leaves (``expects``) in the files it touched, codes
        that say "this file changed", and everything in a spec a fix made loadable (it was
        checked for nothing but loading before: the rest is revealed, not created).  A
        problem in a file the phase wrote blames the fixes that wrote it (:class:`FixesFailed`);
        any other is the whole phase's (:class:`PhaseFailed`)."""
        end = outcome.after
        assert end is not None
        before = Counter((v.code, v.place.path) for v in start.violations)
        after = Counter((v.code, v.place.path) for v in end.violations)
        expected = {code for fix in outcome.applied for code in fix.expects}
        ctx = self.context()
        outcome.revealed = sorted(
            p for p, loaded in outcome.loaded.items() if not loaded and ctx.sequence(p) is not None
        )
        problems: list[tuple[str, str]] = []  # (file, what)
        for (code, path), n in sorted(after.items()):
            if n <= before[(code, path)] or code in DERIVED or (code in expected and path in touched):
                continue
            if path in outcome.revealed and code not in LOAD_CODES:
                continue
            problems.append((path, f"{n - before[(code, path)]} {code} in {path}"))
        old_errors = {(e[0], e[3]) for e in start.errors}
        for e in end.errors:
            if (e[0], e[3]) not in old_errors and (e[0] in touched or not e[0]):
                problems.append((e[0], f"{e[0] or 'the engine'}:{e[1]}: {e[3]}"))
        if not problems:
            return
        message = "a fix created what was not there before: " + "; ".join(what for _, what in problems)
        culprits: dict[Violation, str] = {}
        writers = _writers(outcome.applied)
        for path, what in problems:
            # the fixes that created the file, else every fix that wrote it (which of them did
            # it is not known: they go together, and the fixes of every other file stay)
            fixes = outcome.creators.get(path) or writers.get(path, [])
            if not fixes:
                raise PhaseFailed(message)  # nothing the phase wrote is to blame alone
            together = f" (with the {len(fixes) - 1} other fix(es) that wrote {path})" if len(fixes) > 1 else ""
            for fix in fixes:
                for v in fix.violations:
                    culprits.setdefault(v, f"it created what was not there before: {what}{together}")
        raise FixesFailed(message, culprits)

    def _diffs(self, snap: Snapshot | None, touched: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
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


def _writers(fixes: list[PlannedFix]) -> dict[str, list[PlannedFix]]:
    """File -> the fixes that write it, in order."""
    out: dict[str, list[PlannedFix]] = {}
    for fix in fixes:
        for path in fix.files:
            out.setdefault(path, []).append(fix)
    return out


#: A violation as recognised across rounds: code, path, pointer, message with its numbers masked.
Identity = tuple[str, str, str, str]


def _identity(v: Violation) -> Identity:
    """A violation, recognisable across rounds whatever numbers its message holds."""
    return (v.code, v.place.path, v.place.pointer or "", re.sub(r"\d+", "#", v.message))


def _describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"
