Feature: Governance conformity
  Declared policies and metrics are real, changes are approved, rollbacks exist,
  and movements stay above their thresholds.

  Each scenario writes a small workspace, runs pytest on it with ini
  symphony_conformity = true and --symphony-format=json, and reads the report.

  Background:
    Given a conformity workspace

  Scenario: POLICY_NOT_REFERENCED: A governance policy no check enforces
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}


      @handler
      def undo():
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
      governance:
        policies:
          - Every beat passes
          - Coffee is brewed first
      """
    When conformity checks the workspace
    Then conformity reports POLICY_NOT_REFERENCED at "sequences/release.yaml:11"
    And the fix is none

  Scenario: METRIC_NOT_TRACKED: A governance metric the history never recorded
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}


      @handler
      def undo():
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
      governance:
        metrics:
          - Files built
          - Wheel size (bytes)
      """
    And a recorded run with the attempts:
      """
      [
        {
          "sequence": "release",
          "beat": "build",
          "duration_ms": 1.0,
          "status": "passed",
          "metrics": {
            "files_built": 3
          }
        }
      ]
      """
    When conformity checks the workspace
    Then conformity reports METRIC_NOT_TRACKED at "sequences/release.yaml:11"
    And the fix is none

  Scenario: UNAUTHORIZED_CHANGE: A spec changed since the workspace was approved
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}


      @handler
      def undo():
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
    And the workspace is approved
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Compile
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports UNAUTHORIZED_CHANGE at "sequences/release.yaml:1"
    And the fix is none
    And the conformity item of "sequences/release.yaml" fails

  Scenario: ROLLBACK_NOT_DEFINED: A deployment sequence without a rollback handler
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}


      @handler
      def undo():
          return {}
      """
    And the workspace file "sequences/release.yaml":
      """
      kind: deployment
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports ROLLBACK_NOT_DEFINED at "sequences/release.yaml:1"
    And the fix is none
    And the conformity item of "sequences/release.yaml" fails

  Scenario: GOVERNANCE_THRESHOLD_BREACHED: A movement whose visibility is below the policy threshold
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}


      @handler
      def undo():
          return {}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          visibility: 0.5
          beats:
            - name: Build
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports GOVERNANCE_THRESHOLD_BREACHED at "sequences/release.yaml:5"
    And the fix is none
    And the conformity item of "sequences/release.yaml" fails
