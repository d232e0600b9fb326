"""A beat's ``inputs`` never replace a fixture by accident.

A handler parameter is filled from the beat's ``inputs`` when one has its name, else
from the fixture of that name.  So ``inputs: {tmp_path: /elsewhere}`` silently hands the
handler another folder than pytest's, and ``inputs: {symphony: ...}`` replaces the run
context.  An input whose name is a fixture the beat's handler takes is an error naming
both, unless the beat says so explicitly::

    - name: Pack
      handler: pack
      inputs: {tmp_path: build/out}
      overrideFixtures: [tmp_path]     # yes: this beat's tmp_path is build/out

``symphony``, ``beat`` and ``request`` are the run's own and can never be replaced.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ..errors import SymphonyError

#: The spec field that allows inputs to replace the fixtures it lists.
OVERRIDE_FIELD = "overrideFixtures"

#: Parameters that belong to the run itself: never replaced by an input.
RESERVED = frozenset({"symphony", "beat", "request"})


class InputOverridesFixture(SymphonyError):
    """A beat input would silently replace a fixture of the same name."""


def fixture_lookup(node: Any) -> Callable[[str], bool]:
    """Whether a fixture of a name is visible from ``node`` (conftest.py files, plugins, pytest)."""
    manager = node.session._fixturemanager

    def is_fixture(name: str) -> bool:
        return name in RESERVED or bool(manager.getfixturedefs(name, node))

    return is_fixture


def override_problem(beat: Any, handlers: Iterable[Any], node: Any, where: str, label: str) -> SymphonyError | None:
    """The error for inputs of ``beat`` that replace fixtures its ``handlers`` take, or None."""
    if not beat.inputs:
        return None
    taken = {name for bound in handlers for name in bound.inputs}
    if not taken:
        return None
    allowed, bad_field = _allowed(beat.override_fixtures)  # OVERRIDE_FIELD as written
    if bad_field:
        return InputOverridesFixture(
            f"{where}: beat {label} '{beat.title}': {OVERRIDE_FIELD} must be a list of fixture names, not {bad_field}"
        )
    is_fixture = fixture_lookup(node)
    for name in sorted(taken):
        if name in RESERVED:
            return InputOverridesFixture(
                f"{where}: beat {label} '{beat.title}' has an input '{name}', but '{name}' is the run's own "
                f"parameter (the {'sequence run' if name == 'symphony' else name}) and cannot be replaced; "
                "rename the input and the handler's parameter"
            )
        if name not in allowed and is_fixture(name):
            return InputOverridesFixture(
                f"{where}: beat {label} '{beat.title}' has an input '{name}' and a fixture '{name}' exists: "
                f"the input would replace the fixture in its handler without a word. Rename the input, or "
                f"say it is meant with `{OVERRIDE_FIELD}: [{name}]` on the beat"
            )
    return None


def _allowed(value: Any) -> tuple[frozenset[str], str | None]:
    if value is None:
        return frozenset(), None
    if isinstance(value, str):
        return frozenset({value}), None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(value), None
    return frozenset(), repr(value)[:60]


__all__ = ["OVERRIDE_FIELD", "RESERVED", "InputOverridesFixture", "fixture_lookup", "override_problem"]
