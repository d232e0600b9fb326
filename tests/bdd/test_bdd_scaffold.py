"""--symphony-scaffold: a linked scenario per acceptance criterion, step stubs, and nothing twice."""

from __future__ import annotations

import pytest

SHIP = """
id: ship
name: Ship
userStory: {persona: releaser, goal: wheels on the index, benefit: users can install}
movements:
  - name: Build
    beats:
      - name: Compile
        handler: compile_sources
        acceptanceCriteria:
          - The sources compile without warnings
          - given: [sources are checked out, the compiler is installed]
            when: the build runs
            then: [an object file exists]
            and: [the log is clean]
        acceptanceCriteriaStructured:
          - {given: a cached build, then: nothing is recompiled}
  - name: Publish
    beats:
      - name: Upload
        handler: upload
        acceptanceCriteria:
          - {given: [a wheel], when: [it is uploaded], then: [the index lists it]}
"""

HANDLERS = """
@handler
def compile_sources():
    pass

@handler
def upload():
    pass
"""


def _scaffold(bdd, *args):
    return bdd.run("--symphony-scaffold=ship", *args)


def test_scaffold_writes_a_linked_scenario_per_criterion_in_every_form(bdd):
    bdd.spec("ship.yaml", SHIP)
    bdd.handlers(HANDLERS)
    result = _scaffold(bdd)
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "symphony: wrote features/ship.feature",
        "symphony: wrote step_defs/ship_steps.py",
        "symphony scaffold: features/ship.feature: 4 scenario(s) added, linked to 2 beat(s)",
        "symphony scaffold: step_defs/ship_steps.py: 11 step stub(s) added",
    ])
    feature = (bdd.path / "features" / "ship.feature").read_text()
    assert feature.endswith("""\
Feature: Ship
  As a releaser
  I want wheels on the index
  So that users can install

  @beat:ship/compile
  Scenario: Compile: The sources compile without warnings
    Then The sources compile without warnings

  @beat:ship/compile
  Scenario: Compile: sources are checked out
    Given sources are checked out
    And the compiler is installed
    When the build runs
    Then an object file exists
    And the log is clean

  @beat:ship/compile
  Scenario: Compile: a cached build
    Given a cached build
    Then nothing is recompiled

  @beat:ship/upload
  Scenario: Upload: a wheel
    Given a wheel
    When it is uploaded
    Then the index lists it
""")
    stubs = (bdd.path / "step_defs" / "ship_steps.py").read_text()
    assert "@given('sources are checked out')\ndef _():\n    pytest.skip('step not written yet: Given sources are checked out')" in stubs
    # the scaffolded feature parses and links; its stubs skip, saying what to write: nothing turns red
    result = bdd.run("-v", "-rs", "--symphony=ship")
    result.assert_outcomes(passed=2, skipped=4)
    result.stdout.fnmatch_lines([
        "*::compile PASSED*", "*::compile-the-sources-compile-without-warnings SKIPPED*",
        "*::compile-sources-are-checked-out SKIPPED*", "*::compile-a-cached-build SKIPPED*",
        "*::upload PASSED*", "*::upload-a-wheel SKIPPED*",
        "SKIPPED * step not written yet: Then The sources compile without warnings",
    ])


def test_scaffolding_twice_changes_nothing(bdd):
    bdd.spec("ship.yaml", SHIP)
    bdd.handlers(HANDLERS)
    _scaffold(bdd)
    files = [bdd.path / "features" / "ship.feature", bdd.path / "step_defs" / "ship_steps.py"]
    before = [f.read_bytes() for f in files]
    result = _scaffold(bdd)
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "symphony scaffold: features/ship.feature: every acceptance criterion already has its scenario",
        "symphony scaffold: every step already has a definition",
    ])
    assert "symphony: wrote" not in result.stdout.str()
    assert [f.read_bytes() for f in files] == before


def test_scaffold_only_appends_what_is_missing_and_keeps_user_edits(bdd):
    bdd.spec("ship.yaml", SHIP)
    bdd.handlers(HANDLERS)
    mine = """\
# my notes
Feature: Ship (mine)

  @beat:ship/compile
  Scenario: Sources are ready
    Given sources are checked out
    And the compiler is installed
    When the build runs
    Then an object file exists
    And the log is clean

  Scenario: Upload: a wheel
    Given a wheel I renamed"""
    bdd.feature("ship.feature", mine)
    bdd.steps("""
        from pytest_bdd import given

        @given("a cached build")
        def _():
            pass
    """)
    result = _scaffold(bdd)
    result.stdout.fnmatch_lines(["symphony scaffold: features/ship.feature: 2 scenario(s) added, linked to 1 beat(s)"])
    text = (bdd.path / "features" / "ship.feature").read_text()
    assert text.startswith(mine + "\n")  # kept byte for byte, in place
    added = text[len(mine):]
    assert "Scenario: Compile: The sources compile without warnings" in added
    assert "Scenario: Compile: a cached build" in added
    assert "Compile: sources are checked out" not in added  # same beat and steps as "Sources are ready"
    stubs = (bdd.path / "step_defs" / "ship_steps.py").read_text()
    assert "'a cached build'" not in stubs  # a definition matches it
    assert "'a wheel I renamed'" in stubs


def test_scaffold_names_the_known_sequences_for_an_unknown_one(bdd):
    bdd.spec("ship.yaml", SHIP)
    bdd.handlers(HANDLERS)
    result = bdd.run("--symphony-scaffold=shpi")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --symphony-scaffold: no sequence 'shpi' (known: *ship*)"])


def test_scaffold_refuses_a_feature_that_does_not_parse(bdd):
    bdd.spec("ship.yaml", SHIP)
    bdd.handlers(HANDLERS)
    broken = "Feature: Ship\n  Scenario: Broken\n    And nothing\n"
    bdd.feature("ship.feature", broken)
    result = _scaffold(bdd)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --symphony-scaffold: */features/ship.feature:3: First step*fix that line first"])
    assert (bdd.path / "features" / "ship.feature").read_text() == broken
