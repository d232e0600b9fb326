"""--symphony-fix on workspaces in the RenderX corpus's shapes: what stands is kept, scenarios
go where the sequence's feature already is, and a suite that passed still passes."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from ..renderx_shapes import corpus_available, generate

pytestmark = pytest.mark.skipif(not corpus_available(), reason="the RenderX corpus is not available")


def _row(out: str, code: str) -> list[str]:
    return next(line for line in out.splitlines() if line.startswith(code + " ")).split()[1:]


def test_a_new_feature_without_a_narrative_no_longer_rolls_back_the_phase(pytester):
    """Sentence user stories ("As a ..., I need ...") have no benefit to write a narrative
    from: the scaffolded feature goes without one and says why, and the phase keeps its
    HARDCODED_PATH fixes and every scenario and step stub."""
    generate(pytester.path, 6, story_text=True)
    result = pytester.runpytest("-p", "no:randomly", "--symphony-fix", "--symphony-manifests=manifests")
    out = result.stdout.str()
    assert "ROLLED BACK" not in out
    assert re.search(r"phase 3 handler & BDD: kept the fixes of \d+ violation\(s\) in \d+ file\(s\)", out), out
    assert _row(out, "HARDCODED_PATH") == ["6", "0", "0"]
    assert _row(out, "BDD_SPEC_MISSING") == ["6", "0", "0"]
    feature = (pytester.path / "features" / "canvas-component-create-symphony-2.feature").read_text()
    assert feature.startswith("# Scenarios scaffolded by pytest --symphony-fix")
    assert "# No narrative: the user story has no benefit;" in feature
    assert feature.count("@beat:canvas-component-create-symphony-2/") == 18
    spec = (pytester.path / "sequences" / "group-000" / "canvas-component-create-2.json").read_text()
    assert '"testFile": "__tests__/create.from-data.spec.ts"' in spec
    check = pytester.runpytest("-p", "no:randomly", "--symphony=conformity")
    check.stdout.fnmatch_lines(
        [
            "*FEATURE_NARRATIVE_MISSING MINOR feature 'Canvas Component Create'*"
            "(no fix: the user story has no benefit) [[]fix: none[]]*"
        ]
    )


def test_scenarios_go_to_the_feature_the_sequence_has_in_another_features_folder(pytester):
    generate(pytester.path, 6, feature_dirs=("features", "packages/features"), own_features=True)
    own = pytester.path / "packages" / "features" / "canvas-component-create-symphony-2.feature"
    before = own.read_text()
    result = pytester.runpytest("-p", "no:randomly", "--symphony-fix")
    assert "ROLLED BACK" not in result.stdout.str()
    assert not (pytester.path / "features").exists(), "no duplicate feature in the first folder"
    after = own.read_text()
    assert before.split("\n", 1)[1] in after  # the team's scenario, as written (a narrative went above it)
    assert after.count("@beat:canvas-component-create-symphony-2/") == 1 + 15  # the criteria of beats 2-5
    check = pytester.runpytest("-p", "no:randomly", "--symphony=conformity", "--symphony-format=text")
    assert "BDD_SPEC_MISSING" not in check.stdout.str()


def test_the_fix_names_where_the_scenarios_will_go_before_it_runs(pytester):
    generate(pytester.path, 3, feature_dirs=("features", "packages/features"), own_features=True)
    result = pytester.runpytest("-p", "no:randomly", "--symphony=conformity", "--symphony-format=text")
    result.stdout.fnmatch_lines(["*BDD_SPEC_MISSING MAJOR beat 1.2*[[]fix: safe[]]*"])
    from pytest_symphony.conformity.engine import check_workspace

    found = [v for v in check_workspace(pytester.path, use_cache=False).violations if v.code == "BDD_SPEC_MISSING"]
    assert {v.fix.description.split(" into ")[1].split(" from ")[0] for v in found} == {
        "packages/features/canvas-component-create-symphony-2.feature"
    }


def test_a_declared_count_is_never_fixed_when_the_beats_were_not_read(pytester):
    """SAFe's movements say `beats: 4` and keep their beats under a key the loader does not
    read: the top-level `"beats": 17` is not "fixed" to 0, nor to anything else."""
    made = generate(pytester.path, 4, hidden_beats=True)
    safe = next(p for p in made.specs if "safe-continuous-delivery" in p.name)
    before = safe.read_bytes()
    assert b'"beatDetails"' in before and b'"beats": 17' in before
    result = pytester.runpytest("-p", "no:randomly", "--symphony-fix")
    assert "ROLLED BACK" not in result.stdout.str()
    assert safe.read_bytes() == before
    from pytest_symphony.conformity.engine import check_workspace

    counts = [
        v
        for v in check_workspace(pytester.path, use_cache=False).violations
        if v.code == "BEAT_COUNT_MISMATCH" and v.place.path.endswith(safe.name)
    ]
    assert counts == []  # no beat was read: the loader and EMPTY_MOVEMENT say so, not a count


def test_every_violation_labelled_safe_in_detection_is_fixed(pytester):
    """What detection shows as `[fix: safe]`, --symphony-fix fixes; where it will not, the
    detection run already said why (and labelled it `none`)."""
    generate(
        pytester.path,
        12,
        story_text=True,
        hidden_beats=True,
        feature_dirs=("features", "packages/features"),
        own_features=True,
    )
    manifest = pytester.path / "manifests" / "sequences.json"  # a stale manifest the project commits
    manifest.parent.mkdir(parents=True)
    manifest.write_text('{"sequences": [{"id": "gone", "path": "sequences/gone.json", "content_hash": "0"}]}\n')
    pytester.runpytest(
        "-p",
        "no:randomly",
        "--symphony=conformity",
        "--symphony-format=json",
        "--symphony-output=detected.json",
        "--symphony-manifests=manifests",
    )
    detected = json.loads((pytester.path / "detected.json").read_text())["violations"]
    safe = Counter(v["code"] for v in detected if v["fix_safety"] == "safe")
    assert {"BDD_SPEC_MISSING", "HARDCODED_PATH", "MANIFEST_MISMATCH", "BEAT_COUNT_MISMATCH"} <= set(safe)
    for v in detected:
        if v["fix_safety"] == "none" and v["code"] in ("BDD_SPEC_MISSING", "FEATURE_NARRATIVE_MISSING"):
            assert "(no fix: " in v["message"], v
    result = pytester.runpytest("-p", "no:randomly", "--symphony-fix", "--symphony-manifests=manifests")
    out = result.stdout.str()
    assert "ROLLED BACK" not in out and "not fixable: " not in out, out[out.find("symphony fix") :]
    for code, n in safe.items():
        fixed, _, rolled = map(int, _row(out, code))
        assert fixed >= n and rolled == 0, (code, n, fixed, rolled)  # (fixes can reveal more of a code)


SPEC = """\
id: release
name: Release
description: Ships it
kind: build
status: active
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


def test_a_passing_suite_stays_green_after_the_fix_with_skips_that_say_what_to_write(project):
    project.spec("release.yaml", SPEC)
    project.handlers("@handler\ndef build():\n    return {'ok': True}\n")
    before = project.run("-p", "no:randomly")
    before.assert_outcomes(passed=1)
    project.run("-p", "no:randomly", "--symphony-fix")
    after = project.run("-p", "no:randomly", "-rs")
    after.assert_outcomes(passed=1, skipped=1)  # the beat, and its scaffolded scenario
    after.stdout.fnmatch_lines(["SKIPPED * step not written yet: Given sources"])
    steps = next(Path(project.pytester.path, "step_defs").glob("*_steps.py")).read_text()
    assert "skip('step not written yet: When the build runs')" in steps
