"""Every fixable code: its fix, exactly, the clean re-check, and a second run that changes
no byte.  MANIFEST_MISMATCH needs a pytest session (test_fix_plugin.py)."""

from __future__ import annotations

import pytest

from pytest_symphony.conformity.checks import builtin_checks
from pytest_symphony.conformity.codes import CATALOG
from pytest_symphony.conformity.testing import materialize

FEATURE = """\
Feature: Release

  @beat:release/build
  Scenario: Build a wheel
    Given sources
    When the build runs
    Then a wheel exists
"""
STEPS = """\
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
AC = """\
        acceptanceCriteria:
          - given: sources
            when: the build runs
            then: a wheel exists
"""


def _seq(beats: str, head: str = "") -> str:
    return f"id: release\nname: Release\n{head}movements:\n  - name: Build\n    beats:\n{beats}"


B1 = "      - name: Build\n        handler: build\n"

#: code -> (files, unsafe, {path: text after the fix})
CASES = {
    "SEQUENCE_ID_MISSING": (
        {"sequences/release.yaml": "# mine\nname: Release\nmovements:\n  - name: B\n    beats:\n" + B1},
        False,
        {"sequences/release.yaml": "# mine\nid: release\nname: Release\nmovements:\n  - name: B\n    beats:\n" + B1},
    ),
    "METADATA_MISSING": (
        {
            "sequences/release.json": '{\n  "id": "release",\n  "x-team": {"a": 1},\n  "movements": [\n'
            '    {"name": "B", "beats": [{"handler": "build"}]}\n  ]\n}\n'
        },
        False,
        {
            "sequences/release.json": '{\n  "id": "release",\n  "name": "release",\n  "x-team": {"a": 1},\n'
            '  "movements": [\n    {"name": "B", "beats": [{"handler": "build"}]}\n  ]\n}\n'
        },
    ),
    "BEAT_COUNT_MISMATCH": (
        {"sequences/release.yaml": _seq(B1, head="beats: 3  # declared\n")},
        False,
        {"sequences/release.yaml": _seq(B1, head="beats: 1  # declared\n")},
    ),
    "MOVEMENT_COUNT_MISMATCH": (
        {"sequences/release.yaml": _seq(B1, head="movementCount: 2\n")},
        False,
        {"sequences/release.yaml": _seq(B1, head="movementCount: 1\n")},
    ),
    "BEAT_NUMBERING_GAP": (
        {
            "sequences/release.yaml": _seq(
                "      - beat: 1\n        handler: build\n      - beat: 3\n        handler: build\n"
                "      - beat: 4\n        handler: build\n"
            )
        },
        False,
        {
            "sequences/release.yaml": _seq(
                "      - beat: 1\n        handler: build\n      - beat: 2\n        handler: build\n"
                "      - beat: 3\n        handler: build\n"
            )
        },
    ),
    "DUPLICATE_BEAT_ID": (
        {
            "sequences/release.yaml": _seq(
                "      - id: go\n        handler: build\n      - id: go\n        handler: build\n"
            )
        },
        True,
        {
            "sequences/release.yaml": _seq(
                "      - id: go\n        handler: build\n      - id: go-2\n        handler: build\n"
            )
        },
    ),
    "INVALID_EVENT_REFERENCE": (
        {
            "sequences/release.yaml": _seq(
                B1 + "        event: built\n" + B1 + "        event: shipped\n",
                head="events:\n  - built  # the first\n",
            )
        },
        False,
        {
            "sequences/release.yaml": _seq(
                B1 + "        event: built\n" + B1 + "        event: shipped\n",
                head="events:\n  - built  # the first\n  - shipped\n",
            )
        },
    ),
    "INVALID_DYNAMICS": (
        {"sequences/release.yaml": _seq(B1 + "        dynamics: ' F '\n")},
        True,
        {"sequences/release.yaml": _seq(B1 + "        dynamics: 'f'\n")},
    ),
    "MUSICAL_METADATA_INVALID": (
        {"sequences/release.yaml": _seq(B1, head="tempo: 900\nkey: 'H Major'\n")},
        False,
        {"sequences/release.yaml": _seq(B1, head="tempo: 120\nkey: 'C Major'\n")},
    ),
    "HARDCODED_PATH": (
        {
            "sequences/release.yaml": _seq(
                B1 + "        testFile: tests\\test_build.py\n        patterns: [src\\a.py, docs/b.md]\n"
            ),
            "tests/test_build.py": "def test_build():\n    pass\n",
        },
        False,
        {
            "sequences/release.yaml": _seq(
                B1 + "        testFile: tests/test_build.py\n        patterns: [src/a.py, docs/b.md]\n"
            )
        },
    ),
    "ORPHANED_DOMAIN_REFERENCE": (
        {
            "sequences/release.yaml": _seq(B1),
            "DOMAIN_REGISTRY.json": '{\n  "domains": [\n    {"id": "shop", "sequences": [\n      "release",\n'
            '      "refund"\n    ]}\n  ]\n}\n',
        },
        True,
        {
            "DOMAIN_REGISTRY.json": '{\n  "domains": [\n    {"id": "shop", "sequences": [\n      "release"\n    ]}\n  ]\n}\n'
        },
    ),
    "HANDLER_NOT_FOUND": (
        {
            "sequences/release.yaml": _seq(
                "      - name: Build\n        handler: biuld\n      - name: Pack\n        handler: pack_wheel\n"
            )
        },
        True,
        {
            "sequences/release.yaml": _seq(
                "      - name: Build\n        handler: build\n      - name: Pack\n        handler: pack_wheel\n"
            ),
            "handlers.py": "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    return {'ok': True}\n\n\n"
            '@handler\ndef pack_wheel(symphony):\n    """Runs beat 2 of \'release\'."""\n'
            "    raise NotImplementedError(\"handler 'pack_wheel' is a stub scaffolded by pytest "
            '--symphony-unsafe-fixes; write it")\n',
        },
    ),
    "TELEMETRY_NOT_INSTRUMENTED": (
        {
            "handlers.py": '"""Mine."""\n\n\ndef build():  # keep this comment\n    return {"ok": True}\n',
            "sequences/release.yaml": _seq(B1),
        },
        False,
        {
            "handlers.py": '"""Mine."""\n\nfrom pytest_symphony import handler\n\n\n@handler\n'
            'def build():  # keep this comment\n    return {"ok": True}\n'
        },
    ),
    "EXCEPTION_SWALLOWED": (
        {
            "handlers.py": "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    try:\n        return 1\n"
            "    except ValueError:\n        pass  # ignored\n    except:\n        return 0\n",
            "sequences/release.yaml": _seq(B1),
        },
        True,
        {
            "handlers.py": "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    try:\n        return 1\n"
            "    except ValueError:\n        raise  # ignored\n    except Exception:\n        return 0\n"
        },
    ),
    "UNCHECKED_SUBPROCESS": (
        {
            "handlers.py": "import subprocess\n\nfrom pytest_symphony import handler\n\n\n@handler\ndef build():\n"
            "    subprocess.run(['true'])\n",
            "sequences/release.yaml": _seq(B1),
        },
        True,
        {
            "handlers.py": "import subprocess\n\nfrom pytest_symphony import handler\n\n\n@handler\ndef build():\n"
            "    subprocess.run(['true'], check=True)\n"
        },
    ),
    "BDD_SPEC_MISSING": (
        {
            "sequences/release.yaml": _seq(B1 + AC),
            "features/release.feature": FEATURE.replace("@beat:release/build", "@smoke"),
            "step_defs/release_steps.py": STEPS,
        },
        False,
        {
            "features/release.feature": FEATURE.replace("@beat:release/build", "@smoke")
            + "\n  @beat:release/build\n  Scenario: Build: sources\n    Given sources\n    When the build runs\n"
            "    Then a wheel exists\n"
        },
    ),
    "STEP_DEFINITION_MISSING": (
        {
            "sequences/release.yaml": _seq(B1 + AC),
            "features/release.feature": FEATURE,
            "step_defs/release_steps.py": STEPS.replace("'a wheel exists'", "'a wheel is built'"),
        },
        False,
        {
            "step_defs/release_steps.py": STEPS.replace("'a wheel exists'", "'a wheel is built'").replace(
                "from pytest_bdd import given, when, then\n",
                "from pytest_bdd import given, when, then\nfrom pytest import skip\n",
            )
            + "\n\n@then('a wheel exists')\ndef _():\n    skip('step not written yet: Then a wheel exists')\n"
        },
    ),
    "FEATURE_NARRATIVE_MISSING": (
        {
            "sequences/release.yaml": "userStory:\n  persona: release manager\n  goal: ship safely\n  benefit: users get fixes\n"
            + _seq(B1 + AC),
            "features/release.feature": FEATURE,
            "step_defs/release_steps.py": STEPS,
        },
        False,
        {
            "features/release.feature": FEATURE.replace(
                "Feature: Release\n",
                "Feature: Release\n  As a release manager\n  I want to ship safely\n  So that users get fixes\n",
            )
        },
    ),
}

FIXABLE = sorted(c.name for c in CATALOG.values() if c.fix.value != "none")


def test_every_fixable_code_has_a_case():
    assert sorted(set(CASES) | {"MANIFEST_MISMATCH"}) == FIXABLE


@pytest.mark.parametrize("code", sorted(CASES))
def test_the_fix_the_clean_recheck_and_the_same_bytes_twice(code, ws):
    files, unsafe, expected = CASES[code]
    for rel, text in files.items():
        ws.write(rel, text, dedent=False)
    before = ws.files()
    run = ws.fix(unsafe=unsafe)
    assert all(o.kept for o in run.outcomes), [o.reason for o in run.outcomes]
    assert code in [v.code for v in run.first.violations]
    left = [v.message for v in run.result.violations if v.code == code and v.fix is not None]
    assert left == [], "the re-check is clean of what the fix fixes"
    fixed = ws.files()
    for rel, text in expected.items():
        assert fixed[rel].decode() == text
    changed = {rel for rel in fixed if before.get(rel) != fixed[rel]}
    assert changed == set(expected), "nothing else is touched"
    again = ws.fix(unsafe=unsafe)
    assert ws.files() == fixed, "fixing twice gives the same bytes"
    assert not any(o.applied for o in again.outcomes)


@pytest.mark.parametrize("code", sorted(c for c in CASES if CATALOG[c].fix.value == "unsafe"))
def test_unsafe_fixes_wait_for_their_flag(code, ws):
    files, _, _ = CASES[code]
    for rel, text in files.items():
        ws.write(rel, text, dedent=False)
    before = ws.files()
    run = ws.fix()
    assert ws.files() == before
    assert code in [v.code for o in run.outcomes for v in o.unsafe]


def _examples():
    for check in builtin_checks():
        if CATALOG[check.code].fix.value == "none" or check.code == "MANIFEST_MISMATCH":
            continue
        for i, example in enumerate(check.INVALID):
            yield pytest.param(check.code, example, id=f"{check.code}-{i}")


@pytest.mark.parametrize(("code", "example"), list(_examples()))
def test_each_checks_own_examples_fix_or_say_why(code, example, ws, tmp_path):
    """The checks' INVALID examples: every violation with a fix is fixed (or declined with a
    reason), the phase is kept, and a second run changes no byte."""
    materialize(example, tmp_path)
    unsafe = CATALOG[code].fix.value == "unsafe"
    run = ws.fix(unsafe=unsafe)
    assert all(o.kept for o in run.outcomes), [o.reason for o in run.outcomes]
    declined = {str(d.violation.place) for o in run.outcomes for d in o.declined if d.violation.code == code}
    left = [v for v in run.result.violations if v.code == code and v.fix is not None]
    assert all(str(v.place) in declined for v in left), [(str(v.place), v.message) for v in left]
    fixed = ws.files()
    ws.fix(unsafe=unsafe)
    assert ws.files() == fixed
