"""How loud the build is: pp validates only, p stops after packages, f fails on MAJOR violations."""

from __future__ import annotations

import json

import pytest

from .conftest import make_single

#: A project's stand-in for the conformity engine: one MAJOR violation, scores that pass 0.75.
MAJOR_FINDING = """
    from types import SimpleNamespace

    from pytest_symphony import handler
    from pytest_symphony.conformity.codes import Dimension
    from pytest_symphony.conformity.violation import Place, Violation


    @handler("scoreConformity")
    def one_major_violation():
        found = Violation(code="EMPTY_MOVEMENT", message="movement 2 has no beats",
                          place=Place("sequences/release.yaml", 7))
        scores = {d: 0.9 for d in Dimension}
        return {"conformity": SimpleNamespace(violations=[found], scores=scores)}
"""


def _ran(result) -> list[str]:
    """Node names of the beats that passed or failed (not deselected, not skipped)."""
    return [
        line.split("::")[-1].split()[0]
        for line in result.stdout.lines
        if line.startswith("symphony:build::") and any(w in line for w in (" PASSED", " FAILED", " RESOLVED"))
    ]


def test_pp_proves_validation_beats_resolve_and_runs_nothing(pytester: pytest.Pytester, build_run):
    make_single(pytester.path)
    result = build_run("--symphony-dynamic=pp")
    result.assert_outcomes(passed=5, deselected=24)
    assert result.stdout.str().count(" RESOLVED") == 5  # resolved, not run
    assert _ran(result) == [
        "load-build-context",
        "validate-orchestration-domains",
        "validate-governance-rules",
        "validate-handlers",
        "record-validation-results",
    ]
    assert not (pytester.path / "dist").exists()
    assert not (pytester.path / ".symphony" / "manifests").exists()


def test_p_builds_packages_and_stops_there(pytester: pytest.Pytester, build_run):
    make_single(pytester.path)
    result = build_run("--symphony-dynamic=p")
    assert result.ret == 0
    assert _ran(result)[-3:] == ["initialize-package-build", "solo", "record-package-builds"]
    assert result.parseoutcomes()["deselected"] == 16  # movements 4-6
    assert sorted(p.suffix for p in (pytester.path / "dist").iterdir()) == [".gz", ".whl"]
    assert not (pytester.path / "dist" / "artifact-manifest.json").exists()
    assert not (pytester.path / "docs").exists()


def test_mf_tolerates_a_major_violation(pytester: pytest.Pytester, build_run):
    make_single(pytester.path)
    pytester.makeconftest(MAJOR_FINDING)
    result = build_run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*check-score-thresholds PASSED*", "*write-build-report PASSED*"])
    (run_dir,) = (pytester.path / ".symphony" / "runs").iterdir()
    thresholds = json.loads((run_dir / "build-report.json").read_text())["thresholds"]
    assert thresholds == {"dynamic": "mf", "min_score": 0.65, "fail_on": "CRITICAL", "failures": []}


def test_f_fails_movement_6_on_a_major_violation(pytester: pytest.Pytester, build_run):
    make_single(pytester.path)
    pytester.makeconftest(MAJOR_FINDING)
    result = build_run("--symphony-dynamic=f")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*check-score-thresholds FAILED*",
            "*write-build-report SKIPPED*",
            "the conformity thresholds are not met:",
            "1 violation(s) at MAJOR or worse fail the build at dynamic f:",
            "  sequences/release.yaml:7:1 EMPTY_MOVEMENT MAJOR movement 2 has no beats",
        ]
    )
    assert not (pytester.path / "dist").exists() or not any((pytester.path / "dist").iterdir())  # rolled back


def test_thresholds_come_from_pyproject(pytester: pytest.Pytester, build_run):
    make_single(pytester.path, extra="[tool.symphony.build.thresholds]\nmf = 0.95\n")
    pytester.makeconftest(MAJOR_FINDING)
    result = build_run()
    result.stdout.fnmatch_lines(
        [
            "*check-score-thresholds FAILED*",
            "Orchestration scores 0.9000, below the 0.95 required at dynamic mf (pyproject.toml: thresholds.mf)",
        ]
    )
