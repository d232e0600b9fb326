"""Each area of the core is a plugin of its own, as pytest's terminal reporter and last-failed plugin are.

Another plugin finds an area by its name (``config.pluginmanager.get_plugin``) or through
the typed accessors of ``pytest_symphony.session_key``; an area a run does not ask for
(``--symphony-resume``, ``--symphony-shard``) is not there.
"""

from __future__ import annotations

import json

SPEC = """
    id: deploy
    movements:
      - title: Build
        beats:
          - title: compile
            handler: compile
"""

HANDLERS = """
    @handler
    def compile(symphony):
        symphony.state["built"] = True
"""

PROBE = """
import json
from pathlib import Path

from pytest_symphony import session_key

NAMES = ["symphony-run", "symphony-handlers", "symphony-selection", "symphony-partial",
         "symphony-resume", "symphony-shard", "symphony-sequence-runs", "symphony-sequence-index",
         "symphony-recorder"]


def pytest_sessionfinish(session):
    config = session.config
    manager = config.pluginmanager
    found = {name: type(manager.get_plugin(name)).__name__ for name in NAMES if manager.get_plugin(name)}
    run = session_key.run_of(config)
    probe = {
        "plugins": found,
        "same_run": manager.get_plugin("symphony-run") is run,
        "run_id": run.run_id,
        "handlers": sorted(session_key.handlers_of(config).registry.names()),
        "recorded": sorted(session_key.recorder_of(config).summary.sequences),
    }
    Path(config.rootpath, "probe.json").write_text(json.dumps(probe))
"""


def _probe(project, *args):
    project.spec("deploy.yaml", SPEC)
    project.handlers(HANDLERS)
    project.pytester.makeconftest(PROBE)
    result = project.run(*args)
    return result, json.loads((project.pytester.path / "probe.json").read_text())


def test_each_area_is_a_plugin_found_by_name(project):
    result, probe = _probe(project)
    result.assert_outcomes(passed=1)
    assert probe["plugins"] == {
        "symphony-run": "SymphonyRun",
        "symphony-handlers": "HandlerRegistration",
        "symphony-selection": "Selection",
        "symphony-partial": "PartialRun",
        "symphony-sequence-runs": "SequenceRuns",
        "symphony-sequence-index": "SequenceIndex",
        "symphony-recorder": "RunRecorder",
    }
    assert probe["same_run"]
    assert probe["handlers"] == ["compile"]
    assert probe["recorded"] == ["deploy"]
    assert (project.pytester.path / ".symphony" / "runs" / probe["run_id"]).is_dir()


def test_resume_and_shard_are_plugins_only_when_asked_for(project):
    result, probe = _probe(project, "--symphony-shard=1/1", "--symphony-resume")
    result.assert_outcomes(passed=1)
    assert probe["plugins"]["symphony-resume"] == "Resume"
    assert probe["plugins"]["symphony-shard"] == "Sharding"
