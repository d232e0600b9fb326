Feature: A failed beat skips the scenarios linked to it
  A scenario cannot check what a beat did if the beat failed or never ran: it skips,
  and the reason names the beat.

  Background:
    Given a project with the sequence "release" whose beats compile and pack
    And the feature "release.feature":
      """
      Feature: Release checks
        @beat:release/compile
        Scenario: Compiling leaves its mark
          Then the sources are compiled

        @beat:release/pack
        Scenario: The wheel is named after the release
          Then the wheel is "release-1.0.whl"
      """

  Scenario: The scenario of a failed beat skips naming it
    Given the compiler crashes
    When pytest runs with "-rs"
    Then the outcome is 1 failed, 3 skipped
    And the output has the line "SKIPPED [[]1[]] features/release.feature:3: beat release/compile (1.1) failed"

  Scenario: The scenario of a beat skipped after an earlier failure skips too
    Given the compiler crashes
    When pytest runs with "-rs"
    Then the output has the line "SKIPPED [[]1[]] features/release.feature:7: beat release/pack (1.2) was skipped (beat 1.1 failed)"
