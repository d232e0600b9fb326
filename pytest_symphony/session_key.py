"""Where each area's object lives on the pytest config: one ``StashKey`` and one typed accessor per area.

Each area object is also registered as a plugin (``config.pluginmanager.register``) under
the name beside its key, so its hooks run and ``--trace-config`` lists it; the stash is
how other code reaches it, typed, as pytest's junitxml plugin keeps its ``LogXML``.  An
accessor raises ``KeyError`` outside a symphony project; ``config.stash.get(KEY, None)``
is the question "is there one".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .handlers import HandlerRegistration
    from .partial import PartialRun
    from .recorder import RunRecorder
    from .resume import Resume
    from .run import SymphonyRun
    from .selection import Selection
    from .session import SequenceRuns
    from .shards import Sharding
    from .subpipelines import SequenceIndex

RUN = pytest.StashKey["SymphonyRun"]()
HANDLERS = pytest.StashKey["HandlerRegistration"]()
RECORDER = pytest.StashKey["RunRecorder"]()
SELECTION = pytest.StashKey["Selection"]()
PARTIAL = pytest.StashKey["PartialRun"]()
RESUME = pytest.StashKey["Resume | None"]()
SHARDING = pytest.StashKey["Sharding | None"]()
SEQUENCE_RUNS = pytest.StashKey["SequenceRuns"]()
SEQUENCE_INDEX = pytest.StashKey["SequenceIndex"]()

#: plugin names, as ``config.pluginmanager.get_plugin`` finds them
NAMES = {
    RUN: "symphony-run",
    HANDLERS: "symphony-handlers",
    RECORDER: "symphony-recorder",
    SELECTION: "symphony-selection",
    PARTIAL: "symphony-partial",
    RESUME: "symphony-resume",
    SHARDING: "symphony-shard",
    SEQUENCE_RUNS: "symphony-sequence-runs",
    SEQUENCE_INDEX: "symphony-sequence-index",
}


def run_of(config: pytest.Config) -> "SymphonyRun":
    """The run's identity: id, controller or worker, folders, dynamic, named pipelines."""
    return config.stash[RUN]


def handlers_of(config: pytest.Config) -> "HandlerRegistration":
    """The handler registry and what fills it."""
    return config.stash[HANDLERS]


def recorder_of(config: pytest.Config) -> "RunRecorder":
    """Telemetry, the summary's counts, the files the run wrote."""
    return config.stash[RECORDER]


def selection_of(config: pytest.Config) -> "Selection":
    """Which items run and in what order: ``symphony:`` node ids, areas' arrangers."""
    return config.stash[SELECTION]


def partial_of(config: pytest.Config) -> "PartialRun":
    """Beats pulled in for others, or run isolated."""
    return config.stash[PARTIAL]


def resume_of(config: pytest.Config) -> "Resume | None":
    """``--symphony-resume``, when given."""
    return config.stash[RESUME]


def sharding_of(config: pytest.Config) -> "Sharding | None":
    """``--symphony-shard``, when given."""
    return config.stash[SHARDING]


def sequence_runs_of(config: pytest.Config) -> "SequenceRuns":
    """The sequence runs: start, finish, failure and rollback."""
    return config.stash[SEQUENCE_RUNS]


def sequence_index_of(config: pytest.Config) -> "SequenceIndex":
    """Every sequence a sub-pipeline beat may run, by id."""
    return config.stash[SEQUENCE_INDEX]
