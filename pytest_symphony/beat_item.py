"""The beat item: a real ``pytest.Function`` whose signature names its handler's fixtures.

Its plan (handlers resolved, limits parsed) is fixed at collection; the conductor runs it.
Fixtures, markers, ``-k``, ``--lf``, IDE runners and xdist work on it with no private
pytest API beyond the location of a skip and the traceback filter.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pytest

from .errors import DuplicateHandler, HandlerNotFound, SymphonyError
from .runtime import dynamics
from .runtime.commands import CommandRunner
from .runtime.conductor import BeatPlan, BoundHandler, notify
from .runtime.inputs import override_problem
from .runtime.registry import HandlerEntry, Target
from .runtime.timing import parse_duration_ms
from .score.model import Beat, HandlerRef
from .score.resolve import HandlerProblem, no_handler
from .session_key import sequence_runs_of
from .errors import summarize_error
from .stamps import iso_utc

if TYPE_CHECKING:
    from .collect import ExpandedBeat, MovementNode, OrderKey, ReportInfo, SequenceNode, SubsequenceBeat
    from _pytest._code.code import TerminalRepr, Traceback, TracebackStyle

    from .session import SequenceRuns

#: Frames from these folders are the machinery, not the user's handler: hidden in tracebacks.
_MACHINERY = tuple(
    str(Path(str(mod.__file__)).resolve().parent) for mod in (pytest, __import__("_pytest"), __import__("pluggy"))
) + (str(Path(__file__).resolve().parent),)


def make_beat_item(
    runs: "SequenceRuns",
    movement: "MovementNode",
    beat: Beat,
    nodeid: str,
    *,
    parent: "ExpandedBeat | SubsequenceBeat | None" = None,
    name: str | None = None,
    target: Target | None = None,
    problem: SymphonyError | None = None,
) -> "BeatItem":
    plan, unresolved = build_plan(runs, movement, beat, nodeid, target)
    problem = problem or unresolved
    names = () if runs.run.dynamic == "pp" or problem else plan.fixture_names
    item = BeatItem.from_parent(
        parent or movement,
        name=name or beat.slug,
        callobj=make_runner(plan, names),
        plan=plan,
        problem=problem,
    )
    if item.nodeid == plan.nodeid:
        plan.nodeid = item.nodeid  # one string for both, not two equal ones per beat
    return item


class BeatItem(pytest.Function):
    """One beat: fixtures set up by pytest, the handler run by the conductor.

    Few attributes of its own: every one added to a pytest item's ``__dict__`` may double
    the dict, and a run holds one item per beat.
    """

    blocked = False  # skipped because an earlier beat of its sequence failed (set only then)
    problem: SymphonyError | None = None  # why it cannot run, found at collection (set only then)
    parent: "MovementNode | ExpandedBeat | SubsequenceBeat"  # (declared for type checkers only)

    def __init__(self, *, plan: BeatPlan, problem: SymphonyError | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.plan = plan
        if problem is not None:
            self.problem = problem
        beat = plan.beat
        self.user_properties.extend(
            [_property("sequence", plan.sequence.id), _property("movement", plan.movement.slug), ("beat", beat.slug)]
        )
        if beat.event:
            self.user_properties.append(_property("event", beat.event))

    @property
    def sequence_node(self) -> "SequenceNode":
        return self.parent.sequence_node

    @property
    def order_key(self) -> "OrderKey":
        """Its place in the run of its outermost sequence: ``(movement, beat, nth target)`` per level."""
        own = (self.plan.movement.index, self.plan.beat.index, self.stash.get(NTH, 0))
        return self.parent.order_prefix + (own,)

    @property
    def needed_dynamic(self) -> str | None:
        return dynamics.required(self.plan.beat, self.plan.movement)

    def setup(self) -> None:
        run = self.sequence_node.run
        assert run is not None
        failed = run.first_failure()
        if failed is not None:
            self.blocked = True
            # reported at the beat's own line, like a skip marker, not at this line
            raise pytest.skip.Exception(failed, _use_item_location=True)
        hook = sequence_runs_of(self.config).hook.pytest_symphony_before_beat
        notify(hook, sequence=self.plan.sequence, beat=self.plan.beat, context=run)
        super().setup()

    def runtest(self) -> None:
        if self.problem is not None:
            raise self.problem
        runs = sequence_runs_of(self.config)
        run = self.sequence_node.run
        assert run is not None, "setup started the sequence run"
        if runs.run.dynamic == "pp":
            runs.check_fixtures(self)
            return
        runs.conductor.perform(self.plan, run, self.funcargs)

    def records_for(
        self, call: pytest.CallInfo[None], report: pytest.TestReport, run_id: str, dynamic: str
    ) -> list[dict[str, Any]]:
        """The telemetry of one phase: the conductor's attempts, or one record for a beat that never ran.

        The one place a beat's records are finished (their start from ``plan.base_record``).
        """
        plan = self.plan
        if call.when == "call":
            records, plan.records = plan.records, []
            if records:
                if report.failed and records[-1].get("status") == "passed":
                    records[-1]["status"] = "failed"
                return records
        elif not (report.failed or report.skipped) or call.when == "teardown":
            return []
        record = plan.base_record(self.sequence_node.run, run_id, dynamic)
        record.update(
            attempt=0 if call.when == "setup" else 1,
            started_at=iso_utc(call.start),
            ended_at=iso_utc(call.stop),
            duration_ms=round(call.duration * 1000, 3),
        )
        if report.skipped:
            record["status"] = "skipped"
            reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
            record["error"] = summarize_error(reason.removeprefix("Skipped: "))
        elif report.passed:
            record["status"] = "passed"
        else:
            record["status"] = "error" if call.when == "setup" or self.problem else "failed"
            record["error"] = summarize_error(report.longreprtext)
        return [record]

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: "TracebackStyle | None" = None
    ) -> "str | TerminalRepr":
        if isinstance(excinfo.value, SymphonyError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def _traceback_filter(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Traceback:
        traceback = excinfo.traceback.filter(excinfo)
        user = traceback.filter(lambda entry: not str(entry.path).startswith(_MACHINERY))
        return user or traceback

    def reportinfo(self) -> "ReportInfo":
        target = self.plan.target
        if target is not None and target.path:
            return Path(target.path), max(target.line - 1, 0), f"{self.plan.beat.title}: {target.id}"
        return (
            self.path,
            self.plan.beat.line - 1,
            f"{self.plan.sequence.id}::{self.plan.movement.title}::{self.plan.beat.title}",
        )


@functools.lru_cache(maxsize=4096)
def _property(name: str, value: str) -> tuple[str, str]:
    """One ``user_properties`` pair shared by every item with the same one (a run holds one item per beat)."""
    return (name, value)


def build_plan(
    runs: "SequenceRuns", parent: "MovementNode", beat: Beat, nodeid: str, target: Target | None = None
) -> tuple[BeatPlan, SymphonyError | None]:
    """Resolve a beat's handlers and limits once, at collection."""
    sequence = parent.sequence_node.sequence
    movement = parent.movement
    spec_file = parent.sequence_node.spec_file
    where = f"{spec_file}:{beat.line}"
    label = f"{movement.number}.{beat.number}"
    timeout_ms, problem = _timeout(beat, where, label)
    if beat.command is not None:  # a command beat: the process enforces its own timeout (it kills the group)
        runner = CommandRunner(beat.command, runs.config.rootpath, _seconds(timeout_ms), where)
        bound, timeout_ms = [BoundHandler.bind("run", runner, {})], None
        if beat.handlers:
            problem = problem or SymphonyError(
                f"{where}: beat {label} '{beat.title}' has both `run` and a handler; a beat runs one of the two"
            )
    else:
        bound, unresolved = _bind_handlers(runs, parent, beat, where, label)
        problem = problem or unresolved
        if bound and all(isinstance(b.func, CommandRunner) for b in bound):
            timeout_ms = None
    problem = problem or override_problem(beat, bound, parent, where, label)
    retries = beat.retries or (beat.handler.retries if beat.handler and beat.handler.retries else 0)
    plan = BeatPlan(
        sequence, movement, beat, tuple(bound), timeout_ms, retries, spec_file, nodeid=nodeid, target=target
    )
    return plan, problem


def _timeout(beat: Beat, where: str, label: str) -> tuple[float | None, SymphonyError | None]:
    if beat.timeout is None:
        return (beat.handler.timeout_ms if beat.handler is not None else None), None
    timeout_ms = parse_duration_ms(beat.timeout)
    if timeout_ms is None:
        return None, SymphonyError(
            f"{where}: beat {label} timeout {beat.timeout!r} is not a duration; write milliseconds "
            '(1500) or a duration such as "2s" or "< 500ms"'
        )
    return timeout_ms, None


def _seconds(timeout_ms: float | None) -> float | None:
    return None if timeout_ms is None else timeout_ms / 1000


def _bind_handlers(
    runs: "SequenceRuns", parent: "MovementNode", beat: Beat, where: str, label: str
) -> tuple[list[BoundHandler], SymphonyError | None]:
    """Each handler reference resolved by the kernel's rule (a declared ``script`` runs as a command)."""
    scope = parent.sequence_node.handler_scope
    bound: list[BoundHandler] = []
    problem: SymphonyError | None = None

    def subject() -> str:  # only a problem's message names the beat
        return f"beat {label} '{beat.title}'"

    if not beat.handlers:
        problem = HandlerNotFound(no_handler().message(where, subject()))
    for ref in beat.handlers:
        found = runs.registry.lookup(ref, scope)
        if found.handler is not None:
            bound.append(BoundHandler.bind(ref.display, found.handler.func, beat.inputs))
        elif found.command is not None:
            runner = CommandRunner(found.command, runs.config.rootpath, _seconds(ref.timeout_ms), where)
            bound.append(BoundHandler.bind(ref.display, runner, {}))
        elif found.problem is not None and found.problem.kind == "duplicate":
            problem = DuplicateHandler(found.problem.message(where, subject()))
        elif found.problem is not None:
            func = _not_found(runs, parent, beat, ref, found.problem)
            if func is not None:
                bound.append(BoundHandler.bind(ref.display, func, beat.inputs))
            else:
                problem = HandlerNotFound(found.problem.message(where, subject()))
    return bound, problem


def _not_found(
    runs: "SequenceRuns", parent: "MovementNode", beat: Beat, ref: HandlerRef, problem: "HandlerProblem[HandlerEntry]"
) -> Callable[..., Any] | None:
    """A plugin's last word on a missing handler (``pytest_symphony_handler_lookup_error``): a function, or None."""
    func: Callable[..., Any] | None = runs.hook.pytest_symphony_handler_lookup_error(
        beat=beat, sequence=parent.sequence_node.sequence, name=ref.display, suggestions=problem.suggestions
    )
    return func


def make_runner(plan: BeatPlan, fixture_names: tuple[str, ...]) -> Callable[..., Any]:
    """A callable whose signature names the fixtures pytest must provide for this beat."""
    return _runner(fixture_names, tuple(bound.func for bound in plan.handlers))


@functools.lru_cache(maxsize=1024)
def _runner(fixture_names: tuple[str, ...], funcs: tuple[Callable[..., Any], ...]) -> Callable[..., Any]:
    """Shared by every beat with the same fixtures and handlers: one object, not one per beat."""

    def run_beat(**fixtures: Any) -> None:  # pragma: no cover - BeatItem.runtest calls the conductor directly
        raise RuntimeError("beats run through BeatItem.runtest")

    run_beat.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in fixture_names]
    )
    marks = [m for func in funcs for m in getattr(func, "pytestmark", [])]
    if marks:
        run_beat.pytestmark = marks  # type: ignore[attr-defined]
    return run_beat


#: An item's place among the items of its expanded beat (collection order).
NTH = pytest.StashKey[int]()
