Feature: Handler conformity
  Handler code is checked with libcst (one parse, one walk per file), and the
  handlers are checked against the beats that use them.

  Each scenario writes a small workspace, runs pytest on it with ini
  symphony_conformity = true and --symphony-format=json, and reads the report.

  Background:
    Given a conformity workspace

  Scenario: MISSING_IMPLEMENTATION: A handler whose body is only a docstring and ...
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          '''Builds.'''
          ...
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
    When conformity checks the workspace
    Then conformity reports MISSING_IMPLEMENTATION at "handlers.py:5"
    And the fix is none
    And the conformity item of "handlers.py" fails

  Scenario: SIGNATURE_MISMATCH: A handler parameter that is neither a fixture nor a beat input
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build(tmp_path, fmt):
          return {'fmt': fmt}
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
    When conformity checks the workspace
    Then conformity reports SIGNATURE_MISMATCH at "handlers.py:5"
    And the fix is none
    And the conformity item of "handlers.py" fails

  Scenario: TELEMETRY_NOT_INSTRUMENTED: A beat runs a plain function not registered with @handler
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


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
    When conformity checks the workspace
    Then conformity reports TELEMETRY_NOT_INSTRUMENTED at "handlers.py:4"
    And the fix is safe

  Scenario: EXCEPTION_SWALLOWED: A handler that catches an error and passes
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          try:
              return 1 / 0
          except ZeroDivisionError:
              pass
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
    When conformity checks the workspace
    Then conformity reports EXCEPTION_SWALLOWED at "handlers.py:8"
    And the fix is unsafe
    And the conformity item of "handlers.py" fails

  Scenario: UNCHECKED_SUBPROCESS: A handler that runs a command and ignores its exit status
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      import subprocess as sp


      @handler
      def build():
          sp.run(['true'])
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
    When conformity checks the workspace
    Then conformity reports UNCHECKED_SUBPROCESS at "handlers.py:9"
    And the fix is unsafe
    And the conformity item of "handlers.py" fails

  Scenario: HARDCODED_PATH: A handler that writes to an absolute path
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'out': '/home/ci/out.txt'}
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
    When conformity checks the workspace
    Then conformity reports HARDCODED_PATH at "handlers.py:6"
    And the fix is none

  Scenario: DUPLICATE_HANDLER: Two functions registered under one handler name
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
    And the workspace file "conftest.py":
      """
      from pytest_symphony import handler


      @handler('build')
      def build_it():
          return {}
      """
    When conformity checks the workspace
    Then conformity reports DUPLICATE_HANDLER at "handlers.py:5"
    And the fix is none
    And the conformity item of "handlers.py" fails

  Scenario: ORPHAN_HANDLER: A registered handler no beat uses
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}


      @handler
      def unused():
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
    When conformity checks the workspace
    Then conformity reports ORPHAN_HANDLER at "handlers.py:10"
    And the fix is none
