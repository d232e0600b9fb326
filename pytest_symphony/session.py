"""The sequence runs of the session: who declares which sequence, their start, failure, rollback and finish.

``SequenceRuns`` is the core's plugin for them (one per pytest session and per xdist
worker); the collector nodes and the beat item reach it through ``session_key.sequence_runs_of``.
Its ``pytest_runtest_makereport`` wrapper is the one per-phase hook of a beat: it holds
what it needs (the run's identity, the registry) rather than looking anything up.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Generator

import pytest

from . import collect
from .collect import BeatItem
from .errors import SymphonyError
from .handlers import HandlerRegistration
from .resume import Resume
from .run import SymphonyRun
from .runtime.conductor import Conductor, notify
from .runtime.context import SequenceRun
from .score.model import Beat, Movement, Sequence


class SequenceRuns:
    """A plugin: the sequence runs of the session, from collection (who declares which sequence,
    each sequence's marker) to their start, failure, rollback and finish."""

    def __init__(
        self, config: pytest.Config, run: SymphonyRun, handlers: HandlerRegistration, resume: Resume | None
    ) -> None:
        self.config = config
        self.hook = config.hook
        self.run = run
        self.handlers = handlers
        self.registry = handlers.registry
        self.resume = resume
        self.conductor = Conductor(config.hook)
        self.sequences: dict[str, str] = {}  # sequence id -> spec nodeid that declared it first
        self._markers: set[str] = set()
        self._unmarked: list[tuple[collect.SequenceNode, str]] | None = []  # None once collection is done

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """A beat's report: its telemetry records, its sequence run failed and rolled back, why it skipped."""
        report = yield
        if not isinstance(item, BeatItem) or (report.passed and call.when != "call"):
            return report  # a passed setup or teardown has nothing to record
        run = self.run
        records = item.records_for(call, report, run.run_id, run.dynamic)
        if report.failed and item.plan.critical:
            problem = self.beat_failed(item)
            if problem:
                report.sections.append(("symphony rollback", problem))
        if call.when == "call" and report.passed and run.dynamic == "pp" and item.problem is None:
            report.symphony_resolved = True  # type: ignore[attr-defined]  # shown as RESOLVED: found, not run
        if report.skipped and call.when == "setup" and item.blocked:
            report.symphony_blocked = True  # type: ignore[attr-defined]  # skipped behind a failed beat, for --lf
        if report.failed and len(records) > 1:
            label = item.plan.label
            report.sections.append(("symphony retries", f"beat {label} failed on all {len(records)} attempts"))
        if records:
            report.symphony = records  # type: ignore[attr-defined]  # plain data: crosses xdist
            plan = item.plan
            notify(
                self.hook.pytest_symphony_after_beat,
                sequence=plan.sequence,
                beat=plan.beat,
                context=item.sequence_node.run,
                records=records,
            )
        return report

    # -- collection -------------------------------------------------------------
    def claim_sequence(self, sequence: Sequence, nodeid: str) -> str | None:
        """Record who declares ``sequence.id``; return the earlier file when it is a duplicate."""
        first = self.sequences.setdefault(sequence.id, nodeid)
        return first if first != nodeid else None

    def register_marker(self, sequence: Sequence) -> str:
        name = collect.marker_name(sequence.id)
        if name not in self._markers:
            self._markers.add(name)
            self.config.addinivalue_line("markers", f"{name}: beats of sequence '{sequence.id}'")
        return name

    def mark_later(self, node: collect.SequenceNode) -> None:
        """Register the sequence's marker now; put it on ``node`` when collection is done.

        pytest re-reads every registered marker line each time a new mark name is first
        used, so marking each node as it is collected costs O(sequences²): 2,000 one-beat
        specs took seconds.  Registered first and used together, the lines are read once.
        """
        name = self.register_marker(node.sequence)
        if self._unmarked is None:  # a node made after collection
            node.add_marker(name)
        else:
            self._unmarked.append((node, name))

    @pytest.hookimpl(tryfirst=True)  # after --symphony added its pipelines, before -m and -k read the marks
    def pytest_collection_modifyitems(self) -> None:
        unmarked, self._unmarked = self._unmarked or [], None
        for node, name in unmarked:
            node.add_marker(name)

    def check_fixtures(self, item: collect.BeatItem) -> None:
        """At ``pp``: prove every fixture the handlers need exists, without running any."""
        manager = item.session._fixturemanager
        missing = [n for n in item.plan.fixture_names if n not in _ALWAYS and not manager.getfixturedefs(n, item)]
        if missing:
            raise SymphonyError(
                f"{item.plan.spec_file}:{item.plan.beat.line}: beat {item.plan.label} needs fixture(s) "
                f"{', '.join(missing)}, which no conftest.py or plugin defines"
            )

    # -- sequence runs ----------------------------------------------------------
    def start_sequence(self, node: collect.SequenceNode) -> SequenceRun:
        outer = node.outer
        run = SequenceRun(
            node.sequence,
            run_id=self.run.run_id,
            dynamic=self.run.dynamic,
            run_dir=self.run.run_dir,
            on_event=self._on_event,
            parent=outer.sequence_node.run if outer else None,
            parent_nodeid=outer.nodeid if outer else None,
        )
        if self.resume is not None and outer is None and node.sequence.id in self.resume.states:
            run.restore(self.resume.states[node.sequence.id])
        self.hook.pytest_symphony_before_sequence(sequence=node.sequence, context=run)
        return run

    def finish_sequence(self, node: collect.SequenceNode) -> None:
        self.hook.pytest_symphony_after_sequence(sequence=node.sequence, context=node.run)

    def _on_event(self, run: SequenceRun, event: str, payload: dict[str, Any]) -> None:
        self.hook.pytest_symphony_event(event=event, payload=payload, sequence=run.sequence, beat=run.beat, context=run)

    def beat_failed(self, item: collect.BeatItem) -> str | None:
        """Mark the sequence run failed and roll it back once, then the runs it is nested in.

        A failed beat of a sub-pipeline fails the beat that runs it: the sub-pipeline's
        rollback runs first, then the parent's.  Returns the rollback errors, if any.
        """
        problems = []
        node, movement, beat = item.sequence_node, item.plan.movement, item.plan.beat
        while node is not None:
            run = node.run
            if run is None or run.failed is not None:
                break
            problem = self._roll_back(node, run, movement, beat)
            if problem:
                problems.append(problem)
            outer = node.outer
            if outer is None:
                break
            outer_movement = outer.parent
            assert isinstance(outer_movement, collect.MovementNode), "a sub-pipeline beat lies in a movement"
            node, movement, beat = outer.sequence_node, outer_movement.movement, outer.beat
        return "\n".join(problems) or None

    def _roll_back(self, node: collect.SequenceNode, run: SequenceRun, movement: Movement, beat: Beat) -> str | None:
        run.failed = (movement, beat)
        try:
            self.hook.pytest_symphony_rollback(sequence=run.sequence, failed_beat=beat, context=run)
            ref = run.sequence.rollback
            if ref is not None:
                entry = self.registry.resolve(ref, node.handler_scope)
                offered = (("symphony", run), ("beat", beat), ("pytestconfig", self.config))
                kwargs = {k: v for k, v in offered if k in _parameters(entry.func)}
                entry.func(**kwargs)
        except Exception as exc:  # reported on the failed beat's report, never lost
            return f"rollback of sequence '{run.sequence.id}' failed: {type(exc).__name__}: {exc}"
        return None


_ALWAYS = frozenset({"symphony", "beat", "request"})


def _parameters(func: Callable[..., Any]) -> set[str]:
    return set(inspect.signature(func).parameters)
