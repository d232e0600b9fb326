"""The collector tree: SpecFile (or PipelineSpec) > SequenceNode > MovementNode > BeatItem.

Node ids follow the spec: ``path::sequence::movement::beat``.  Two kinds of beat are
collectors of their own: ``expand:`` (one item per target) and ``subsequence:`` (that
sequence's beats nested under the beat, ``...::beat::<sequence>::<movement>::<beat>``).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
import pytest

from .beat_item import NTH, BeatItem, make_beat_item
from .builtins import Pipeline
from .errors import SymphonyError
from .runtime.context import SequenceRun
from .runtime.registry import Target
from .score.loader import load_spec
from .score.model import Beat, Movement, Sequence, SpecProblem
from .session_key import sequence_index_of, sequence_runs_of
from .warning_types import warn_spec

__all__ = [
    "BeatItem",
    "ExpandedBeat",
    "MovementNode",
    "PipelineSpec",
    "SequenceNode",
    "SpecErrorItem",
    "SpecFile",
    "SubsequenceBeat",
    "marker_name",
]


def marker_name(sequence_id: str) -> str:
    """The per-sequence marker: ``symphony_<id>`` with every non-word character as ``_``."""
    return "symphony_" + re.sub(r"\W+", "_", sequence_id).strip("_").lower()


#: A node's place in its outermost sequence run: ``(movement, beat, nth target)`` per level.
OrderKey = tuple[tuple[int, ...], ...]
#: What ``reportinfo`` returns, as pytest reads it.
ReportInfo = tuple[Path, int, str]


class _Spec(pytest.Collector):
    """What a spec's collector does, whether it is a project file or a built-in pipeline."""

    pipeline: Pipeline | None = None

    @property
    def handler_scope(self) -> frozenset[str]:
        """Built-in handler modules this spec may use: its own pipeline's, if it is built in."""
        module = self.pipeline.handler_module if self.pipeline else None
        return frozenset({module}) if module else frozenset()

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        runs = sequence_runs_of(self.config)
        if self.pipeline is not None:
            runs.handlers.load_pipeline(self.pipeline)
        result = load_spec(self.path, display_path=self.nodeid, max_bytes=runs.run.max_spec_bytes)
        if result.sequence is None:
            yield SpecErrorItem.from_parent(self, name="spec", problems=result.problems)
            return
        for warning in result.warnings:  # parts of the spec that yield no beat are never silent
            warn_spec(warning, self.path)
        sequence = result.sequence
        first = runs.claim_sequence(sequence, self.nodeid)
        yield SequenceNode.from_parent(
            self,
            name=sequence.slug,
            sequence=sequence,
            duplicate_of=first,
            spec_file=self.nodeid,
            handler_scope=self.handler_scope,
        )


class SpecFile(_Spec, pytest.File):
    """A ``.json``/``.yaml`` spec file under ini ``symphony_paths``."""


class PipelineSpec(_Spec, pytest.Collector):
    """A built-in pipeline's spec, node id ``symphony:<alias>``, its path the YAML in the package.

    Not a ``pytest.File``: it is no file of the project, so ``--lf``'s filter of the
    project's files leaves it alone and its failures run again.
    """

    def __init__(self, *, pipeline: Pipeline, **kw: Any) -> None:
        super().__init__(**kw)
        self.pipeline = pipeline


class SpecErrorItem(pytest.Item):
    """Stands for a spec that could not be loaded: it errors, so the file never vanishes silently."""

    def __init__(self, *, problems: tuple[SpecProblem, ...] | list[SpecProblem], **kw: Any) -> None:
        super().__init__(**kw)
        self.problems = tuple(problems)
        self.add_marker("symphony")

    def setup(self) -> None:
        pytest.fail("\n".join(str(p) for p in self.problems), pytrace=False)

    def runtest(self) -> None:  # never reached: setup fails
        raise SymphonyError("unreachable")

    def reportinfo(self) -> ReportInfo:
        line = next((p.line for p in self.problems if p.line), 1)
        return self.path, line - 1, f"{self.path.name}: spec error"


class SequenceNode(pytest.Collector):
    """One sequence; its setup and teardown bracket a sequence run."""

    parent: "SpecFile | PipelineSpec | SubsequenceBeat"

    def __init__(
        self,
        *,
        sequence: Sequence,
        spec_file: str,
        handler_scope: frozenset[str] = frozenset(),
        duplicate_of: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.sequence = sequence
        self.spec_file = spec_file  # where its beats' lines are, in messages
        self.handler_scope = handler_scope  # built-in handler modules its beats may use
        self.duplicate_of = duplicate_of
        self.run: SequenceRun | None = None
        self.add_marker("symphony")
        sequence_runs_of(self.config).mark_later(self)

    def collect(self) -> Iterator[MovementNode]:
        for movement in self.sequence.movements:
            yield MovementNode.from_parent(self, name=movement.slug, movement=movement)

    def setup(self) -> None:
        if self.duplicate_of:
            pytest.fail(
                f"{self.parent.nodeid}: sequence id '{self.sequence.id}' is already declared in "
                f"{self.duplicate_of}; give one of the two files another id",
                pytrace=False,
            )
        self.run = sequence_runs_of(self.config).start_sequence(self)

    def teardown(self) -> None:
        if self.run is not None:
            sequence_runs_of(self.config).finish_sequence(self)
            self.run = None

    @property
    def sequence_node(self) -> "SequenceNode":
        return self

    # worked out once: the selection asks every beat's item for them
    @functools.cached_property
    def outer(self) -> "SubsequenceBeat | None":
        """The beat this sequence runs under, when it is a sub-pipeline."""
        return self.parent if isinstance(self.parent, SubsequenceBeat) else None

    @functools.cached_property
    def order_prefix(self) -> OrderKey:
        return self.outer.order_prefix + (self.outer.position + (0,),) if self.outer else ()

    @functools.cached_property
    def root(self) -> "SequenceNode":
        return self.outer.sequence_node.root if self.outer else self

    def reportinfo(self) -> ReportInfo:
        return self.path, self.sequence.line - 1, self.sequence.id


class MovementNode(pytest.Collector):
    parent: SequenceNode

    def __init__(self, *, movement: Movement, **kw: Any) -> None:
        super().__init__(**kw)
        self.movement = movement

    @property
    def sequence_node(self) -> SequenceNode:
        return self.parent

    @property
    def order_prefix(self) -> OrderKey:
        return self.sequence_node.order_prefix

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        runs = sequence_runs_of(self.config)
        for beat in self.movement.beats:
            if beat.subsequence:
                yield SubsequenceBeat.from_parent(self, name=beat.slug, beat=beat)
            elif beat.expand:
                yield ExpandedBeat.from_parent(self, name=beat.slug, beat=beat)
            else:
                yield make_beat_item(runs, self, beat, f"{self.nodeid}::{beat.slug}")

    def setup(self) -> None:
        sequence_runs_of(self.config).hook.pytest_symphony_before_movement(
            sequence=self.sequence_node.sequence, movement=self.movement, context=self.sequence_node.run
        )

    def teardown(self) -> None:
        sequence_runs_of(self.config).hook.pytest_symphony_after_movement(
            sequence=self.sequence_node.sequence, movement=self.movement, context=self.sequence_node.run
        )

    def reportinfo(self) -> ReportInfo:
        return self.path, self.movement.line - 1, self.movement.title


class ExpandedBeat(pytest.Collector):
    """A beat with ``expand: <expander>``: one item per target the expander lists at collection.

    An expander that raises (a dependency cycle, say) yields one failing item, so the
    movement fails before any target runs.
    """

    parent: MovementNode

    def __init__(self, *, beat: Beat, **kw: Any) -> None:
        super().__init__(**kw)
        self.beat = beat

    @property
    def sequence_node(self) -> SequenceNode:
        return self.parent.sequence_node

    @property
    def order_prefix(self) -> OrderKey:
        return self.parent.order_prefix

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        runs = sequence_runs_of(self.config)
        movement_node = self.parent
        name = str(self.beat.expand)
        func = runs.registry.expander(name)
        try:
            if func is None:
                raise SymphonyError(
                    f"{self.path.name}:{self.beat.line}: beat '{self.beat.title}' expands over '{name}', "
                    "but no @expander of that name is registered"
                )
            targets = [t if isinstance(t, Target) else Target(str(t), t) for t in func(self.config)]
        except Exception as exc:
            problem = exc if isinstance(exc, SymphonyError) else SymphonyError(f"{type(exc).__name__}: {exc}")
            yield make_beat_item(
                runs, movement_node, self.beat, f"{self.nodeid}::expand", parent=self, name="expand", problem=problem
            )
            return
        for target in targets:
            node_name = target.id.replace("::", ":")
            yield make_beat_item(
                runs,
                movement_node,
                self.beat,
                f"{self.nodeid}::{node_name}",
                parent=self,
                name=node_name,
                target=target,
            )

    def reportinfo(self) -> ReportInfo:
        return self.path, self.beat.line - 1, self.beat.title


class SubsequenceBeat(pytest.Collector):
    """A beat with ``subsequence: <id>``: that sequence runs here, nested, then the beat's own handler.

    The sub-pipeline has its own sequence run (state, rollback, handler scope: a built-in
    pipeline's when it is one); its records name the parent's correlation id and this
    beat.  The beat's handler, if it names one, runs last as the item ``conclude`` and
    reads the outcome through ``symphony.subrun(<id>)``.  A sequence id no spec declares,
    or a chain that leads back to itself, is one failing item.
    """

    CONCLUDE = "conclude"

    parent: MovementNode

    def __init__(self, *, beat: Beat, **kw: Any) -> None:
        super().__init__(**kw)
        self.beat = beat

    @property
    def sequence_node(self) -> SequenceNode:
        return self.parent.sequence_node

    @property
    def position(self) -> tuple[int, int]:
        return (self.parent.movement.index, self.beat.index)

    @property
    def order_prefix(self) -> OrderKey:
        return self.parent.order_prefix

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        runs = sequence_runs_of(self.config)
        movement_node = self.parent
        wanted = str(self.beat.subsequence)
        chain: list[str] = []
        node: SequenceNode | None = self.sequence_node
        while node is not None:
            chain.append(node.sequence.id)
            node = node.outer.sequence_node if node.outer else None
        found = sequence_index_of(self.config).find(wanted)
        problem = None
        if wanted in chain:
            path = " -> ".join([*reversed(chain), wanted])
            problem = SymphonyError(
                f"{self.sequence_node.spec_file}:{self.beat.line}: beat '{self.beat.title}' "
                f"runs sequence '{wanted}' inside itself ({path}); CIRCULAR_DEPENDENCY"
            )
        elif found is None:
            problem = SymphonyError(
                f"{self.sequence_node.spec_file}:{self.beat.line}: beat '{self.beat.title}' runs sub-pipeline "
                f"'{wanted}', which no spec under ini symphony_paths and no built-in pipeline declares; "
                "SUBSEQUENCE_NOT_FOUND"
            )
        if problem is not None:
            yield make_beat_item(
                runs,
                movement_node,
                self.beat,
                f"{self.nodeid}::subsequence",
                parent=self,
                name="subsequence",
                problem=problem,
            )
            return
        assert found is not None, "a sub-pipeline no spec declares is a problem above"
        sequence, spec_file, scope = found
        yield SequenceNode.from_parent(
            self, name=sequence.slug, sequence=sequence, spec_file=spec_file, handler_scope=scope
        )
        if self.beat.handlers:
            item = make_beat_item(
                runs, movement_node, self.beat, f"{self.nodeid}::{self.CONCLUDE}", parent=self, name=self.CONCLUDE
            )
            item.stash[NTH] = sys.maxsize  # after every beat of the sub-pipeline
            yield item

    def reportinfo(self) -> ReportInfo:
        return self.path, self.beat.line - 1, self.beat.title
