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
    When conformity fixes the workspace
    Then the summary counts 1 TELEMETRY_NOT_INSTRUMENTED fixed
    And the file "handlers.py" now reads:
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {}
      """
    And only "handlers.py" changed
    And the re-check finds nothing to fix for TELEMETRY_NOT_INSTRUMENTED
    And fixing again changes nothing

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
    When conformity fixes the workspace with unsafe fixes
    Then the summary counts 1 EXCEPTION_SWALLOWED fixed
    And the file "handlers.py" now reads:
      """
      from pytest_symphony import handler


      @handler
      def build():
          try:
              return 1 / 0
          except ZeroDivisionError:
              raise
      """
    And only "handlers.py" changed
    And the re-check finds nothing to fix for EXCEPTION_SWALLOWED
    And fixing again changes nothing

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
    When conformity fixes the workspace with unsafe fixes
    Then the summary counts 1 UNCHECKED_SUBPROCESS fixed
    And the file "handlers.py" now reads:
      """
      from pytest_symphony import handler


      import subprocess as sp


      @handler
      def build():
          sp.run(['true'], check=True)
      """
    And only "handlers.py" changed
    And the re-check finds nothing to fix for UNCHECKED_SUBPROCESS
    And fixing again changes nothing

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

  Scenario: HARDCODED_PATH: A spec's test file written with backslashes gets forward slashes
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
              testFile: tests\test_build.py
      """
    And the workspace file "tests/test_build.py":
      """
      def test_build():
          pass
      """
    When conformity checks the workspace
    Then conformity reports HARDCODED_PATH at "sequences/release.yaml:8"
    And the fix is safe
    When conformity fixes the workspace
    Then the summary counts 1 HARDCODED_PATH fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              testFile: tests/test_build.py
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for HARDCODED_PATH
    And fixing again changes nothing

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
