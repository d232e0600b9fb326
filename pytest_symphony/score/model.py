"""The score model: what every spec shape normalizes into.

Frozen dataclasses, so collection, conformity and reports can share one loaded
sequence without defensive copies.  Every node keeps the line it came from and
reaches its original mapping (``raw``, through its ``document``) so that unknown fields
are never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Protocol

from .levels import DYNAMICS  # noqa: F401 - re-exported: the model names the levels

EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    # dataclasses refuse an unhashable default (a mappingproxy), so EMPTY comes from a factory
    return EMPTY


class Document(Protocol):
    """Where a node's raw mapping is reached (:mod:`.documents`): held, or parsed again from its text."""

    def root(self) -> Mapping[str, Any]: ...
    def movement(self, index: int) -> Mapping[str, Any]: ...
    def beat(self, movement: int, index: int) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Command:
    """A process a beat runs: ``run:`` on a beat, or a declared handler's ``script``.

    ``argv`` runs as is (``interpreter`` first, when a script names one); ``shell`` runs
    through ``/bin/sh -c``, as CI systems run a ``run:`` string.
    """

    argv: tuple[str, ...] | None = None
    shell: str | None = None
    interpreter: str | None = None  # "python", "node" or "sh" for a declared script
    cwd: str | None = None
    env: Mapping[str, str] = field(default_factory=_empty)

    @property
    def display(self) -> str:
        if self.shell is not None:
            return self.shell
        return " ".join((*((self.interpreter,) if self.interpreter else ()), *(self.argv or ())))


@dataclass(frozen=True, slots=True)
class HandlerRef:
    """How a beat names its handler.

    ``name`` is the registry key.  For ``module#func`` references ``module`` holds the
    part before ``#`` and ``name`` the function part; the registry resolves the pair
    only inside registered modules.
    """

    name: str
    module: str | None = None
    timeout_ms: float | None = None
    retries: int | None = None
    line: int = 0
    raw: Any = None
    command: Command | None = None  # a declaration with ``script``: the process it runs

    @property
    def display(self) -> str:
        return f"{self.module}#{self.name}" if self.module else self.name


@dataclass(frozen=True, slots=True)
class Criterion:
    """One acceptance criterion: a plain sentence, or Given/When/Then parts."""

    text: str | None = None
    given: tuple[str, ...] = ()
    when: tuple[str, ...] = ()
    then: tuple[str, ...] = ()
    and_: tuple[str, ...] = ()
    line: int = 0

    @property
    def structured(self) -> bool:
        return self.text is None


@dataclass(frozen=True, slots=True)
class UserStory:
    persona: str | None = None
    goal: str | None = None
    benefit: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Beat:
    """One operation: becomes one pytest item."""

    index: int  # 0-based position inside its movement
    number: int  # the declared number, or the 1-based position
    id: str | None  # a declared string id
    name: str | None  # name or title
    slug: str  # unique within its movement; the pytest node name
    handlers: tuple[HandlerRef, ...]
    event: str | None = None
    timeout: Any = None  # as written; see runtime.timing
    retries: int = 0
    dynamics: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=_empty)
    acceptance_criteria: tuple[Criterion, ...] = ()
    user_story: UserStory | None = None
    scenario: str | None = None
    subsequence: str | None = None
    command: Command | None = None  # ``run:``: the beat is a process, its exit status the outcome
    expand: str | None = None  # ``expand: <expander>``: one item per target at collection
    critical: bool = True  # ``critical: false``: its failure does not stop the sequence
    declared: tuple[str, int] | None = None  # the number the spec declares: (key, value), e.g. ("beat", 3)
    description: str | None = None
    timeout_method: Any = None  # ``timeout_method``/``timeoutMethod`` as written; the run reads it
    overlap_retries: bool = False  # ``overlapRetries: true``: a retry may start beside an abandoned attempt
    override_fixtures: Any = None  # ``overrideFixtures`` as written: inputs meant to replace fixtures
    line: int = 0
    document: Document | None = None  # where ``raw`` is reached, with ``movement_index``
    movement_index: int = 0

    @property
    def raw(self) -> Mapping[str, Any]:
        """The beat's mapping as written (unknown fields, positions); reached, not held."""
        return EMPTY if self.document is None else self.document.beat(self.movement_index, self.index)

    @property
    def handler(self) -> HandlerRef | None:
        return self.handlers[0] if self.handlers else None

    @property
    def title(self) -> str:
        return self.name or self.id or (self.handler.name if self.handler else self.slug)


@dataclass(frozen=True, slots=True)
class Movement:
    index: int
    number: int
    id: str | None
    name: str | None
    slug: str
    beats: tuple[Beat, ...]
    declared_beats: int | None = None  # an integer ``beats`` count, if declared
    dynamics: str | None = None
    standalone: bool = False  # reads persisted evidence, not earlier movements' state
    declared: tuple[str, int] | None = None  # the number the spec declares: (key, value)
    description: str | None = None
    line: int = 0
    document: Document | None = None  # where ``raw`` is reached

    @property
    def raw(self) -> Mapping[str, Any]:
        """The movement's mapping as written (unknown fields, positions); reached, not held."""
        return EMPTY if self.document is None else self.document.movement(self.index)

    @property
    def title(self) -> str:
        return self.name or self.id or self.slug


@dataclass(frozen=True, slots=True)
class Sequence:
    id: str
    name: str | None
    slug: str
    path: str  # the spec file, as given to the loader
    movements: tuple[Movement, ...]
    events: tuple[str, ...] | None = None  # None when the spec declares no ``events``
    governance: Mapping[str, Any] = field(default_factory=_empty)
    handlers: Mapping[str, HandlerRef] = field(default_factory=_empty)  # top-level handler declarations by id
    rollback: HandlerRef | None = None
    declared_beats: int | None = None
    declared_movements: int | None = None
    version: str | None = None
    kind: str | None = None
    status: str | None = None
    description: str | None = None
    domain_id: str | None = None
    user_story: UserStory | None = None
    dynamics: str | None = None
    content_hash: str = ""  # sha256 of the file's bytes
    line: int = 0
    document: Document | None = None  # where ``raw`` is reached
    id_declared: bool = True  # False when the id was taken from the file stem

    @property
    def raw(self) -> Mapping[str, Any]:
        """The sequence's mapping as written (unknown fields, positions); reached, not held."""
        return EMPTY if self.document is None else self.document.root()

    @property
    def beats(self) -> tuple[Beat, ...]:
        return tuple(b for m in self.movements for b in m.beats)

    @property
    def title(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """A reason a spec file could not become a sequence: file, line, column, what to do."""

    path: str
    message: str
    line: int = 0
    column: int = 0
    pointer: str | None = None  # JSON pointer into the normalized sequence, for schema errors
    warning: bool = False  # the file still loads (e.g. one empty movement beside others with beats)

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What loading one file gives: a sequence, or the problems that stopped it.

    ``warnings`` are findings that did not stop it (a movement without beats beside
    movements with beats): a run shows them, so no part of a file is dropped silently.
    """

    path: str
    sequence: Sequence | None = None
    problems: tuple[SpecProblem, ...] = field(default=())
    warnings: tuple[SpecProblem, ...] = field(default=())
