Feature: A linked scenario runs right after its beat
  A scenario tagged @beat:<sequence-id>/<beat> checks what that beat did: it runs
  right after the beat, inside the same sequence run, whatever the file order.

  Background:
    Given a project with the sequence "release" whose beats compile and pack

  Scenario: Scenarios are placed after the beat they check
    Given the feature "release.feature":
      """
      Feature: Release checks
        @beat:release/pack
        Scenario: The wheel is named after the release
          Then the wheel is "release-1.0.whl"

        @beat:release/compile
        Scenario: Compiling leaves its mark
          Then the sources are compiled
      """
    When pytest runs
    Then the tests run in this order:
      | node id                                                        | outcome |
      | sequences/release.yaml::release::build::compile                | PASSED  |
      | features/release.feature::compiling-leaves-its-mark            | PASSED  |
      | sequences/release.yaml::release::build::pack                   | PASSED  |
      | features/release.feature::the-wheel-is-named-after-the-release | PASSED  |
