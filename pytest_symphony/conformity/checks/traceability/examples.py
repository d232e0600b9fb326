"""The small workspace the traceability checks' VALID/INVALID examples are written in:
a spec with acceptance criteria, its feature and its step definitions."""

from __future__ import annotations

HANDLERS = "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    return {}\n"
AC = "        acceptanceCriteria:\n          - given: sources\n            when: the build runs\n            then: a wheel exists\n"
SPEC = (
    "id: release\nname: Release\nmovements:\n  - name: Build\n    beats:\n      - name: Build\n        handler: build\n"
)
FEATURE = (
    "Feature: Release\n\n  @beat:release/build\n  Scenario: Build a wheel\n"
    "    Given sources\n    When the build runs\n    Then a wheel exists\n"
)
STEPS = (
    "from pytest_bdd import given, when, then\n\n\n"
    "@given('sources')\ndef sources():\n    pass\n\n\n"
    "@when('the build runs')\ndef runs():\n    pass\n\n\n"
    "@then('a wheel exists')\ndef wheel():\n    pass\n"
)


def ws(spec: str = SPEC + AC, feature: str | None = FEATURE, steps: str | None = STEPS, **extra: str) -> dict[str, str]:
    files = {"handlers.py": HANDLERS, "sequences/release.yaml": spec, **extra}
    if feature is not None:
        files["features/release.feature"] = feature
    if steps is not None:
        files["step_defs/release_steps.py"] = steps
    return files
