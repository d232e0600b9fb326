"""The pure parts of the BDD area: tags as markers, criteria as steps, beat references."""

from __future__ import annotations

import pytest

from pytest_symphony.bdd.links import find_beat
from pytest_symphony.bdd.scaffold import criterion_steps
from pytest_symphony.bdd.tags import marker_name_of, split_tag
from pytest_symphony.errors import SymphonyError
from pytest_symphony.score.loader import load_spec
from pytest_symphony.score.model import Criterion


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("slow", ("slow", None)),
        ("beat:release/pack", ("beat", "release/pack")),
        ("beat:a:b", ("beat", "a:b")),
        ("jira(ABC-1)", ("jira", "ABC-1")),
    ],
)
def test_split_tag(tag, expected):
    assert split_tag(tag) == expected


def test_marker_names_pytest_accepts():
    assert marker_name_of("_private") == "private"
    assert marker_name_of(":x") is None


@pytest.mark.parametrize(
    ("criterion", "steps"),
    [
        (Criterion(text="  It   builds "), [("Then", "then", "It builds")]),
        (Criterion(text=""), []),
        (
            Criterion(given=("a", "b"), when=("c",), then=("d",), and_=("e",)),
            [
                ("Given", "given", "a"),
                ("And", "given", "b"),
                ("When", "when", "c"),
                ("Then", "then", "d"),
                ("And", "then", "e"),
            ],
        ),
        (Criterion(given=("x",), and_=("y",)), [("Given", "given", "x"), ("And", "given", "y")]),
        (Criterion(and_=("only and",)), [("Then", "then", "only and")]),
        (
            Criterion(
                given=(
                    "",
                    "  ",
                ),
                then=(3,),
            ),
            [("Then", "then", "3")],
        ),
    ],
)
def test_criterion_steps(criterion, steps):
    assert criterion_steps(criterion) == steps


@pytest.fixture
def sequence(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "id: s\nmovements:\n"
        "  - name: Build\n    beats:\n      - {name: Check, handler: h, id: chk}\n      - {name: Pack, handler: h}\n"
        "  - name: Ship\n    beats:\n      - {name: Check, handler: h}\n"
    )
    return load_spec(path).sequence


@pytest.mark.parametrize(
    ("ref", "where"),
    [
        ("pack", (0, 1)),
        ("1.2", (0, 1)),
        ("Pack", (0, 1)),
        ("chk", (0, 0)),
        ("build/check", (0, 0)),
        ("ship/check", (1, 0)),
        ("2.1", (1, 0)),
    ],
)
def test_find_beat(sequence, ref, where):
    movement, beat = find_beat(sequence, ref)
    assert (movement.index, beat.index) == where


def test_find_beat_names_the_choices(sequence):
    with pytest.raises(SymphonyError, match="write one of: s/build/check, s/ship/check"):
        find_beat(sequence, "check")
    with pytest.raises(SymphonyError, match=r"its beats: check, pack, check"):
        find_beat(sequence, "nope")
