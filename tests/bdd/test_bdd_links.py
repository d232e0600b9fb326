"""Scenarios linked to beats: selection, order, shared sequence run, skipping, telemetry, link errors."""

from __future__ import annotations

import pytest

LINKED = """
Feature: Release checks
  Scenario: Unlinked check
    Given nothing

  @beat:release/compile
  Scenario: Compiling leaves its mark
    Then the sources are compiled

  Scenario: The wheel is named after the release
    Then the wheel is "release-1.0.whl"
"""


def test_linked_scenarios_run_right_after_their_beat_with_its_state(bdd):
    bdd.release().feature("release.feature", LINKED)
    result = bdd.run("-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            "features/release.feature::unlinked-check PASSED*",
            "sequences/release.yaml::release::build::compile PASSED*",
            "features/release.feature::compiling-leaves-its-mark PASSED*",  # by tag
            "sequences/release.yaml::release::build::pack PASSED*",
            "features/release.feature::the-wheel-is-named-after-the-release PASSED*",  # by the beat's `scenario`
        ]
    )


def test_symphony_selects_the_beats_and_their_linked_scenarios(bdd):
    bdd.release().feature("release.feature", LINKED)
    result = bdd.run("--symphony=release", "-q")
    result.assert_outcomes(passed=4, deselected=1)
    result = bdd.run("-m", "symphony_release", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*::compile", "*::compiling-leaves-its-mark", "*::pack", "*::the-wheel-is*"])


def test_a_failed_beat_skips_its_scenarios_naming_the_beat(bdd):
    bdd.release().feature("release.feature", LINKED)
    (bdd.path / "FAIL_COMPILE").write_text("")
    result = bdd.run("-rs", "--symphony=release")
    result.assert_outcomes(failed=1, skipped=3)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [1] features/release.feature:6: beat release/compile (1.1) failed",
            "SKIPPED [1] sequences/release.yaml:8: beat 1.1 failed",
            "SKIPPED [1] features/release.feature:9: beat release/pack (1.2) was skipped (beat 1.1 failed)",
        ]
    )


def test_the_sequence_run_stays_open_across_its_scenarios(bdd):
    bdd.release().feature("release.feature", LINKED)
    bdd.pytester.makeconftest("""
        import pytest

        opened = []

        def pytest_symphony_before_sequence(sequence, context):
            opened.append(context.correlation_id)

        def pytest_sessionfinish(session):
            print(f"\\nsequence runs opened: {len(opened)}")
    """)
    result = bdd.run("-s", "--symphony=release")
    result.stdout.fnmatch_lines(["sequence runs opened: 1"])
    records = bdd.telemetry()
    assert [(r.get("kind", "beat"), r["beat"], r["status"]) for r in records] == [
        ("beat", "compile", "passed"),
        ("scenario", "compile", "passed"),
        ("beat", "pack", "passed"),
        ("scenario", "pack", "passed"),
    ]
    assert len({r["correlation_id"] for r in records}) == 1
    scenario = records[1]
    assert scenario["nodeid"] == "features/release.feature::compiling-leaves-its-mark"
    assert scenario["spec_file"] == "features/release.feature" and scenario["spec_line"] == 6
    [step] = scenario["steps"]
    assert (step["text"], step["status"]) == ("Then the sources are compiled", "passed")
    assert step["duration_ms"] >= 0


def test_a_linked_scenario_alone_says_how_to_run_it_with_its_beat(bdd):
    bdd.release().feature("release.feature", LINKED)
    result = bdd.run("features/release.feature::compiling-leaves-its-mark")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*scenario 'Compiling leaves its mark' is linked to beat release/compile (1.1), which is not in this "
            "session*pytest --symphony=release"
        ]
    )


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (
            "@beat:release/compil",
            "tag @beat:release/compil names beat 'compil', which sequence 'release' does not have "
            "(its beats: compile, pack)",
        ),
        (
            "@beat:relase/compile",
            "tag @beat:relase/compile names sequence 'relase', which no spec declares (known: *release*)",
        ),
        ("@beat:release/compile @beat:release/pack", "links to 2 beats (@beat:release/compile, @beat:release/pack)*"),
        ("@beat:release", "tag @beat:release should read @beat:<sequence-id>/<beat>*"),
    ],
)
def test_a_bad_link_errors_the_scenario_at_its_line(bdd, tags, message):
    bdd.release().feature(
        "release.feature",
        f"""
        Feature: F
          {tags}
          Scenario: Bad link
            Given nothing
    """,
    )
    result = bdd.run()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([f"features/release.feature:3: scenario 'Bad link': {message}"])


def test_links_by_movement_and_number_and_feature_tag(bdd):
    bdd.release().feature(
        "release.feature",
        """
        @beat:release/build/pack
        Feature: Packing
          Scenario: Wheel name
            Then the wheel is "release-1.0.whl"

          @beat:release/1.1
          Scenario: Compiled
            Then the sources are compiled
    """,
    )
    result = bdd.run("-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        ["*::compile PASSED*", "*::compiled PASSED*", "*::pack PASSED*", "*::wheel-name PASSED*"]
    )


def test_scenarios_follow_the_last_target_of_an_expanded_beat(bdd):
    bdd.spec(
        "fan.yaml",
        """
        id: fan
        movements:
          - name: Build
            beats:
              - name: Each
                handler: each
                expand: packages
    """,
    )
    bdd.handlers("""
        from pytest_symphony import expander

        @expander("packages")
        def packages(config):
            return ["a", "b"]

        @handler
        def each(symphony):
            symphony.state.setdefault("built", []).append(symphony.target.id)
    """)
    bdd.feature(
        "fan.feature",
        """
        Feature: Fan
          @beat:fan/each
          Scenario: Both built
            Then both packages are built
    """,
    )
    bdd.steps("""
        from pytest_bdd import then

        @then("both packages are built")
        def _(symphony):
            assert symphony.state["built"] == ["a", "b"]
    """)
    result = bdd.run("-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*::each::a PASSED*", "*::each::b PASSED*", "*::both-built PASSED*"])


def test_dynamics_pp_resolves_steps_without_running_them(bdd):
    bdd.release().feature("release.feature", LINKED + "\n  Scenario: Undefined\n    Given a step nobody wrote\n")
    result = bdd.run("--symphony-dynamic=pp", "-q")
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(["*no step definition matches Given 'a step nobody wrote'*"])


def test_a_beat_deselected_by_dynamics_takes_its_scenarios(bdd):
    bdd.release().feature("release.feature", LINKED)
    bdd.spec(
        "release.yaml",
        (bdd.path / "sequences" / "release.yaml")
        .read_text()
        .replace("handler: pack", "handler: pack\n        dynamics: ff"),
    )
    result = bdd.run("-q")
    result.assert_outcomes(passed=3, deselected=2)


def test_xdist_keeps_each_linked_scenario_with_its_beat(bdd):
    pytest.importorskip("xdist")
    bdd.release().feature("release.feature", LINKED)
    for n in range(3):
        text = (bdd.path / "sequences" / "release.yaml").read_text()
        bdd.spec(
            f"copy{n}.yaml",
            text.replace("id: release", f"id: copy{n}").replace("scenario: The wheel is named after the release", ""),
        )
        bdd.feature(
            f"copy{n}.feature",
            f"""
            Feature: Copy {n}
              @beat:copy{n}/pack
              Scenario: Packed
                Then the wheel is "release-1.0.whl"
        """,
        )
    result = bdd.run("-n", "2")
    result.assert_outcomes(passed=14)
    records = bdd.telemetry()
    scenarios = [r for r in records if r.get("kind") == "scenario"]
    assert len(scenarios) == 5
    by_run = {r["correlation_id"] for r in records if r["sequence"] == "copy1"}
    assert len(by_run) == 1
