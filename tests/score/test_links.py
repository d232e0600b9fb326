"""The kernel's scenario-to-beat links: the one rule the BDD area and the conformity checker apply."""

from __future__ import annotations

import pytest

from pytest_symphony.errors import LinkError
from pytest_symphony.score.links import (
    BeatLink,
    find_beat,
    link_refs,
    names_beat,
    normalize_name,
    resolve_link,
    split_tag,
)
from pytest_symphony.score.loader import load_spec

SPEC = """\
id: release
movements:
  - name: Build
    movement: 2
    beats:
      - {name: Compile Sources, handler: h, beat: 3}
      - {name: Pack, handler: h, id: pack-it, scenario: "The  wheel is NAMED"}
  - name: Ship
    movement: 5
    beats:
      - {name: Pack, handler: h}
"""


@pytest.fixture
def release(tmp_path):
    path = tmp_path / "release.yaml"
    path.write_text(SPEC)
    sequence = load_spec(path).sequence
    assert sequence is not None
    return sequence


@pytest.mark.parametrize(
    ("tag", "parts"),
    [
        ("beat:release/pack", ("beat", "release/pack")),
        ("beat(release/pack)", ("beat", "release/pack")),
        ("slow", ("slow", None)),
    ],
)
def test_split_tag(tag, parts):
    assert split_tag(tag) == parts


def test_the_nearest_level_with_a_link_tag_wins():
    refs, problem = link_refs(["smoke"], ["beat:release/pack"], ["beat:release/compile-sources"])
    assert problem is None and [(r.sequence, r.beat) for r in refs] == [("release", "pack")]


def test_a_level_naming_two_beats_is_a_problem():
    refs, problem = link_refs(["beat:release/pack", "beat(release/2.3)"])
    assert problem == (
        "links to 2 beats (@beat:release/pack, @beat(release/2.3)); a scenario runs after one beat, keep one tag"
    )


@pytest.mark.parametrize(
    ("ref", "where"),
    [
        ("compile-sources", (0, 0)),
        ("Compile-Sources", (0, 0)),
        ("COMPILE_SOURCES", (0, 0)),
        ("2.3", (0, 0)),  # the declared numbers: movement 2, beat 3
        ("2.2", (0, 1)),
        ("pack-it", (0, 1)),
        ("PACK-IT", (0, 1)),  # an undeclared number is the position
        ("build/pack", (0, 1)),
        ("2/pack", (0, 1)),
        ("ship/pack", (1, 0)),
        ("5.1", (1, 0)),
    ],
)
def test_a_beat_is_named_by_slug_id_name_or_declared_number(release, ref, where):
    movement, beat = find_beat(release, ref)
    assert (movement.index, beat.index) == where


def test_two_movements_sharing_a_beat_need_the_movement(release):
    with pytest.raises(LinkError, match="write one of: release/build/pack, release/ship/pack"):
        find_beat(release, "pack")
    with pytest.raises(LinkError, match=r"which sequence 'release' does not have \(its beats: compile-sources, "):
        find_beat(release, "deploy")
    assert not names_beat(release.movements[0], release.movements[0].beats[0], "ship/compile-sources")


def _resolve(release, tags, name="A scenario", named=None):
    sequences = {"release": release}
    return resolve_link((tags, (), ()), name, sequence=sequences.get, known=sequences.keys, named=(named or {}).get)


def test_a_tag_links_a_scenario_to_its_beat(release):
    found = _resolve(release, ["beat:release/2.3"])
    assert found.problem is None and found.link.key == ("release", 0, 0) and found.link.how == "tag"
    assert found.link.label == "release/compile-sources (2.3)"


def test_a_beat_naming_the_scenario_links_it_when_no_tag_does(release):
    movement, beat = release.movements[0], release.movements[0].beats[1]
    named = {normalize_name(beat.scenario): BeatLink(release, movement, beat, "beat field")}
    assert _resolve(release, [], "the wheel is named", named).link.key == ("release", 0, 1)
    assert _resolve(release, ["beat:release/2.3"], "the wheel is named", named).link.key == ("release", 0, 0)


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        (["beat:release"], "tag @beat:release should read @beat:<sequence-id>/<beat>, e.g. @beat:release/pack"),
        (
            ["beat:relase/pack"],
            "tag @beat:relase/pack names sequence 'relase', which no spec declares (known: release)",
        ),
        (
            ["beat:release/pakc"],
            "tag @beat:release/pakc names beat 'pakc', which sequence 'release' does not have "
            "(its beats: compile-sources, pack, pack)",
        ),
    ],
)
def test_a_tag_that_links_nothing_says_why(release, tags, problem):
    found = _resolve(release, tags)
    assert found.link is None and found.problem == problem
