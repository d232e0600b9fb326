Feature: Sequence conformity
  Counts, numbering, handlers, sub-sequences, events, timing, dynamics and
  musical metadata of each sequence.

  Each scenario writes a small workspace, runs pytest on it with ini
  symphony_conformity = true and --symphony-format=json, and reads the report.

  Background:
    Given a conformity workspace

  Scenario: BEAT_COUNT_MISMATCH: A declared beat count that matches nothing
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      beats: 3
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
            - name: Pack
              handler: pack
      """
    When conformity checks the workspace
    Then conformity reports BEAT_COUNT_MISMATCH at "sequences/release.yaml:3"
    And the fix is safe
    And the conformity item of "sequences/release.yaml" fails
    When conformity fixes the workspace
    Then the summary counts 1 BEAT_COUNT_MISMATCH fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release
      name: Release
      beats: 2
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
            - name: Pack
              handler: pack
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for BEAT_COUNT_MISMATCH
    And fixing again changes nothing

  Scenario: MOVEMENT_COUNT_MISMATCH: A declared movement count that matches nothing
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movementCount: 2
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports MOVEMENT_COUNT_MISMATCH at "sequences/release.yaml:3"
    And the fix is safe
    When conformity fixes the workspace
    Then the summary counts 1 MOVEMENT_COUNT_MISMATCH fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release
      name: Release
      movementCount: 1
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for MOVEMENT_COUNT_MISMATCH
    And fixing again changes nothing

  Scenario: EMPTY_MOVEMENT: A movement with no beats
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      movements:
        - name: Build
          beats: []
        - name: Ship
          beats:
            - name: Build
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports EMPTY_MOVEMENT at "sequences/release.yaml:3"
    And the fix is none
    And the conformity item of "sequences/release.yaml" fails

  Scenario: DUPLICATE_BEAT_ID: Two beats of one movement with the same number
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - beat: 1
              handler: build
            - beat: 1
              handler: pack
      """
    When conformity checks the workspace
    Then conformity reports DUPLICATE_BEAT_ID at "sequences/release.yaml:8"
    And the fix is unsafe
    And the conformity item of "sequences/release.yaml" fails
    When conformity fixes the workspace with unsafe fixes
    Then the summary counts 1 DUPLICATE_BEAT_ID fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - beat: 1
              handler: build
            - beat: 2
              handler: pack
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for DUPLICATE_BEAT_ID
    And fixing again changes nothing

  Scenario: BEAT_NUMBERING_GAP: Beat numbers that skip one
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - beat: 1
              handler: build
            - beat: 3
              handler: pack
      """
    When conformity checks the workspace
    Then conformity reports BEAT_NUMBERING_GAP at "sequences/release.yaml:8"
    And the fix is safe
    When conformity fixes the workspace
    Then the summary counts 1 BEAT_NUMBERING_GAP fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - beat: 1
              handler: build
            - beat: 2
              handler: pack
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for BEAT_NUMBERING_GAP
    And fixing again changes nothing

  Scenario: HANDLER_NOT_FOUND: A beat names a handler nobody registered, and the message suggests the close one
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: biuld
      """
    When conformity checks the workspace
    Then conformity reports HANDLER_NOT_FOUND at "sequences/release.yaml:7"
    And the fix is unsafe
    And the message says "names handler 'biuld', which no registered module provides; did you mean 'build'?"
    And the conformity item of "sequences/release.yaml" fails
    When conformity fixes the workspace with unsafe fixes
    Then the summary counts 1 HANDLER_NOT_FOUND fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for HANDLER_NOT_FOUND
    And fixing again changes nothing

  Scenario: SUBSEQUENCE_NOT_FOUND: A beat invokes a sequence no spec defines
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
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
              subsequence: refund
      """
    When conformity checks the workspace
    Then conformity reports SUBSEQUENCE_NOT_FOUND at "sequences/release.yaml:8"
    And the fix is none
    And the conformity item of "sequences/release.yaml" fails

  Scenario: INVALID_EVENT_REFERENCE: A beat emits an event its sequence does not declare
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      events: [built]
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              event: biult
      """
    When conformity checks the workspace
    Then conformity reports INVALID_EVENT_REFERENCE at "sequences/release.yaml:9"
    And the fix is safe
    And the conformity item of "sequences/release.yaml" fails
    When conformity fixes the workspace
    Then the summary counts 1 INVALID_EVENT_REFERENCE fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release
      name: Release
      events: [built, biult]
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              event: biult
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for INVALID_EVENT_REFERENCE
    And fixing again changes nothing

  Scenario: UNUSED_EVENT: A declared event no beat emits
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      events:
        - built
        - shipped
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              event: built
      """
    When conformity checks the workspace
    Then conformity reports UNUSED_EVENT at "sequences/release.yaml:5"
    And the fix is none

  Scenario: TIMING_CONSTRAINT_VIOLATED: A beat that took longer than its timing in the last run
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
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
              timing: < 5ms
      """
    And a recorded run with the attempts:
      """
      [
        {
          "sequence": "release",
          "beat": "build",
          "duration_ms": 40.0,
          "status": "passed"
        }
      ]
      """
    When conformity checks the workspace
    Then conformity reports TIMING_CONSTRAINT_VIOLATED at "sequences/release.yaml:8"
    And the fix is none
    And the conformity item of "sequences/release.yaml" fails

  Scenario: INVALID_TIMING: A timing that is neither a duration, a keyword nor a declared cadence
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
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
              timing: soonish
      """
    When conformity checks the workspace
    Then conformity reports INVALID_TIMING at "sequences/release.yaml:8"
    And the fix is none

  Scenario: INVALID_DYNAMICS: A dynamics marking that is not pp, p, mf, f or ff
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
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
              dynamics: loud
      """
    When conformity checks the workspace
    Then conformity reports INVALID_DYNAMICS at "sequences/release.yaml:8"
    And the fix is unsafe
    When conformity fixes the workspace with unsafe fixes
    Then the summary counts 1 INVALID_DYNAMICS fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release
      name: Release
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
              dynamics: mf
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for INVALID_DYNAMICS
    And fixing again changes nothing

  Scenario: MUSICAL_METADATA_INVALID: A tempo outside 20 to 300 BPM
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}


      @handler
      def pack():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      tempo: 900
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports MUSICAL_METADATA_INVALID at "sequences/release.yaml:3"
    And the fix is safe
    When conformity fixes the workspace
    Then the summary counts 1 MUSICAL_METADATA_INVALID fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release
      name: Release
      tempo: 120
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for MUSICAL_METADATA_INVALID
    And fixing again changes nothing
