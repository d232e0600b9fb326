Feature: Orchestration conformity
  Spec files load, ids are present and unique, and the domain registry,
  the build manifest and sub-sequence dependencies agree with the specs.

  Each scenario writes a small workspace, runs pytest on it with ini
  symphony_conformity = true and --symphony-format=json, and reads the report.

  Background:
    Given a conformity workspace

  Scenario: SEQUENCE_PARSE_ERROR: A spec that is not valid JSON is reported at the parser's line
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}
      """
    And the workspace file "sequences/release.json":
      """
      {
        "id": "release",
        "movements": [
      }
      """
    When conformity checks the workspace
    Then conformity reports SEQUENCE_PARSE_ERROR at "sequences/release.json:4"
    And the fix is none
    And the conformity item of "sequences/release.json" fails

  Scenario: SCHEMA_VIOLATION: A spec that fails the sequence schema is reported at the failing member
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      movements:
        - name: Build
          beats:
            - name: B
              handler: build
              retries: -1
      """
    When conformity checks the workspace
    Then conformity reports SCHEMA_VIOLATION at "sequences/release.yaml:5"
    And the fix is none
    And the conformity item of "sequences/release.yaml" fails

  Scenario: SEQUENCE_ID_MISSING: A spec without an id runs as its file stem and is told to declare one
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      name: Release
      description: Ships it
      kind: delivery
      status: active
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports SEQUENCE_ID_MISSING at "sequences/release.yaml:1"
    And the fix is safe
    And the conformity item of "sequences/release.yaml" fails
    When conformity fixes the workspace
    Then the summary counts 1 SEQUENCE_ID_MISSING fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release
      name: Release
      description: Ships it
      kind: delivery
      status: active
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for SEQUENCE_ID_MISSING
    And fixing again changes nothing

  Scenario: DUPLICATE_SEQUENCE_ID: Two specs declaring one id are both reported
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}
      """
    And the workspace file "sequences/a.yaml":
      """
      id: release
      name: Release
      description: Ships it
      kind: delivery
      status: active
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    And the workspace file "sequences/b.yaml":
      """
      id: release
      name: Release
      description: Ships it
      kind: delivery
      status: active
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports DUPLICATE_SEQUENCE_ID at "sequences/b.yaml:1"
    And the fix is none
    And the conformity item of "sequences/b.yaml" fails

  Scenario: DOMAIN_NOT_FOUND: A domainId the registry does not know
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      description: Ships it
      kind: delivery
      status: active
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      domainId: shoe
      """
    And the workspace file "DOMAIN_REGISTRY.json":
      """
      {
        "domains": {
          "shop": {"domain_id": "shop", "sequence_files": ["sequences/release.yaml"]}
        }
      }
      """
    When conformity checks the workspace
    Then conformity reports DOMAIN_NOT_FOUND at "sequences/release.yaml:11"
    And the fix is none
    And the conformity item of "sequences/release.yaml" fails

  Scenario: ORPHANED_DOMAIN_REFERENCE: The registry lists a spec file that does not exist
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      description: Ships it
      kind: delivery
      status: active
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    And the workspace file "DOMAIN_REGISTRY.json":
      """
      {
        "domains": {
          "shop": {
            "sequence_files": [
              "sequences/release.yaml",
              "sequences/gone.yaml"
            ]
          }
        }
      }
      """
    When conformity checks the workspace
    Then conformity reports ORPHANED_DOMAIN_REFERENCE at "DOMAIN_REGISTRY.json:6"
    And the fix is unsafe
    When conformity fixes the workspace with unsafe fixes
    Then the summary counts 1 ORPHANED_DOMAIN_REFERENCE fixed
    And the file "DOMAIN_REGISTRY.json" now reads:
      """
      {
        "domains": {
          "shop": {
            "sequence_files": [
              "sequences/release.yaml"
            ]
          }
        }
      }
      """
    And only "DOMAIN_REGISTRY.json" changed
    And the re-check finds nothing to fix for ORPHANED_DOMAIN_REFERENCE
    And fixing again changes nothing

  Scenario: CIRCULAR_DEPENDENCY: Two sequences invoking each other
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}
      """
    And the workspace file "sequences/a.yaml":
      """
      id: a
      movements:
        - name: M
          beats:
            - name: Call b
              handler: build
              subsequence: b
      """
    And the workspace file "sequences/b.yaml":
      """
      id: b
      movements:
        - name: M
          beats:
            - name: Call a
              handler: build
              subsequence: a
      """
    When conformity checks the workspace
    Then conformity reports CIRCULAR_DEPENDENCY at "sequences/a.yaml:7"
    And the fix is none
    And the conformity item of "sequences/a.yaml" fails

  Scenario: MANIFEST_MISMATCH: A spec changed since the build manifest was written
    Given the ini option symphony_manifests = manifests
    And the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      description: Ships it
      kind: delivery
      status: active
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    And the workspace file "manifests/sequences.json":
      """
      {"sequences": [{"id": "release", "path": "sequences/release.yaml", "content_hash": "0", "builtin": false}]}
      """
    When conformity checks the workspace
    Then conformity reports MANIFEST_MISMATCH at "sequences/release.yaml:1"
    And the fix is safe
    And the conformity item of "sequences/release.yaml" fails
    When conformity fixes the workspace
    Then the summary counts 1 MANIFEST_MISMATCH fixed
    And the re-check finds nothing to fix for MANIFEST_MISMATCH
    And fixing again changes nothing

  Scenario: METADATA_MISSING: A sequence without a kind
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release
      name: Release
      description: Ships it
      status: active
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports METADATA_MISSING at "sequences/release.yaml:1"
    And the fix is none

  Scenario: METADATA_MISSING: A sequence without a name is named after its id
    Given the workspace file "handlers.py":
      """
      from pytest_symphony import handler


      @handler
      def build():
          return {'ok': True}
      """
    And the workspace file "sequences/release.yaml":
      """
      id: release  # the id
      description: Ships it
      kind: build
      status: active
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    When conformity checks the workspace
    Then conformity reports METADATA_MISSING at "sequences/release.yaml:1"
    And the fix is safe
    When conformity fixes the workspace
    Then the summary counts 1 METADATA_MISSING fixed
    And the file "sequences/release.yaml" now reads:
      """
      id: release  # the id
      name: release
      description: Ships it
      kind: build
      status: active
      movements:
        - name: Build
          beats:
            - name: Build
              handler: build
      """
    And only "sequences/release.yaml" changed
    And the re-check finds nothing to fix for METADATA_MISSING
    And fixing again changes nothing
