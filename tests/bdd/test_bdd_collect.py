"""Feature files are pytest items: node ids, outlines, Background/Rule, tags, step definitions, errors."""

from __future__ import annotations

import pytest

CHECKS = """
@smoke
Feature: Checks
  Background:
    Given a log

  Scenario: Sources compile
    When "compile" happens
    Then the log reads "compile"

  Scenario Outline: Eating
    Given there are <start> cucumbers
    When I eat <eat> cucumbers
    Then I should have <left> cucumbers

    @slow
    Examples:
      | start | eat | left |
      | 12    | 5   | 7    |
      | 20    | 5   | 15   |

  Rule: Packing
    Background:
      When "pack" happens

    @nightly
    Scenario: Sources compile
      Then the log reads "pack"
"""

CHECK_STEPS = """
import pytest
from pytest_bdd import given, parsers, then, when


@pytest.fixture(scope="module")
def shared_log():
    return []


@given("a log", target_fixture="log")
def _(shared_log):
    shared_log.clear()
    return shared_log


@when(parsers.parse('"{word}" happens'))
def _(log, word):
    log.append(word)


@then(parsers.parse('the log reads "{words}"'))
def _(log, words):
    assert log == words.split()


@given(parsers.parse("there are {start:d} cucumbers"), target_fixture="cucumbers")
def _(start):
    return {"left": start}


@when(parsers.parse("I eat {eat:d} cucumbers"))
def _(cucumbers, eat):
    cucumbers["left"] -= eat


@then(parsers.parse("I should have {left:d} cucumbers"))
def _(cucumbers, left):
    assert cucumbers["left"] == left
"""


def test_scenarios_are_items_named_after_their_feature_file(bdd):
    bdd.feature("checks.feature", CHECKS)
    result = bdd.run("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "features/checks.feature::sources-compile",
            "features/checks.feature::eating[12-5-7]",
            "features/checks.feature::eating[20-5-15]",
            "features/checks.feature::sources-compile-2",  # same name under the Rule: not lost
            "4 tests collected*",
        ]
    )


def test_steps_run_with_background_rule_outline_parsers_and_module_fixture(bdd):
    bdd.feature("checks.feature", CHECKS)
    bdd.steps(CHECK_STEPS)
    bdd.run("-v").assert_outcomes(passed=4)


def test_tags_are_registered_markers_under_strict(bdd):
    bdd.feature("checks.feature", CHECKS)
    bdd.steps(CHECK_STEPS)
    result = bdd.run("-m", "slow", "-q")
    result.assert_outcomes(passed=2, deselected=2)
    result = bdd.run("-m", "nightly and smoke", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["features/checks.feature::sources-compile-2", "1/4 tests collected*"])
    bdd.run("--markers").stdout.fnmatch_lines(["@pytest.mark.beat(link):*"])


def test_step_definitions_from_conftest_and_a_configured_folder(bdd):
    bdd.ini("symphony_step_defs = steps_here")
    bdd.feature(
        "greet.feature",
        """
        Feature: Greet
          Scenario: Hello
            Given a name
            Then the greeting says hello
    """,
    )
    bdd.steps(
        """
        from pytest_bdd import given

        @given("a name", target_fixture="name")
        def _():
            return "Ada"
    """,
        folder="steps_here",
    )
    bdd.pytester.makeconftest("""
        import pytest
        from pytest_bdd import then

        @pytest.fixture
        def greeting(name):
            return f"hello {name}"

        @then("the greeting says hello")
        def _(greeting):
            assert greeting == "hello Ada"
    """)
    bdd.run().assert_outcomes(passed=1)


def test_feature_folders_are_collected_beside_testpaths(bdd):
    bdd.ini("testpaths = tests")
    bdd.pytester.mkdir("tests")
    (bdd.path / "tests" / "test_plain.py").write_text("def test_plain():\n    pass\n")
    bdd.feature("one.feature", "Feature: One\n  Scenario: Nothing\n    Given nothing\n")
    bdd.steps("from pytest_bdd import given\n\n@given('nothing')\ndef _():\n    pass\n")
    bdd.run().assert_outcomes(passed=2)


def test_missing_step_names_its_text_line_and_closest_patterns(bdd):
    bdd.feature(
        "build.feature",
        """
        Feature: Build
          Scenario: Wheel
            Given the sources are checked out
            When the wheel is bilt
    """,
    )
    bdd.steps("""
        from pytest_bdd import given, parsers, then, when

        @given("the sources are checked out")
        def _():
            pass

        @when("the wheel is built")
        def _():
            pass

        @then(parsers.parse("the wheel is bilt {how}"))
        def _(how):
            pass
    """)
    result = bdd.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "features/build.feature:4: no step definition matches When 'the wheel is bilt'",
            "  (a when step of scenario 'Wheel', features/build.feature:2)",
            "  closest step patterns:",
            "    @when('the wheel is built')  step_defs/steps.py:7",
            "    @then(parsers.parse('the wheel is bilt {how}'))  step_defs/steps.py:11",
            "  define it with @when('the wheel is bilt') in a module of ini symphony_step_defs*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_step_of_another_keyword_is_named(bdd):
    bdd.feature("k.feature", "Feature: K\n  Scenario: S\n    Given the door is open\n")
    bdd.steps("from pytest_bdd import then\n\n@then('the door is open')\ndef _():\n    pass\n")
    result = bdd.run()
    result.stdout.fnmatch_lines(
        ["*@then('the door is open') matches this text, but it is a then step (step_defs/steps.py:3)*"]
    )


def test_failing_step_is_reported_at_its_feature_line(bdd):
    bdd.feature("f.feature", "Feature: F\n  Scenario: S\n    Given nothing\n    Then it breaks\n")
    bdd.steps("""
        from pytest_bdd import given, then

        @given("nothing")
        def _():
            pass

        @then("it breaks")
        def _():
            assert 1 == 2, "broken on purpose"
    """)
    result = bdd.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*assert 1 == 2*",
            "step_defs/steps.py:9: AssertionError",
            "*features/f.feature:4: step failed: Then it breaks",
        ]
    )
    assert "pytest_bdd/scenario.py" not in result.stdout.str()


def test_bad_gherkin_is_one_error_at_its_line_and_the_rest_runs(bdd):
    bdd.feature("bad.feature", "Feature: Bad\n  Scenario: S\n    And nothing\n")
    bdd.feature("good.feature", "Feature: Good\n  Scenario: S\n    Given nothing\n")
    bdd.steps("from pytest_bdd import given\n\n@given('nothing')\ndef _():\n    pass\n")
    result = bdd.run("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["features/bad.feature:3: First step in a scenario or background must start*"])


def test_empty_feature_collects_nothing(bdd):
    bdd.feature("empty.feature", "# nothing yet\n")
    assert bdd.run().ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_feature_outside_the_folder_runs_when_named(bdd):
    bdd.feature("elsewhere.feature", "Feature: E\n  Scenario: S\n    Given nothing\n", folder="docs")
    bdd.steps("from pytest_bdd import given\n\n@given('nothing')\ndef _():\n    pass\n")
    assert bdd.run().ret == pytest.ExitCode.NO_TESTS_COLLECTED
    bdd.run("docs/elsewhere.feature").assert_outcomes(passed=1)


def test_without_pytest_bdd_a_feature_is_one_clear_error(bdd):
    bdd.feature("f.feature", "Feature: F\n  Scenario: S\n    Given nothing\n")
    result = bdd.run("-p", "no:pytest-bdd")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["features/f.feature: features need pytest-bdd: pytest-bdd's plugin is disabled*"])
