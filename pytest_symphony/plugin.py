"""The pytest entry point: hookspecs, options and markers always; the rest only when asked for.

Installed is not enabled: a project is a symphony project when its pytest config sets a
``symphony_*`` key, its pyproject.toml has a ``[tool.symphony]`` table, or a ``--symphony*``
option is given (``options.is_symphony_project``).  Anywhere else the plugin registers its
options, markers and hookspecs and does nothing more, so the run is the one
``-p no:symphony`` gives, and the start costs next to nothing (nothing heavy is imported).
"""

from __future__ import annotations

import importlib
import importlib.util

import pytest

from .options import add_options, is_symphony_project

#: The areas, each a plug-in module of its own, registered in this order when the project
#: is a symphony project (each area's ``pytest_configure`` runs as it is registered):
#: remediation turns ``--symphony-fix`` into a conformity run before the core reads
#: ``--symphony``; bdd and report build on the core's session state.
AREAS = (
    "pytest_symphony.remediation.plugin",
    "pytest_symphony.core",
    "pytest_symphony.runtime.plugin",
    "pytest_symphony.telemetry.plugin",
    "pytest_symphony.bdd.plugin",
    "pytest_symphony.conformity.plugin",
    "pytest_symphony.report.plugin",
    "pytest_symphony.otel.plugin",
)

MARKERS = (
    "symphony: a beat of a pytest-symphony sequence",
    "beat(link): a scenario linked to a beat by the tag @beat:<sequence-id>/<beat> (pytest-symphony)",
    "symphony_conformity: a conformity item (one checked file)",
)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hooks

    pluginmanager.add_hookspecs(hooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """History commands that run instead of a session, as ``--cache-show`` does: ``--symphony-history-import``
    (load a run into the history) and ``--symphony-history-merge`` (the shards of one run as one run)."""
    run_id = config.getoption("symphony_history_import", None)
    files = config.getoption("symphony_history_merge", None)
    if not (run_id or files):
        return None
    from .telemetry import plugin as telemetry

    return telemetry.import_history(config, run_id) if run_id else telemetry.merge_histories(config, files)


@pytest.hookimpl(tryfirst=True)  # before xdist and pytest-bdd configure themselves from our options
def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    if not is_symphony_project(config):
        return
    manager = config.pluginmanager
    for name in AREAS:
        if manager.get_plugin(name) is None and _exists(name):
            manager.register(importlib.import_module(name), name)


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the area's package is not there at all
        return False
