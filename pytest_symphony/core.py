"""The core area: it makes the per-area plugins at configure, and holds the hooks of no one area.

Each area is an object of its own, registered as a plugin under its name and kept on the
config's stash (``session_key``): the run's identity (``run.SymphonyRun``), handler
registration (``handlers``), the selection (``selection``), partial runs (``partial``),
``--symphony-resume`` (``resume``), ``--symphony-shard`` (``shards``), the sequence runs
(``session``), the sub-pipeline index (``subpipelines``) and the run's record (``recorder``).  An area's object is handed the others
it needs when it is made; the rest reach one through its typed accessor.  Registered by
``plugin.py`` only in a symphony project.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pytest

from .builtins import Pipeline, builtin_pipelines
from .collect import BeatItem, SequenceNode, SpecFile
from .errors import SymphonyError
from .handlers import HandlerRegistration
from .partial import PartialRun
from .recorder import RunRecorder
from .resume import Resume
from .run import SymphonyRun
from .runtime.context import SequenceRun
from .score import cache as score_cache
from .score.model import Beat
from .selection import Selection
from .session import SequenceRuns
from .session_key import (
    HANDLERS,
    NAMES,
    PARTIAL,
    RECORDER,
    RESUME,
    RUN,
    SELECTION,
    SEQUENCE_INDEX,
    SEQUENCE_RUNS,
    SHARDING,
    partial_of,
    recorder_of,
    resume_of,
    run_of,
    selection_of,
    sharding_of,
)
from .shards import Sharding
from .subpipelines import SequenceIndex

T = TypeVar("T")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("symphony_list") and getattr(config.option, "dist", "no") != "no":
        config.option.dist, config.option.numprocesses = "no", None  # listing runs here, not on workers
    run = _register(config, RUN, SymphonyRun.from_config(config))
    handlers = _register(config, HANDLERS, HandlerRegistration(config))
    requested = config.getoption("symphony_resume")
    resume = _register(config, RESUME, Resume(run, requested) if requested else None)
    shard = config.getoption("symphony_shard")
    sharding = _register(config, SHARDING, Sharding(run, shard) if shard else None)
    partial = _register(config, PARTIAL, PartialRun(config, run.dynamic, resume))
    _register(config, SEQUENCE_RUNS, SequenceRuns(config, run, handlers, resume))
    _register(config, SEQUENCE_INDEX, SequenceIndex(run, handlers))
    _register(config, RECORDER, RunRecorder(config, run, resume))
    if run.dynamic == "pp":
        config.pluginmanager.register(_Resolved(), "symphony-resolved")
    handlers.register_configured()
    # registered as a plugin at collection, after every plugin's configure: its wrapper is the outermost
    config.stash[SELECTION] = Selection(config, run, handlers, partial, sharding)
    _widen_args(config, run)
    if config.pluginmanager.hasplugin("xdist"):
        from . import xdist_support

        config.pluginmanager.register(xdist_support.XdistSupport(run), "symphony-xdist")


def _register(config: pytest.Config, key: pytest.StashKey[T], area: T) -> T:
    """Keep an area's object on the stash and register it as a plugin (an absent area: None, unregistered)."""
    config.stash[key] = area
    if area is not None:
        config.pluginmanager.register(area, NAMES[key])
    return area


def _widen_args(config: pytest.Config, run: SymphonyRun) -> None:
    """Spec folders are collected even when ``testpaths`` names only test folders.

    With ``--symphony`` and no explicit paths, only the spec folders are collected.
    """
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        return
    roots = [str(p) for p in run.spec_roots if p.is_dir()]
    if run.selected:
        config.args = roots
    elif config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        config.args = list(config.args) + [r for r in roots if r not in config.args]


@pytest.hookimpl
def pytest_symphony_pipelines(config: pytest.Config) -> list[Pipeline]:
    return list(builtin_pipelines())


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SpecFile | None:
    if run_of(parent.config).is_spec(file_path):
        return SpecFile.from_parent(parent, path=file_path)
    return None


def pytest_collection(session: pytest.Session) -> bool | None:
    config = session.config
    if config.getoption("symphony_list"):
        from .listing import listing

        reporter = config.pluginmanager.get_plugin("terminalreporter")
        for line in listing(config, run_of(config)):
            if reporter is not None:
                reporter.write_line(line)
            else:  # -p no:terminal: the listing asked for is still printed
                print(line)
        return True  # collect nothing: like --markers, it only prints
    config.pluginmanager.register(selection_of(config), NAMES[SELECTION])
    return None


class _Resolved:
    """At ``pp`` (only then registered) a passed beat proved its handler and fixtures resolve; it did not run."""

    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        if getattr(report, "symphony_resolved", False):
            return "passed", "r", ("RESOLVED", {"green": True})
        return None


@pytest.hookimpl(trylast=True)  # the list of files written ends the summary, after every area's lines
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    recorder = recorder_of(config)
    lines = recorder.summary.lines() + partial_of(config).lines()
    for area in (resume_of(config), sharding_of(config)):
        lines += area.lines() if area is not None else []
    if lines:
        terminalreporter.write_sep("-", "symphony")
        for line in lines:
            terminalreporter.write_line(line)
    for line in recorder.written_lines(config.get_verbosity() > 0):
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.getoption("symphony_list"):
        session.exitstatus = pytest.ExitCode.OK


# -- fixtures ----------------------------------------------------------------------
@pytest.fixture
def symphony(request: pytest.FixtureRequest) -> SequenceRun:
    """The sequence run of this beat: ``state``, ``emit``, ``metric``, ``artifact_dir``, ``run_id``, ``dynamic``."""
    node: SequenceNode | None = request.node.getparent(SequenceNode)
    if node is None:  # a BDD scenario linked to a beat reads that beat's run (pytest_symphony.bdd)
        node = getattr(request.node, "symphony_sequence_node", None)
    if node is None or node.run is None:
        raise SymphonyError("the 'symphony' fixture belongs to beats of a sequence run")
    return node.run


@pytest.fixture
def beat(request: pytest.FixtureRequest) -> Beat:
    """The running beat's spec (read-only)."""
    item = request.node
    if not isinstance(item, BeatItem):
        raise SymphonyError("the 'beat' fixture belongs to beats of a sequence run")
    return item.plan.beat


def pytest_unconfigure(config: pytest.Config) -> None:
    score_cache.forget()
