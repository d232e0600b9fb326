"""The collector tree: SpecFile > SequenceNode > MovementNode > BeatItem.

A BeatItem is a real ``pytest.Function`` whose signature names its handler's
fixtures, so fixtures, markers, ``-k``, ``--lf``, IDE runners and xdist work with
no private pytest API.  Node ids follow the spec: ``path::sequence::movement::beat``.
"""

from __future__ import annotations

import functools
import inspect
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _pytest.outcomes import Skipped

from .errors import DuplicateHandler, HandlerNotFound, SymphonyError
from .runtime import dynamics
from .session_key import state
from .runtime.conductor import BeatPlan, BoundHandler
from .runtime.context import SequenceRun
from .runtime.inputs import override_problem
from .runtime.registry import Target
from .runtime.timing import parse_duration_ms
from .score.loader import load_spec
from .score.model import Beat, Movement, Sequence
from .warning_types import warn_spec

if TYPE_CHECKING:
    from .session import SymphonySession  # noqa: F401

#: Frames from these folders are the machinery, not the user's handler: hidden in tracebacks.
_MACHINERY = tuple(
    str(Path(mod.__file__).resolve().parent) for mod in (pytest, __import__("_pytest"), __import__("pluggy"))
) + (str(Path(__file__).resolve().parent),)


def marker_name(sequence_id: str) -> str:
    """The per-sequence marker: ``symphony_<id>`` with every non-word character as ``_``."""
    return "symphony_" + re.sub(r"\W+", "_", sequence_id).strip("_").lower()


class SpecFile(pytest.File):
    """A ``.json``/``.yaml`` spec file under ini ``symphony_paths``, or a named built-in pipeline."""

    def __init__(self, *, pipeline=None, **kw) -> None:
        super().__init__(**kw)
        self.pipeline = pipeline

    @property
    def handler_scope(self) -> frozenset[str]:
        """Built-in handler modules this spec may use: its own pipeline's, if it is built in."""
        module = self.pipeline.handler_module if self.pipeline else None
        return frozenset({module}) if module else frozenset()

    def collect(self):
        session: SymphonySession = state(self.config)
        result = load_spec(self.path, display_path=self.nodeid, max_bytes=session.max_spec_bytes)
        if result.sequence is None:
            yield SpecErrorItem.from_parent(self, name="spec", problems=result.problems)
            return
        for warning in result.warnings:  # parts of the spec that yield no beat are never silent
            warn_spec(warning, self.path)
        sequence = result.sequence
        first = session.claim_sequence(sequence, self.nodeid)
        yield SequenceNode.from_parent(self, name=sequence.slug, sequence=sequence, duplicate_of=first)


class SpecErrorItem(pytest.Item):
    """Stands for a spec that could not be loaded: it errors, so the file never vanishes silently."""

    def __init__(self, *, problems, **kw) -> None:
        super().__init__(**kw)
        self.problems = tuple(problems)
        self.add_marker("symphony")

    def setup(self) -> None:
        pytest.fail("\n".join(str(p) for p in self.problems), pytrace=False)

    def runtest(self) -> None:  # never reached: setup fails
        raise SymphonyError("unreachable")

    def reportinfo(self):
        line = next((p.line for p in self.problems if p.line), 1)
        return self.path, line - 1, f"{self.path.name}: spec error"


class SequenceNode(pytest.Collector):
    """One sequence; its setup and teardown bracket a sequence run."""

    def __init__(self, *, sequence: Sequence, duplicate_of: str | None = None, **kw) -> None:
        super().__init__(**kw)
        self.sequence = sequence
        self.duplicate_of = duplicate_of
        self.run: SequenceRun | None = None
        session: SymphonySession = state(self.config)
        self.add_marker("symphony")
        self.add_marker(session.register_marker(sequence))

    def collect(self):
        for movement in self.sequence.movements:
            yield MovementNode.from_parent(self, name=movement.slug, movement=movement)

    def setup(self) -> None:
        if self.duplicate_of:
            pytest.fail(
                f"{self.parent.nodeid}: sequence id '{self.sequence.id}' is already declared in "
                f"{self.duplicate_of}; give one of the two files another id",
                pytrace=False,
            )
        self.run = state(self.config).start_sequence(self)

    def teardown(self) -> None:
        if self.run is not None:
            state(self.config).finish_sequence(self)
            self.run = None

    def reportinfo(self):
        return self.path, self.sequence.line - 1, self.sequence.id


class MovementNode(pytest.Collector):
    def __init__(self, *, movement: Movement, **kw) -> None:
        super().__init__(**kw)
        self.movement = movement

    @property
    def sequence_node(self) -> SequenceNode:
        return self.parent  # type: ignore[return-value]

    def collect(self):
        session: SymphonySession = state(self.config)
        for beat in self.movement.beats:
            if beat.raw.get("expand"):
                yield ExpandedBeat.from_parent(self, name=beat.slug, beat=beat)
            else:
                yield session.make_beat_item(self, beat, f"{self.nodeid}::{beat.slug}")

    def setup(self) -> None:
        state(self.config).hook.pytest_symphony_before_movement(
            sequence=self.sequence_node.sequence, movement=self.movement, context=self.sequence_node.run
        )

    def teardown(self) -> None:
        state(self.config).hook.pytest_symphony_after_movement(
            sequence=self.sequence_node.sequence, movement=self.movement, context=self.sequence_node.run
        )

    def reportinfo(self):
        return self.path, self.movement.line - 1, self.movement.title


class ExpandedBeat(pytest.Collector):
    """A beat with ``expand: <expander>``: one item per target the expander lists at collection.

    An expander that raises (a dependency cycle, say) yields one failing item, so the
    movement fails before any target runs.
    """

    def __init__(self, *, beat: Beat, **kw) -> None:
        super().__init__(**kw)
        self.beat = beat

    def collect(self):
        session: SymphonySession = state(self.config)
        movement_node: MovementNode = self.parent  # type: ignore[assignment]
        name = str(self.beat.raw.get("expand"))
        func = session.registry.expander(name)
        try:
            if func is None:
                raise SymphonyError(
                    f"{self.path.name}:{self.beat.line}: beat '{self.beat.title}' expands over '{name}', "
                    "but no @expander of that name is registered"
                )
            targets = [t if isinstance(t, Target) else Target(str(t), t) for t in func(self.config)]
        except Exception as exc:
            problem = exc if isinstance(exc, SymphonyError) else SymphonyError(f"{type(exc).__name__}: {exc}")
            yield session.make_beat_item(movement_node, self.beat, f"{self.nodeid}::expand", parent=self,
                                         name="expand", problem=problem)
            return
        for target in targets:
            node_name = target.id.replace("::", ":")
            yield session.make_beat_item(movement_node, self.beat, f"{self.nodeid}::{node_name}",
                                         parent=self, name=node_name, target=target)

    def reportinfo(self):
        return self.path, self.beat.line - 1, self.beat.title


class BeatItem(pytest.Function):
    """One beat: fixtures set up by pytest, the handler run by the conductor."""

    def __init__(self, *, plan: BeatPlan, problem: SymphonyError | None = None, **kw) -> None:
        super().__init__(**kw)
        self.plan = plan
        self.problem = problem
        beat = plan.beat
        self.user_properties.extend(
            [("sequence", plan.sequence.id), ("movement", plan.movement.slug), ("beat", beat.slug)]
        )
        if beat.event:
            self.user_properties.append(("event", beat.event))

    @functools.cached_property
    def sequence_node(self) -> SequenceNode:
        return self.getparent(SequenceNode)  # type: ignore[return-value]

    @property
    def needed_dynamic(self) -> str | None:
        return dynamics.required(self.plan.beat, self.plan.movement)

    def setup(self) -> None:
        run = self.sequence_node.run
        assert run is not None
        if run.failed is not None:
            movement, beat = run.failed
            # reported at the beat's own line, like a skip marker, not at this line
            raise Skipped(f"beat {movement.number}.{beat.number} failed", _use_item_location=True)
        session: SymphonySession = state(self.config)
        session.hook.pytest_symphony_before_beat(sequence=self.plan.sequence, beat=self.plan.beat, context=run)
        super().setup()

    def runtest(self) -> None:
        if self.problem is not None:
            raise self.problem
        session: SymphonySession = state(self.config)
        run = self.sequence_node.run
        if session.dynamic == "pp":
            session.check_fixtures(self)
            return
        session.conductor.perform(self.plan, run, self.funcargs)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, SymphonyError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def _traceback_filter(self, excinfo):
        traceback = excinfo.traceback.filter(excinfo)
        user = traceback.filter(lambda entry: not str(entry.path).startswith(_MACHINERY))
        return user or traceback

    def reportinfo(self):
        target = self.plan.target
        if target is not None and target.path:
            return Path(target.path), max(target.line - 1, 0), f"{self.plan.beat.title}: {target.id}"
        return self.path, self.plan.beat.line - 1, f"{self.plan.sequence.id}::{self.plan.movement.title}::{self.plan.beat.title}"


def build_plan(
    session: "SymphonySession", parent: MovementNode, beat: Beat, nodeid: str, target: Target | None = None
) -> tuple[BeatPlan, SymphonyError | None]:
    """Resolve a beat's handlers and limits once, at collection."""
    sequence = parent.sequence_node.sequence
    movement = parent.movement
    spec_node: SpecFile = parent.sequence_node.parent  # type: ignore[assignment]
    spec_file = spec_node.nodeid
    scope = spec_node.handler_scope
    where = f"{spec_file}:{beat.line}"
    label = f"{movement.number}.{beat.number}"
    bound: list[BoundHandler] = []
    problem: SymphonyError | None = None
    if not beat.handlers:
        problem = HandlerNotFound(f"{where}: beat {label} '{beat.title}' names no handler; add `handler: <name>`")
    for ref in beat.handlers:
        try:
            entry = session.registry.resolve(ref, scope)
            bound.append(BoundHandler.bind(ref.display, entry.func, beat.inputs))
        except HandlerNotFound:
            suggestions = session.registry.suggestions(ref.name, scope=scope)
            func = session.hook.pytest_symphony_handler_lookup_error(
                beat=beat, sequence=sequence, name=ref.display, suggestions=suggestions
            )
            if func is not None:
                bound.append(BoundHandler.bind(ref.display, func, beat.inputs))
                continue
            hint = f"\n  did you mean: {', '.join(suggestions)}?" if suggestions else ""
            problem = HandlerNotFound(
                f"{where}: beat {label} '{beat.title}' names handler '{ref.display}', which no registered "
                f"module provides.{hint}\n  Register it with @handler in a module listed in ini "
                "symphony_handlers, in a conftest.py, or through pytest_symphony_register_handlers."
            )
        except DuplicateHandler as exc:
            problem = DuplicateHandler(f"{where}: {exc}")
    problem = problem or override_problem(beat, bound, parent, where, label)
    timeout_ms = None
    if beat.timeout is not None:
        timeout_ms = parse_duration_ms(beat.timeout)
        if timeout_ms is None:
            problem = problem or SymphonyError(
                f"{where}: beat {label} timeout {beat.timeout!r} is not a duration; write milliseconds "
                "(1500) or a duration such as \"2s\" or \"< 500ms\""
            )
    elif beat.handler is not None and beat.handler.timeout_ms is not None:
        timeout_ms = beat.handler.timeout_ms
    retries = beat.retries or (beat.handler.retries if beat.handler and beat.handler.retries else 0)
    plan = BeatPlan(sequence, movement, beat, tuple(bound), timeout_ms, retries, spec_file,
                    nodeid=nodeid, target=target)
    return plan, problem


def make_runner(plan: BeatPlan, fixture_names: tuple[str, ...]):
    """A callable whose signature names the fixtures pytest must provide for this beat."""
    return _runner(fixture_names, tuple(bound.func for bound in plan.handlers))


@functools.lru_cache(maxsize=1024)
def _runner(fixture_names: tuple[str, ...], funcs: tuple):
    """Shared by every beat with the same fixtures and handlers: one object, not one per beat."""

    def run_beat(**fixtures):  # pragma: no cover - BeatItem.runtest calls the conductor directly
        raise RuntimeError("beats run through BeatItem.runtest")

    run_beat.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in fixture_names]
    )
    marks = [m for func in funcs for m in getattr(func, "pytestmark", [])]
    if marks:
        run_beat.pytestmark = marks  # type: ignore[attr-defined]
    return run_beat
