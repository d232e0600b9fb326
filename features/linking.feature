Feature: Scenarios link to beats
  A scenario links to a beat by the tag @beat:<sequence-id>/<beat>; --symphony=NAME
  runs the sequence's beats and the scenarios linked to them, and nothing else.

  Background:
    Given a project with the sequence "release" whose beats compile and pack
    And the feature "release.feature":
      """
      Feature: Release checks
        Scenario: Unlinked check
          Given nothing

        @beat:release/compile
        Scenario: Compiling leaves its mark
          Then the sources are compiled
      """

  Scenario: --symphony keeps the linked scenarios and drops the rest
    When pytest runs with "--symphony=release -q"
    Then the outcome is 3 passed, 1 deselected

  Scenario: A link to a beat the sequence does not have is an error at its line
    Given the feature "typo.feature":
      """
      Feature: Typo
        @beat:release/compil
        Scenario: Mistyped
          Given nothing
      """
    When pytest runs with "features/typo.feature"
    Then the outcome is 1 errors
    And the output has the line "features/typo.feature:3: scenario 'Mistyped': tag @beat:release/compil names beat 'compil', which sequence 'release' does not have (its beats: compile, pack)"
