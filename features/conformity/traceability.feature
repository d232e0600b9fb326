Feature: Traceability conformity
  Beats link to Gherkin scenarios and tests, and those links hold.

  Each scenario writes a small workspace, runs pytest on it with ini
  symphony_conformity = true and --symphony-format=json, and reads the report.

  Background:
    Given a conformity workspace

  Scenario: BDD_SPEC_MISSING: A beat with acceptance criteria and no linked scenario
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              acceptanceCriteria:
                - given: sources
                  when: the build runs
                  then: a wheel exists
      """
    And the workspace file "features/release.feature":
      """
      Feature: Release

        @smoke
        Scenario: Build a wheel
          Given sources
          When the build runs
          Then a wheel exists
      """
    And the workspace file "step_defs/release_steps.py":
      """
      from pytest_bdd import given, when, then


      @given('sources')
      def sources():
          pass


      @when('the build runs')
      def runs():
          pass


      @then('a wheel exists')
      def wheel():
          pass
      """
    When conformity checks the workspace
    Then conformity reports BDD_SPEC_MISSING at "sequences/release.yaml:8"
    And the fix is safe
    And the conformity item of "sequences/release.yaml" fails
    When conformity fixes the workspace
    Then the summary counts 1 BDD_SPEC_MISSING fixed
    And the file "features/release.feature" now reads:
      """
      Feature: Release

        @smoke
        Scenario: Build a wheel
          Given sources
          When the build runs
          Then a wheel exists

        @beat:release/build
        Scenario: Build: sources
          Given sources
          When the build runs
          Then a wheel exists
      """
    And only "features/release.feature" changed
    And the re-check finds nothing to fix for BDD_SPEC_MISSING
    And fixing again changes nothing

  Scenario: STEP_DEFINITION_MISSING: A linked scenario's step that no step definition matches
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              acceptanceCriteria:
                - given: sources
                  when: the build runs
                  then: a wheel exists
      """
    And the workspace file "features/release.feature":
      """
      Feature: Release

        @beat:release/build
        Scenario: Build a wheel
          Given sources
          When the build runs
          Then a wheel exists
      """
    And the workspace file "step_defs/release_steps.py":
      """
      from pytest_bdd import given, when, then


      @given('sources')
      def sources():
          pass


      @when('the build runs')
      def runs():
          pass


      @then('a wheel is built')
      def wheel():
          pass
      """
    When conformity checks the workspace
    Then conformity reports STEP_DEFINITION_MISSING at "features/release.feature:7"
    And the fix is safe
    And the conformity item of "features/release.feature" fails
    When conformity fixes the workspace
    Then the summary counts 1 STEP_DEFINITION_MISSING fixed
    And the file "step_defs/release_steps.py" now reads:
      """
      from pytest_bdd import given, when, then
      from pytest import skip


      @given('sources')
      def sources():
          pass


      @when('the build runs')
      def runs():
          pass


      @then('a wheel is built')
      def wheel():
          pass


      @then('a wheel exists')
      def _():
          skip('step not written yet: Then a wheel exists')
      """
    And only "step_defs/release_steps.py" changed
    And the re-check finds nothing to fix for STEP_DEFINITION_MISSING
    And fixing again changes nothing

  Scenario: SCENARIO_INCOMPLETE: A linked scenario without a When step
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              acceptanceCriteria:
                - given: sources
                  when: the build runs
                  then: a wheel exists
      """
    And the workspace file "features/release.feature":
      """
      Feature: Release

        @beat:release/build
        Scenario: Build a wheel
          Given sources
          And the build runs
          Then a wheel exists
      """
    And the workspace file "step_defs/release_steps.py":
      """
      from pytest_bdd import given, when, then


      @given('sources')
      def sources():
          pass


      @when('the build runs')
      def runs():
          pass


      @then('a wheel exists')
      def wheel():
          pass
      """
    When conformity checks the workspace
    Then conformity reports SCENARIO_INCOMPLETE at "features/release.feature:4"
    And the fix is none
    And the conformity item of "features/release.feature" fails

  Scenario: FEATURE_NARRATIVE_MISSING: A feature without a narrative while its sequence has a user story
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}
      """
    And the workspace file "sequences/release.yaml":
      """
      userStory:
        persona: release manager
        goal: ship safely
        benefit: users get fixes
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              acceptanceCriteria:
                - given: sources
                  when: the build runs
                  then: a wheel exists
      """
    And the workspace file "features/release.feature":
      """
      Feature: Release

        @beat:release/build
        Scenario: Build a wheel
          Given sources
          When the build runs
          Then a wheel exists
      """
    And the workspace file "step_defs/release_steps.py":
      """
      from pytest_bdd import given, when, then


      @given('sources')
      def sources():
          pass


      @when('the build runs')
      def runs():
          pass


      @then('a wheel exists')
      def wheel():
          pass
      """
    When conformity checks the workspace
    Then conformity reports FEATURE_NARRATIVE_MISSING at "features/release.feature:1"
    And the fix is safe
    When conformity fixes the workspace
    Then the summary counts 1 FEATURE_NARRATIVE_MISSING fixed
    And the file "features/release.feature" now reads:
      """
      Feature: Release
        As a release manager
        I want to ship safely
        So that users get fixes

        @beat:release/build
        Scenario: Build a wheel
          Given sources
          When the build runs
          Then a wheel exists
      """
    And only "features/release.feature" changed
    And the re-check finds nothing to fix for FEATURE_NARRATIVE_MISSING
    And fixing again changes nothing

  Scenario: ACCEPTANCE_CRITERIA_MISSING: A beat without acceptance criteria
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    And the workspace file "features/release.feature":
      """
      Feature: Release

        @beat:release/build
        Scenario: Build a wheel
          Given sources
          When the build runs
          Then a wheel exists
      """
    And the workspace file "step_defs/release_steps.py":
      """
      from pytest_bdd import given, when, then


      @given('sources')
      def sources():
          pass


      @when('the build runs')
      def runs():
          pass


      @then('a wheel exists')
      def wheel():
          pass
      """
    When conformity checks the workspace
    Then conformity reports ACCEPTANCE_CRITERIA_MISSING at "sequences/release.yaml:6"
    And the fix is none

  Scenario: TEST_LINK_BROKEN: A beat linking a test file that does not exist
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              acceptanceCriteria:
                - given: sources
                  when: the build runs
                  then: a wheel exists
              testFile: tests/test_gone.py
      """
    And the workspace file "features/release.feature":
      """
      Feature: Release

        @beat:release/build
        Scenario: Build a wheel
          Given sources
          When the build runs
          Then a wheel exists
      """
    And the workspace file "step_defs/release_steps.py":
      """
      from pytest_bdd import given, when, then


      @given('sources')
      def sources():
          pass


      @when('the build runs')
      def runs():
          pass


      @then('a wheel exists')
      def wheel():
          pass
      """
    When conformity checks the workspace
    Then conformity reports TEST_LINK_BROKEN at "sequences/release.yaml:12"
    And the fix is none
    And the conformity item of "sequences/release.yaml" fails

  Scenario: ORPHANED_SCENARIO: A scenario linking a beat the sequence does not have
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              acceptanceCriteria:
                - given: sources
                  when: the build runs
                  then: a wheel exists
      """
    And the workspace file "features/release.feature":
      """
      Feature: Release

        @beat:release/deploy
        Scenario: Build a wheel
          Given sources
          When the build runs
          Then a wheel exists
      """
    And the workspace file "step_defs/release_steps.py":
      """
      from pytest_bdd import given, when, then


      @given('sources')
      def sources():
          pass


      @when('the build runs')
      def runs():
          pass


      @then('a wheel exists')
      def wheel():
          pass
      """
    When conformity checks the workspace
    Then conformity reports ORPHANED_SCENARIO at "features/release.feature:4"
    And the fix is none
