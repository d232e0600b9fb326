"""Whether a workspace's beats can run, as the run resolves them (the build's
``validateHandlers`` beat): an expander, a handler or a fixture a beat needs that is missing.
"""

from __future__ import annotations

import pytest

from pytest_symphony import buildkit as bk
from pytest_symphony.runtime.conductor import BoundHandler
from pytest_symphony.score.model import Beat, Movement
from pytest_symphony.score.resolve import no_handler
from pytest_symphony.handlers import HandlerRegistration

#: Fixtures every beat gets, whatever conftest.py defines.
_ALWAYS = frozenset({"symphony", "beat", "request"})


def _fixture_exists(request: pytest.FixtureRequest, name: str) -> bool:
    """Some conftest.py or plugin defines it (``[]``: defined, though not for this node)."""
    return request.session._fixturemanager.getfixturedefs(name, request.node) is not None


def beat_problems(
    sym: HandlerRegistration, request: pytest.FixtureRequest, entry: bk.SpecEntry, movement: Movement, beat: Beat
) -> list[str]:
    """Why one beat could not run: its expander, handlers or their fixtures are missing (as the run resolves them)."""
    where, subject = f"{entry.display}:{beat.line}", f"beat {movement.number}.{beat.number} '{beat.title}'"
    problems = []
    expand = beat.expand
    if expand and sym.registry.expander(str(expand)) is None:
        problems.append(f"{where}: {subject} expands over '{expand}', but no @expander of that name is registered")
    if not beat.handlers and beat.command is None:
        problems.append(no_handler().line(where, subject))
    for ref in beat.handlers:
        found = sym.registry.lookup(ref, entry.scope)
        if found.command is not None:
            continue
        func = found.handler.func if found.handler is not None else None
        if found.problem is not None and found.problem.kind != "duplicate":
            func = sym.hook.pytest_symphony_handler_lookup_error(
                beat=beat, sequence=entry.sequence, name=ref.display, suggestions=found.problem.suggestions
            )
        if func is None:
            assert found.problem is not None, "no handler and no command: the resolution says why"
            problems.append(found.problem.line(where, subject))
            continue
        for name in BoundHandler.bind(ref.display, func, beat.inputs).fixtures:
            if name not in _ALWAYS and not _fixture_exists(request, name):
                problems.append(
                    f"{where}: {subject}: handler '{ref.display}' needs fixture '{name}', "
                    "which no conftest.py or plugin defines"
                )
    return problems
