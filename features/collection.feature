Feature: Feature files are pytest items
  A .feature file under features/ is collected directly: no test module binds it.
  Each scenario is one item named after its file, each example row of an outline one
  more, and a step nobody defined fails its scenario with a message that says so.

  Background:
    Given a project with the sequence "release" whose beats compile and pack

  Scenario: Scenarios and example rows become items named after their file
    Given the feature "checks.feature":
      """
      Feature: Checks
        Scenario: Sources are there
          Given nothing

        Scenario Outline: Counting
          Given nothing

          Examples:
            | n |
            | 1 |
            | 2 |
      """
    When pytest runs with "--collect-only -q features"
    Then 3 tests are collected:
      | node id                                       |
      | features/checks.feature::sources-are-there    |
      | features/checks.feature::counting[1]          |
      | features/checks.feature::counting[2]          |

  Scenario: A step without a definition fails with its text, its line and what to do
    Given the feature "checks.feature":
      """
      Feature: Checks
        Scenario: Unwritten
          Given nothing
          When a step nobody wrote runs
      """
    When pytest runs with "features"
    Then the outcome is 1 failed
    And the output has the line "features/checks.feature:4: no step definition matches When 'a step nobody wrote runs'"
