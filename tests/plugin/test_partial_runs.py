"""A beat never runs without the beats it stands on: node ids, -k, --deselect, --lf, --sw, --ff."""

from __future__ import annotations

import pytest

SPEC = """
id: release
movements:
  - name: Build
    beats:
      - {name: Compile, handler: compile}
      - {name: Test, handler: run_tests}
  - name: Ship
    beats:
      - {name: Pack, handler: pack}
"""

HANDLERS = """
from pathlib import Path


@handler
def compile():
    return {"compiled": True}


@handler
def run_tests(symphony):
    assert symphony.state["compiled"]
    if Path("tests-broken").exists():
        raise AssertionError("a test failed")
    return {"tested": True}


@handler
def pack(symphony):
    assert symphony.state["tested"]
"""

COMPILE = "sequences/release.yaml::release::build::compile"
TEST = "sequences/release.yaml::release::build::test"
PACK = "sequences/release.yaml::release::ship::pack"


@pytest.fixture
def release(project):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    return project


def _ran(result) -> list[str]:
    """Beats in the order they ran, with their outcome."""
    return [line.split(" ")[0] + " " + line.split(" ")[1] for line in result.outlines
            if line.startswith("sequences/") and (" PASSED" in line or " FAILED" in line or " SKIPPED" in line)]


def test_a_node_id_runs_its_beat_after_the_beats_it_stands_on(release):
    result = release.run("-v", PACK)
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]
    result.stdout.fnmatch_lines(["pulled in 2 earlier beat(s) for beat release 2.1 pack: compile, test"])


def test_keyword_selection_pulls_in_the_earlier_beats(release):
    result = release.run("-v", "-k", "pack")
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]
    result.stdout.fnmatch_lines(["*collected 3 items"])


def test_an_explicitly_deselected_predecessor_still_runs_and_the_summary_says_so(release):
    result = release.run("-v", "--deselect", COMPILE, PACK, TEST)
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]
    result.stdout.fnmatch_lines(["pulled in 1 earlier beat(s) for beat release 2.1 pack: compile"])


def test_a_later_beat_that_is_not_selected_stays_out(release):
    result = release.run("-v", TEST)
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} PASSED"]


def test_isolated_runs_the_beat_alone_and_says_so(release):
    result = release.run("-v", "--symphony-isolated", PACK)
    assert _ran(result) == [f"{PACK} FAILED"]
    result.stdout.fnmatch_lines([
        "*KeyError: 'tested'*",
        "--symphony-isolated: 1 beat(s) ran without the beats before them (symphony.state started empty): "
        "release 2.1 pack",
    ])


def test_last_failed_after_a_fix_runs_the_failed_beat_its_predecessors_and_the_blocked_beats(release):
    broken = release.pytester.path / "tests-broken"
    broken.touch()
    first = release.run("-v")
    assert _ran(first) == [f"{COMPILE} PASSED", f"{TEST} FAILED", f"{PACK} SKIPPED"]
    broken.unlink()
    again = release.run("-v", "--lf")
    assert _ran(again) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]
    assert release.run("-v", "--lf").ret == pytest.ExitCode.OK  # everything passed: --lf has nothing left


def test_stepwise_resumes_at_the_failed_beat_with_its_predecessors(release):
    broken = release.pytester.path / "tests-broken"
    broken.touch()
    first = release.run("-v", "--sw")
    assert _ran(first) == [f"{COMPILE} PASSED", f"{TEST} FAILED"]
    broken.unlink()
    again = release.run("-v", "--sw")
    assert _ran(again) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]


def test_failed_first_never_runs_a_beat_before_its_predecessors(release):
    release.pytester.makepyfile(test_plain="def test_a():\n    pass\n")
    broken = release.pytester.path / "tests-broken"
    broken.touch()
    release.run("-v", "-p", "no:randomly")
    result = release.run("-v", "--ff", "-p", "no:randomly")
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} FAILED", f"{PACK} SKIPPED"]
    ran = [line.split(" ")[0] for line in result.outlines if " PASSED" in line or " FAILED" in line]
    assert ran.index(TEST) > ran.index(COMPILE)


def test_a_node_id_under_xdist_runs_with_its_predecessors(release):
    pytest.importorskip("xdist")
    result = release.run("-n", "2", "-v", PACK)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["pulled in 2 earlier beat(s) for beat release 2.1 pack: compile, test"])


EXPANDED = """
id: fanout
movements:
  - name: Prepare
    beats:
      - {name: Seed, handler: seed}
  - name: Work
    beats:
      - {name: Each, handler: each, expand: parts}
      - {name: Sum, handler: total}
"""


def test_a_node_id_after_an_expanded_beat_pulls_in_every_target(project):
    project.spec("fanout.yaml", EXPANDED)
    project.handlers("""
        from pytest_symphony import expander


        @expander("parts")
        def parts(config):
            return ["a", "b"]


        @handler
        def seed():
            return {"done": []}


        @handler
        def each(symphony):
            symphony.state["done"].append(symphony.target.id)


        @handler
        def total(symphony):
            assert symphony.state["done"] == ["a", "b"]
    """)
    result = project.run("-v", "sequences/fanout.yaml::fanout::work::sum")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["pulled in 3 earlier beat(s) for beat fanout 2.2 sum: seed, a, b"])


TWO_MOVEMENTS = """
id: chain
movements:
  - name: First
    beats:
      - {name: Make, handler: make}
  - name: Second
    beats:
      - {name: Use, handler: use}
"""


@pytest.mark.parametrize("dist", ["loadscope", "loadgroup", "load", "worksteal", "loadfile"])
def test_every_dist_mode_keeps_a_sequence_on_one_worker(project, dist):
    pytest.importorskip("xdist")
    project.spec("chain.yaml", TWO_MOVEMENTS)
    project.handlers("""
        import os


        @handler
        def make():
            return {"worker": os.environ.get("PYTEST_XDIST_WORKER")}


        @handler
        def use(symphony):
            assert symphony.state["worker"] == os.environ.get("PYTEST_XDIST_WORKER")
    """)
    project.pytester.makepyfile(test_plain="import pytest\n\n\n@pytest.mark.parametrize('n', range(6))\n"
                                           "def test_n(n):\n    pass\n")
    result = project.run("-n", "2", "--dist", dist)
    result.assert_outcomes(passed=8)
