from __future__ import annotations

import math

import pytest

from pytest_symphony.conformity.codes import Dimension, Severity
from pytest_symphony.conformity.scores import band, score_all, score_details, score_dimension
from pytest_symphony.conformity.violation import Checked, Place, Violation

C, M, m, I = Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.INFO


def v(code: str, path: str = "a.json") -> Violation:
    return Violation(code, "x", Place(path))


@pytest.mark.parametrize(
    "severities, checked, expected",
    [
        ([], 0, 1.0),
        ([], 50, 1.0),
        ([I, I, I], 1, 1.0),  # INFO never lowers a score
        ([M], 10, 0.95),
        ([m], 10, 0.98),
        ([M, M], 10, 0.9),
        ([m] * 5, 10, 0.9),
        ([M] * 3, 10, 0.85),
        ([M], 4, 0.875),
        ([M] * 30, 10, 0.0),  # clamped at 0
        ([m], 0, 0.8),  # max(1, checked)
        ([C], 0, 0.0),
        ([C], 1, 0.0),
        ([C], 100, 0.6336),  # 0.99 * 0.64
        ([C, C], 100, 0.6272),
        ([C, M], 100, 0.6304),
        ([M], 3, 0.8333),  # rounded to 4 places
    ],
)
def test_score_formula(severities, checked, expected):
    assert score_dimension(severities, checked) == expected


def test_scores_are_monotone():
    base = [M, m]
    s0 = score_dimension(base, 20)
    for extra in (C, M, m):
        assert score_dimension(base + [extra], 20) < s0
    assert score_dimension([C], 20) < score_dimension([M], 20) < score_dimension([m], 20)
    # any CRITICAL lands in the Critical band however large the project
    assert band(score_dimension([C], 10_000)) == "Critical"


@pytest.mark.parametrize(
    "score, name",
    [
        (1.0, "Excellent"),
        (0.95, "Excellent"),
        (0.94999999999, "Excellent"),  # float noise at the 4th place rounds up
        (0.9499, "Good"),
        (0.949, "Good"),
        (0.85, "Good"),
        (0.8499, "Acceptable"),
        (0.75, "Acceptable"),
        (0.7499, "Needs attention"),
        (0.65, "Needs attention"),
        (0.6499, "Critical"),
        (0.64, "Critical"),
        (0.0, "Critical"),
        (1, "Excellent"),
        (1 - 0.05, "Excellent"),
        (1 - 1 / 20, "Excellent"),
    ],
)
def test_band_boundaries(score, name):
    assert band(score) == name


@pytest.mark.parametrize("bad", [-0.01, 1.01, math.nan])
def test_band_rejects_out_of_range(bad):
    with pytest.raises(ValueError):
        band(bad)


def test_band_rejects_non_numbers():
    with pytest.raises(TypeError):
        band("0.9")  # type: ignore[arg-type]


def test_score_all_per_dimension():
    violations = [
        v("HANDLER_NOT_FOUND"),  # Orchestration CRITICAL
        v("EMPTY_MOVEMENT"),  # Orchestration MAJOR
        v("EXCEPTION_SWALLOWED", "h.py"),  # Handler MAJOR
        v("ORPHAN_HANDLER", "h.py"),  # Handler INFO
        v("ACCEPTANCE_CRITERIA_MISSING"),  # Traceability MINOR
    ]
    checked = Checked.of({"Orchestration": 20, "Handler": 5, "Traceability": 4})
    scores = score_all(violations, checked)
    assert list(scores) == list(Dimension)
    assert scores == {
        Dimension.ORCHESTRATION: 0.592,  # (1 - 1.5/20) * 0.64
        Dimension.HANDLER: 0.9,
        Dimension.GOVERNANCE: 1.0,
        Dimension.TRACEABILITY: 0.95,
        Dimension.DEPENDENCY: 1.0,
    }
    details = score_details(violations, {"Handler": 5})
    h = details[Dimension.HANDLER]
    assert (h.score, h.band, h.checked) == (0.9, "Good", 5)
    assert h.counts == {C: 0, M: 1, m: 0, I: 1}
    assert h.to_dict() == {
        "score": 0.9,
        "band": "Good",
        "checked": 5,
        "violations": {"CRITICAL": 0, "MAJOR": 1, "MINOR": 0, "INFO": 1},
    }


def test_negative_checked_rejected():
    with pytest.raises(ValueError):
        score_dimension([], -1)
