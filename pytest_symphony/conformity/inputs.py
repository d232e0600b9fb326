"""What the conformity engine works from, handed to it by its caller.

The engine is a library: it never looks up a pytest session, the built-in pipelines or
the BDD area.  Its caller gathers these values (:mod:`.gather` does, inside a pytest
session) and passes them; outside a session :meth:`EngineInputs.for_root` reads the
settings pytest would read for the folder, and the rest is read from source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pytest

from ..builtins import builtin_pipelines
from ..score.gherkin import parse_feature
from .settings import Settings

if TYPE_CHECKING:
    from .checks.base import CheckRegistry

__all__ = ["BuiltinSpec", "EngineInputs", "PROVIDER"]


@dataclass(frozen=True)
class BuiltinSpec:
    """A built-in pipeline: checked (its spec and handler module) only when the run names it."""

    alias: str
    spec: Path
    handler_module: str | None = None
    handler_file: Path | None = None
    named: bool = False


@dataclass
class EngineInputs:
    """Everything an engine run reads besides the workspace's files.

    ``registry``: the session's handler registry (handlers plugins registered, modules that
    failed to import), or None to read handlers from source only.  ``fixtures``: fixture
    names the session knows beyond pytest's own and the conftest.py files'.
    ``parse_feature``: the feature reader (shared with the BDD area's collection, so a file
    is parsed once a session).  ``checks``: the checks to run (default: the built-in ones).
    """

    settings: Settings
    builtins: tuple[BuiltinSpec, ...] = ()
    registry: Any = None
    fixtures: frozenset[str] = frozenset()
    parse_feature: Callable[..., Any] = parse_feature
    checks: CheckRegistry | None = None
    policy_checks: tuple[Any, ...] = ()

    @classmethod
    def for_root(cls, root: Path, *, registry: Any = None) -> "EngineInputs":
        """Outside pytest: the settings pytest would read for ``root``, nothing from a session;
        the built-in pipelines known (a sub-pipeline may invoke one) and none named."""
        builtins = tuple(BuiltinSpec(p.alias, p.spec, p.handler_module) for p in builtin_pipelines())
        return cls(Settings.from_root(root), builtins=builtins, registry=registry)


#: How an engine handed only a pytest config gets its session's inputs: set by the
#: conformity plugin at configure (``provider(registry=None) -> EngineInputs``).
PROVIDER = pytest.StashKey[Callable[..., EngineInputs]]()
