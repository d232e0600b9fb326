Feature: Dependency conformity
  Imports resolve, installed versions satisfy what is declared, and approved
  contracts only break with a major version bump.

  Each scenario writes a small workspace, runs pytest on it with ini
  symphony_conformity = true and --symphony-format=json, and reads the report.

  Background:
    Given a conformity workspace

  Scenario: UNRESOLVED_IMPORT: A handler importing a module that does not exist
    A module-level import like this one stops pytest before anything runs (the handler
    module cannot be imported); inside the handler it fails only when the beat runs, and
    conformity says so first.

    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          import not_a_module_xyz
          return {"client": not_a_module_xyz}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      version: '1.0'
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports UNRESOLVED_IMPORT at "handlers.py:6"
    And the fix is none
    And the conformity item of "handlers.py" fails

  Scenario: VERSION_CONSTRAINT_VIOLATED: A dependency the installed version does not satisfy
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
      version: '1.0'
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    And the workspace file "pyproject.toml":
      """
      [project]
      name = "app"
      version = "1"
      dependencies = [
        "pytest<2",
      ]
      """
    When conformity checks the workspace
    Then conformity reports VERSION_CONSTRAINT_VIOLATED at "pyproject.toml:5"
    And the fix is none
    And the conformity item of "pyproject.toml" fails

  Scenario: BREAKING_CHANGE_DETECTED: A beat renamed since approval without a major version bump
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
      version: '1.0'
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
      version: '1.0'
      movements:
        - name: Build
          beats:
            - name: Compile
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports BREAKING_CHANGE_DETECTED at "sequences/release.yaml:3"
    And the fix is none
    And the conformity item of "sequences/release.yaml" fails
