"""pytest --symphony-fix on a copy of the RenderX corpus: it fixes what is safe, loses
nothing (every beat, handler, event, acceptance criterion and unknown field is still
there), the fixed codes are gone, and a second run changes nothing.

What it fixes there (see tests/conformity/test_conformity_renderx.py for what is there):
BEAT_COUNT_MISMATCH (2 declared counts), INVALID_EVENT_REFERENCE (60 events appended to
two `events` lists), HARDCODED_PATH (6 backslashed `testFile`s), BDD_SPEC_MISSING (the 5
canvas beats get linked scenarios in a new features/canvas-component-create-symphony.feature,
whose steps then get stubs: STEP_DEFINITION_MISSING appears and is fixed in the same
phase).  The legacy stub's beat is declined: its sequence id is declared twice.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from pytest_symphony.conformity.engine import check_workspace
from pytest_symphony.remediation.guards import lost_parts
from pytest_symphony.score.loader import load_spec

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "renderx"
FIXED = {"BEAT_COUNT_MISMATCH": 2, "INVALID_EVENT_REFERENCE": 60, "HARDCODED_PATH": 6, "BDD_SPEC_MISSING": 5}


def _model(path: Path) -> dict:
    """What must survive: every beat with its handlers, event and criteria; the events; raw data."""
    seq = load_spec(path).sequence
    assert seq is not None
    return {
        "id": seq.id,
        "events": list(seq.events or ()),
        "beats": [
            (
                m.index,
                b.index,
                b.title,
                [r.display for r in b.handlers],
                b.event,
                [(c.text, c.given, c.when, c.then, c.and_) for c in b.acceptance_criteria],
            )
            for m in seq.movements
            for b in m.beats
        ],
        "raw": json.loads(json.dumps(seq.raw)),
    }


def test_fix_fixes_what_is_safe_loses_nothing_and_a_second_run_changes_nothing(pytester):
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    root = pytester.path
    for name in ("sequences", "features"):
        shutil.copytree(CORPUS / name, root / name)
    shutil.copy(CORPUS / "DOMAIN_REGISTRY.json", root / "DOMAIN_REGISTRY.json")
    before = {p.name: _model(p) for p in sorted((root / "sequences").iterdir())}
    first = check_workspace(root, use_cache=False)

    result = pytester.runpytest("-p", "no:randomly", "--symphony-fix")
    out = result.stdout.str()
    assert result.ret == 1, out  # HANDLER_NOT_FOUND and friends remain: no safe fix for them
    for code, n in FIXED.items():
        row = next(line for line in out.splitlines() if line.startswith(code + " "))
        assert row.split()[1:] == [str(n), "1" if code == "BDD_SPEC_MISSING" else "0", "0"], row

    after = check_workspace(root, use_cache=False)
    gone = Counter(v.code for v in first.violations) - Counter(v.code for v in after.violations)
    assert gone == Counter(FIXED)
    assert not Counter(v.code for v in after.violations) - Counter(v.code for v in first.violations), "nothing new"
    assert [(v.place.path, v.code) for v in after.violations if v.code in FIXED] == [
        ("sequences/build-pipeline-symphony.legacy-stub.json", "BDD_SPEC_MISSING")
    ]
    (left,) = [v for v in after.violations if v.code == "BDD_SPEC_MISSING"]  # detection already says why
    assert (left.place.line, left.place.col) == (31, 11)
    assert "(no fix: sequence id 'build-pipeline-symphony' is declared by more than one spec" in left.message

    for name, old in before.items():  # every beat, handler, event, criterion and unknown field is still there
        new = _model(root / "sequences" / name)
        assert lost_parts(old["raw"], new["raw"]) == [], name
        assert new["beats"] == old["beats"] and new["id"] == old["id"], name
        assert new["events"][: len(old["events"])] == old["events"], name
    report = _model(root / "sequences" / "symphony-report-pipeline.json")
    assert report["raw"]["beats"] == 30
    assert len(report["events"]) == len(before["symphony-report-pipeline.json"]["events"]) + 30
    canvas = _model(root / "sequences" / "canvas-component-create.json")
    assert canvas["raw"]["movements"][0]["beats"][0]["testFile"] == "__tests__/create.from-data.spec.ts"
    feature = (root / "features" / "canvas-component-create-symphony.feature").read_text()
    criteria = sum(len(b[5]) for b in before["canvas-component-create.json"]["beats"])
    assert feature.count("@beat:canvas-component-create-symphony/") == criteria == 18  # one scenario per criterion
    assert (root / "features" / "build-pipeline-symphony.feature").read_bytes() == (
        CORPUS / "features" / "build-pipeline-symphony.feature"
    ).read_bytes()

    files = {
        p: p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not {".symphony", ".pytest_cache", "__pycache__"} & set(p.parts)
    }
    again = pytester.runpytest("-p", "no:randomly", "--symphony-fix")
    again.stdout.fnmatch_lines(["phase 1 * nothing to fix", "phase 2 * nothing to fix", "phase 3 * nothing to fix"])
    assert {p: p.read_bytes() for p in files} == files
