"""Every check's own examples: each INVALID one reports its code (at its place), each
VALID one does not (Fixit's habit: the rules carry the proof)."""

from __future__ import annotations

import pytest

from pytest_symphony.conformity.checks import PythonCheck, SpecCheck, WorkspaceCheck, builtin_checks
from pytest_symphony.conformity.codes import CATALOG
from pytest_symphony.conformity.testing import run_example

CHECKS = builtin_checks()


def _cases(kind: str):
    for check in CHECKS:
        for i, example in enumerate(getattr(check, kind)):
            yield pytest.param(check, example, id=f"{check.code}-{i}")


def test_one_check_per_code_with_examples_both_ways():
    codes = [c.code for c in CHECKS]
    assert sorted(codes) == sorted(CATALOG), "every code has exactly one check"
    assert len(set(codes)) == len(codes)
    for check in CHECKS:
        assert check.VALID and check.INVALID, f"{check.code} needs VALID and INVALID examples"
        assert issubclass(check, (SpecCheck, WorkspaceCheck, PythonCheck))
        assert all(example.at is not None for example in check.INVALID), f"{check.code}: say where"


@pytest.mark.parametrize(("check", "example"), list(_cases("INVALID")))
def test_invalid_example_fires(check, example, tmp_path):
    result = run_example(example, tmp_path, use_cache=False)
    assert result.errors == []
    found = [v for v in result.violations if v.code == check.code]
    places = [(v.place.path, v.place.line) for v in found]
    assert example.at in places, f"{check.code} expected at {example.at}, found {places}"
    for v in found:  # every violation carries the fix its code promises (or none where it cannot apply)
        entry = CATALOG[check.code]
        if v.fix is not None:
            assert v.fix.safety is entry.fix, f"{check.code}: fix safety {v.fix.safety} vs catalog {entry.fix}"
        if entry.fix.value == "none":
            assert v.fix is None


@pytest.mark.parametrize(("check", "example"), list(_cases("VALID")))
def test_valid_example_stays_quiet(check, example, tmp_path):
    result = run_example(example, tmp_path, use_cache=False)
    assert result.errors == []
    found = [f"{v.place}: {v.message}" for v in result.violations if v.code == check.code]
    assert found == []
