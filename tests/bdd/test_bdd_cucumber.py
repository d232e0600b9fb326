"""--cucumberjson is complete with and without xdist (pytest-bdd 9's own is empty under -n)."""

from __future__ import annotations

import json

import pytest

FEATURE = """
@release
Feature: Release checks
  Scenario: Unlinked check
    Given nothing

  @beat:release/compile
  Scenario: Compiling leaves its mark
    Then the sources are compiled

  Scenario: Undefined step
    Given nothing
    When a step nobody wrote runs
    Then the sources are compiled
"""


def _load(bdd, name: str) -> list[dict]:
    return json.loads((bdd.path / name).read_text(encoding="utf-8"))


def _shape(document: list[dict]) -> list:
    """Everything but durations."""
    return [
        (
            f["uri"],
            f["name"],
            [t["name"] for t in f["tags"]],
            [
                (
                    e["name"],
                    e["line"],
                    [t["name"] for t in e["tags"]],
                    [(s["keyword"], s["name"], s["line"], s["result"]["status"]) for s in e["steps"]],
                )
                for e in f["elements"]
            ],
        )
        for f in document
    ]


def test_cucumber_json_is_complete_under_xdist_and_equal_to_a_plain_run(bdd):
    pytest.importorskip("xdist")
    bdd.release().feature("release.feature", FEATURE)
    bdd.feature(
        "wrapped.feature", "Feature: Wrapped\n  Scenario: Bound by scenarios()\n    Given nothing\n", folder="tests"
    )
    bdd.pytester.makepyfile(
        **{
            "tests/test_wrapped": (
                "from pytest_bdd import given, scenarios\n\n"
                "scenarios('wrapped.feature')\n\n"
                "@given('nothing')\ndef _():\n    pass\n"
            )
        }
    )
    bdd.run("--cucumberjson=plain.json").assert_outcomes(passed=5, failed=1)
    bdd.run("-n", "2", "--cucumberjson=out/xdist.json").assert_outcomes(passed=5, failed=1)
    plain, xdist = _load(bdd, "plain.json"), _load(bdd, "out/xdist.json")
    assert _shape(xdist) == _shape(plain)
    assert _shape(xdist) == [
        (
            "features/release.feature",
            "Release checks",
            ["@release"],
            [
                ("Unlinked check", 3, [], [("Given", "nothing", 4, "passed")]),
                (
                    "Compiling leaves its mark",
                    7,
                    ["@beat:release/compile"],
                    [("Then", "the sources are compiled", 8, "passed")],
                ),
                (
                    "Undefined step",
                    10,
                    [],
                    [
                        ("Given", "nothing", 11, "passed"),
                        ("When", "a step nobody wrote runs", 12, "undefined"),
                        ("Then", "the sources are compiled", 13, "skipped"),
                    ],
                ),
            ],
        ),
        (
            "tests/wrapped.feature",
            "Wrapped",
            [],
            [("Bound by scenarios()", 2, [], [("Given", "nothing", 3, "passed")])],
        ),
    ]
    undefined = xdist[0]["elements"][2]["steps"][1]["result"]
    assert "no step definition matches When 'a step nobody wrote runs'" in undefined["error_message"]


def test_cucumber_json_is_listed_with_the_files_written(bdd):
    bdd.release().feature("release.feature", FEATURE)
    result = bdd.run("--cucumberjson=c.json")
    result.stdout.fnmatch_lines(["symphony: wrote c.json"])
