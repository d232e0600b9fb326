"""Sub-pipelines: a beat with ``subsequence: <id>`` runs that sequence nested under it."""

from __future__ import annotations

import json

import pytest

MAIN = """
id: main
rollback: main_rollback
movements:
  - name: Prepare
    beats:
      - {name: Start, handler: start}
  - name: Ship
    beats:
      - {name: Build it, subsequence: lib, handler: after_build}
      - {name: Publish, handler: publish}
"""

LIB = """
id: lib
rollback: lib_rollback
movements:
  - name: Compile
    beats:
      - {name: Make, handler: make}
      - {name: Check, handler: check}
"""

HANDLERS = """
from pathlib import Path

LOG = Path("log.txt")


def note(text):
    with LOG.open("a") as fh:
        fh.write(text + "\\n")


@handler
def start():
    note("start")
    return {"version": "1.0"}


@handler
def make(symphony):
    note("make")
    assert "version" not in symphony.state  # its own state, not the parent's
    return {"wheel": "lib-1.0.whl"}


@handler
def check():
    note("check")
    assert not Path("check-broken").exists(), "check failed"


@handler
def after_build(symphony):
    sub = symphony.subrun("lib")
    note(f"after_build {sub.passed} {sub.state['wheel']}")
    return {"wheel": sub.state["wheel"]}


@handler
def publish(symphony):
    note(f"publish {symphony.state['version']} {symphony.state['wheel']}")


@handler
def lib_rollback():
    note("lib_rollback")


@handler
def main_rollback():
    note("main_rollback")
"""

P = "sequences/main.yaml::main::ship::build-it"


@pytest.fixture
def nested(project):
    project.spec("main.yaml", MAIN)
    project.spec("lib.yaml", LIB)
    project.handlers(HANDLERS)
    return project


def _log(project) -> list[str]:
    return (project.pytester.path / "log.txt").read_text().splitlines()


def test_a_sub_pipeline_runs_nested_in_order_with_its_own_state(nested):
    result = nested.run("-v", "-p", "no:randomly", "sequences/main.yaml")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            "sequences/main.yaml::main::prepare::start PASSED*",
            f"{P}::lib::compile::make PASSED*",
            f"{P}::lib::compile::check PASSED*",
            f"{P}::conclude PASSED*",
            "sequences/main.yaml::main::ship::publish PASSED*",
        ]
    )
    assert _log(nested) == ["start", "make", "check", "after_build True lib-1.0.whl", "publish 1.0 lib-1.0.whl"]


def test_sub_pipeline_records_name_the_parent_run(nested):
    nested.run("-q", "sequences/main.yaml")
    (jsonl,) = (nested.pytester.path / ".symphony" / "runs").glob("*/telemetry.jsonl")
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    start = next(r for r in records if r["beat"] == "start")
    make = next(r for r in records if r["beat"] == "make")
    assert make["sequence"] == "lib" and make["parent_correlation_id"] == start["correlation_id"]
    assert make["parent_nodeid"] == P
    assert make["correlation_id"] != start["correlation_id"]


def test_a_failing_sub_beat_rolls_back_the_sub_pipeline_then_the_parent(nested):
    (nested.pytester.path / "check-broken").touch()
    result = nested.run("-v", "-p", "no:randomly", "sequences/main.yaml")
    result.assert_outcomes(passed=2, failed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            f"{P}::lib::compile::check FAILED*",
            f"{P}::conclude SKIPPED (beat 2.*",
            "sequences/main.yaml::main::ship::publish SKIPPED (beat 2.1 failed)*",
        ]
    )
    assert _log(nested) == ["start", "make", "check", "lib_rollback", "main_rollback"]


def test_a_sub_beat_node_id_pulls_in_the_parent_beats_before_it(nested):
    result = nested.run("-v", "-p", "no:randomly", f"{P}::lib::compile::check")
    result.assert_outcomes(passed=3)
    assert _log(nested) == ["start", "make", "check"]


def test_a_sub_pipeline_that_leads_back_to_itself_is_one_failing_item(project):
    project.spec("a.yaml", "id: a\nmovements:\n  - name: M\n    beats:\n      - {name: Go, subsequence: b}\n")
    project.spec("b.yaml", "id: b\nmovements:\n  - name: M\n    beats:\n      - {name: Back, subsequence: a}\n")
    project.handlers("")
    result = project.run("-q", "sequences/a.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*beat 'Back' runs sequence 'a' inside itself (a -> b -> a); CIRCULAR_DEPENDENCY"])


def test_an_unknown_sub_pipeline_is_one_failing_item_and_the_rest_runs(project):
    project.spec(
        "a.yaml",
        "id: a\nmovements:\n  - name: M\n    beats:\n      - {name: Go, subsequence: nope}\n"
        "  - name: N\n    beats:\n      - {name: After, handler: after}\n",
    )
    project.spec("c.yaml", "id: c\nmovements:\n  - name: M\n    beats:\n      - {name: Fine, handler: after}\n")
    project.handlers("@handler\ndef after():\n    pass\n")
    result = project.run("-q")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*beat 'Go' runs sub-pipeline 'nope', which no spec under ini symphony_paths and "
            "no built-in pipeline declares; SUBSEQUENCE_NOT_FOUND"
        ]
    )


def test_sub_pipelines_under_xdist_stay_with_their_parent(nested):
    pytest.importorskip("xdist")
    result = nested.run("-n", "2", "sequences/main.yaml")
    result.assert_outcomes(passed=5)
