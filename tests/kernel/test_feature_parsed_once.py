"""Each feature file is parsed once a session, though the BDD area collects it and the
conformity checker reads it (both through the kernel's ``score.gherkin.parse_feature``)."""

from __future__ import annotations

import textwrap

COUNTING = """
import collections

import pytest_symphony.score.gherkin as gherkin

PARSES = collections.Counter()
_parse = gherkin._parse_feature


def _counting(path, encoding):
    PARSES[path.name] += 1
    return _parse(path, encoding)


gherkin._parse_feature = _counting


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(f"parses: {sorted(PARSES.items())}")


def pytest_unconfigure(config):
    gherkin._parse_feature = _parse  # the run may be in-process: leave the module as it was
"""

SPEC = """
id: release
name: Release
movements:
  - name: Build
    beats:
      - name: Compile
        handler: compile_sources
"""

FEATURE = """
Feature: Release
  @beat:release/compile
  Scenario: Compiled
    Given nothing

  Scenario: Another
    Given nothing
"""


def test_a_feature_collected_and_checked_in_one_session_is_parsed_once(project, pytester):
    project.ini("symphony_conformity = true")
    project.spec("release.yaml", SPEC)
    pytester.makepyfile(
        handlers="from pytest_symphony import handler\n\n\n@handler\ndef compile_sources():\n    return {}\n"
    )
    pytester.makeconftest(COUNTING)
    (pytester.path / "step_defs").mkdir()
    (pytester.path / "step_defs" / "steps.py").write_text(
        "from pytest_bdd import given\n\n\n@given('nothing')\ndef _():\n    pass\n"
    )
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "release.feature").write_text(textwrap.dedent(FEATURE).lstrip())
    result = project.run("-p", "no:randomly", "-v")
    result.stdout.fnmatch_lines(["*features/release.feature::compiled PASSED*", "parses: [('release.feature', 1)]"])
