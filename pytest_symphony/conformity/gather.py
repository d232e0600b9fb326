"""What a pytest session hands the conformity engine (:class:`.inputs.EngineInputs`).

The session's settings, the built-in pipelines its ``--symphony`` names, its handler
registry, the fixtures pytest knows, the feature reader the BDD area shares, and the
checks plugins add.  Kept apart from the engine, which reads none of this itself.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from ..score.gherkin import parse_feature
from ..session_key import HANDLERS
from .checks.base import CheckRegistry
from .inputs import BuiltinSpec, EngineInputs
from .settings import Settings

__all__ = ["session_inputs", "named_builtins"]


def session_inputs(config: pytest.Config, *, registry: Any = None) -> EngineInputs:
    """The engine's inputs in this session (``registry``: instead of the session's, e.g. a staged copy's)."""
    handlers = config.stash.get(HANDLERS, None)
    if registry is None and handlers is not None:
        registry = handlers.registry
    checks = CheckRegistry()
    config.hook.pytest_symphony_register_checks(registry=checks)
    policy = [check for batch in config.hook.pytest_symphony_policy_checks(config=config) for check in batch or ()]
    return EngineInputs(
        settings=Settings.from_config(config),
        builtins=tuple(named_builtins(config)),
        registry=registry,
        fixtures=_fixture_names(config),
        parse_feature=parse_feature,
        checks=checks,
        policy_checks=tuple(policy),
    )


def named_builtins(config: pytest.Config) -> list[BuiltinSpec]:
    """Every built-in pipeline, marked ``named`` when ``--symphony`` names its alias."""
    names = {n.strip() for n in (config.getoption("symphony", None) or "").split(",") if n.strip()}
    out = []
    # through the hook, as the run finds them (built-in and plugins' pipelines), not by import
    pipelines: dict[str, Any] = {}
    for batch in config.hook.pytest_symphony_pipelines(config=config):
        for found in batch or ():
            pipelines.setdefault(found.alias, found)
    for pipeline in pipelines.values():
        named = pipeline.alias in names
        found = importlib.util.find_spec(pipeline.handler_module) if named and pipeline.handler_module else None
        handler_file = Path(found.origin) if found is not None and found.origin else None
        out.append(BuiltinSpec(pipeline.alias, pipeline.spec, pipeline.handler_module, handler_file, named))
    return out


def _fixture_names(config: pytest.Config) -> frozenset[str]:
    """Fixtures the session's fixture manager knows (pytest's private ``_arg2fixturedefs``; none before collection)."""
    session = config.pluginmanager.get_plugin("session")
    manager = getattr(session, "_fixturemanager", None)
    return frozenset(getattr(manager, "_arg2fixturedefs", {}).keys()) if manager is not None else frozenset()
