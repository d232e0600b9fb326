"""Hook specifications for plugins that extend pytest-symphony.

Added to pytest through ``pytest_addhooks``; implement them in a conftest.py or a
plugin exactly like pytest's own hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import pytest

    from .builtins import Pipeline
    from .conformity.checks.base import CheckRegistry
    from .conformity.checks.governance import PolicyCheck
    from .conformity.violation import Fix, Violation
    from .runtime.context import SequenceRun
    from .runtime.registry import HandlerRegistry
    from .score.model import Beat, Movement, Sequence

hookspec = pluggy.HookspecMarker("pytest")


@hookspec
def pytest_symphony_register_handlers(registry: HandlerRegistry) -> None:
    """Register handlers: ``registry.add(func, name=None)`` or ``registry.add_module(module)``."""


@hookspec(firstresult=True)
def pytest_symphony_handler_lookup_error(
    beat: Beat, sequence: Sequence, name: str, suggestions: list[str]
) -> Callable[..., Any] | None:
    """A beat's handler resolved to nothing.

    Return a callable to use as the handler, or None to let the beat fail with
    a handler-not-found error that lists ``suggestions``.
    """


@hookspec
def pytest_symphony_before_sequence(sequence: Sequence, context: SequenceRun) -> None:
    """Before the first beat of a sequence run (``context`` is the ``symphony`` fixture value)."""


@hookspec
def pytest_symphony_after_sequence(sequence: Sequence, context: SequenceRun | None) -> None:
    """After the last beat of a sequence run that was selected, passed or not."""


@hookspec
def pytest_symphony_before_movement(sequence: Sequence, movement: Movement, context: SequenceRun | None) -> None:
    """Before the first selected beat of a movement."""


@hookspec
def pytest_symphony_after_movement(sequence: Sequence, movement: Movement, context: SequenceRun | None) -> None:
    """After the last selected beat of a movement."""


@hookspec
def pytest_symphony_before_beat(sequence: Sequence, beat: Beat, context: SequenceRun) -> None:
    """Before a beat's fixtures are set up."""


@hookspec
def pytest_symphony_before_beat_call(
    sequence: Sequence, beat: Beat, context: SequenceRun, kwargs: dict[str, Any]
) -> None:
    """Right before each attempt calls the handler; ``kwargs`` may be changed in place."""


@hookspec
def pytest_symphony_after_beat(
    sequence: Sequence, beat: Beat, context: SequenceRun | None, records: list[dict[str, Any]]
) -> None:
    """After a beat ran; ``records`` holds one telemetry record per attempt."""


@hookspec
def pytest_symphony_beat_error(
    sequence: Sequence, beat: Beat, context: SequenceRun, exception: BaseException, attempt: int
) -> None:
    """A handler attempt raised (or timed out); called once per failed attempt."""


@hookspec
def pytest_symphony_event(
    event: str, payload: dict[str, Any], sequence: Sequence, beat: Beat | None, context: SequenceRun
) -> None:
    """An event was emitted: a beat's declared ``event`` on success, or ``symphony.emit``."""


@hookspec
def pytest_symphony_rollback(sequence: Sequence, failed_beat: Beat, context: SequenceRun) -> None:
    """A beat failed; runs once per sequence run, before the spec's own rollback handler."""


@hookspec
def pytest_symphony_pipelines(config: pytest.Config) -> Iterable[Pipeline] | None:
    """Return a list of ``pytest_symphony.pipelines.Pipeline``: specs collected only when named."""


@hookspec(firstresult=True)
def pytest_symphony_select_item(item: pytest.Item, wanted: set[str]) -> bool | None:
    """With ``--symphony``: return True to keep ``item`` (not a beat) for the sequence ids in ``wanted``.

    Return None to let other plugins decide; items nobody keeps are deselected.
    """


@hookspec
def pytest_symphony_register_checks(registry: CheckRegistry) -> None:
    """Add conformity checks: ``registry.add(CheckClass)``, a subclass of
    ``pytest_symphony.conformity.checks.SpecCheck``, ``WorkspaceCheck`` or ``PythonCheck``
    whose code was registered with ``pytest_symphony.conformity.register_code``."""


@hookspec
def pytest_symphony_policy_checks(config: pytest.Config) -> Iterable[PolicyCheck] | None:
    """Return a list of ``pytest_symphony.conformity.checks.PolicyCheck`` that declared
    governance policies may be bound to (POLICY_NOT_REFERENCED)."""


@hookspec(firstresult=True)
def pytest_symphony_autofix(violation: Violation, root: Path) -> Fix | None:
    """Return a ``pytest_symphony.conformity.Fix`` (its ``edits`` exact, with paths and
    offsets into the files under ``root``) for ``violation``, or None.

    Asked for every violation the built-in fixers do not fix (a plugin's own codes); the
    fix is applied exactly like a built-in one: snapshot, proofs, re-check, rollback.
    ``root`` is the workspace being fixed (a copy under ``--symphony-diff``); an
    implementation may take only ``violation``.
    """
