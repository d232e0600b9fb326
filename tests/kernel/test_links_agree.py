"""A scenario linked to a beat alike by a run and by the conformity checker, in one session.

Each case is a project run with ``symphony_conformity = true`` and ``symphony_require_bdd
= true``: where a scenario runs (right after its beat, or as an error) is the run's verdict;
BDD_SPEC_MISSING in the conformity report (every beat needs a linked scenario) is the
checker's.  Both come from the kernel's ``resolve_link``; the cases are where they drifted.
"""

from __future__ import annotations

import json
import textwrap

import pytest

SPEC = """
id: release
name: Release
movements:
  - name: Build
    movement: {movement}
    beats:
      - name: Compile
        handler: compile_sources
        beat: {beat}
      - name: Pack
        handler: pack{pack_extra}
"""

HANDLERS = """
from pytest_symphony import handler


@handler
def compile_sources():
    return {}


@handler
def pack():
    return {}
"""

STEPS = """
from pytest_bdd import given


@given("nothing")
def _():
    pass
"""

COMPILE_LINE, PACK_LINE = 7, 10  # the lines of the beats' `- name:`, where BDD_SPEC_MISSING points


def _run(project, pytester, feature: str, *, movement: int = 1, beat: int = 1, pack_extra: str = ""):
    project.ini("symphony_conformity = true", "symphony_require_bdd = true")
    project.spec("release.yaml", SPEC.format(movement=movement, beat=beat, pack_extra=pack_extra))
    pytester.makepyfile(handlers=HANDLERS)
    (pytester.path / "step_defs").mkdir()
    (pytester.path / "step_defs" / "steps.py").write_text(textwrap.dedent(STEPS))
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "release.feature").write_text(textwrap.dedent(feature).lstrip())
    result = project.run("-v", "-p", "no:randomly", "--symphony-format=json", "--symphony-output=conformity.json")
    report = json.loads((pytester.path / "conformity.json").read_text())
    missing = {
        v["location"]["line"]
        for v in report["violations"]
        if v["code"] == "BDD_SPEC_MISSING" and v["location"]["path"] == "sequences/release.yaml"
    }
    return result, missing


def _after(result, beat: str) -> str:
    """The test that ran right after ``beat`` (a linked scenario runs there)."""
    lines = [line.split(" ")[0] for line in result.stdout.lines if " PASSED" in line or " ERROR" in line]
    return lines[lines.index(f"sequences/release.yaml::release::build::{beat}") + 1]


PACK_SCENARIO = """
  @beat:release/pack
  Scenario: Packed
    Given nothing
"""


@pytest.mark.parametrize("tag", ["@beat(release/compile)", "@beat:release/COMPILE"])
def test_a_link_tag_the_run_follows_links_for_the_checker_too(project, pytester, tag):
    result, missing = _run(
        project,
        pytester,
        f"""
        Feature: Release
          {tag}
          Scenario: Compiled
            Given nothing
        {PACK_SCENARIO}
    """,
    )
    assert _after(result, "compile") == "features/release.feature::compiled"
    assert missing == set()  # the checker saw no link (and an orphaned scenario)


def test_a_tag_wins_over_a_beat_naming_the_scenario_on_both_sides(project, pytester):
    result, missing = _run(
        project,
        pytester,
        """
        Feature: Release
          @beat:release/compile
          Scenario: Wheel
            Given nothing
    """,
        pack_extra="\n        scenario: Wheel",
    )
    assert _after(result, "compile") == "features/release.feature::wheel"
    assert _after(result, "pack") != "features/release.feature::wheel"
    assert missing == {PACK_LINE}  # the checker counted the scenario for pack too


def test_a_scenario_linked_to_two_beats_links_to_none_on_both_sides(project, pytester):
    result, missing = _run(
        project,
        pytester,
        """
        Feature: Release
          @beat:release/compile @beat:release/pack
          Scenario: Both
            Given nothing
    """,
    )
    result.stdout.fnmatch_lines(["*scenario 'Both': links to 2 beats (@beat:release/compile, @beat:release/pack)*"])
    assert missing == {COMPILE_LINE, PACK_LINE}  # the checker linked it to both


def test_a_declared_number_names_the_same_beat_on_both_sides(project, pytester):
    result, missing = _run(
        project,
        pytester,
        f"""
        Feature: Release
          @beat:release/2.3
          Scenario: Compiled
            Given nothing
        {PACK_SCENARIO}
    """,
        movement=2,
        beat=3,
    )
    assert _after(result, "compile") == "features/release.feature::compiled"
    assert missing == set()
