"""What parsers accept but a spec must not hold: each is a problem naming the file and line."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from pytest_symphony.score import normalize as normalize_module
from pytest_symphony.score.loader import load_spec
from pytest_symphony.score.normalize import unique_slug
from pytest_symphony.score.source import parse_json, parse_yaml


def problems(tmp_path: Path, name: str, text: str) -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    result = load_spec(path, display_path=f"sequences/{name}")
    assert result.sequence is None, "this spec must not load"
    return [str(p) for p in result.problems]


# ---------------------------------------------------------------- duplicate keys


def test_a_duplicate_json_key_names_both_lines(tmp_path):
    text = """
        {"id": "dup",
         "movements": [{"name": "lost", "beats": [{"name": "a", "handler": "h"}]}],
         "name": "Dup",
         "movements": [{"name": "kept", "beats": [{"name": "b", "handler": "h"}]}]}
    """
    assert problems(tmp_path, "dup.json", text) == [
        "sequences/dup.json:4:2: duplicate key 'movements': first at line 2, again at line 4; a mapping keeps "
        "only the last value, so the first would be lost: remove or rename one of them"
    ]


def test_every_duplicate_json_key_is_reported_in_nested_objects(tmp_path):
    text = """
        {"id": "dup", "movements": [
          {"name": "m", "beats": [
            {"name": "a", "handler": "h", "handler": "g", "x": {"k": 1, "k": 2}}]}]}
    """
    found = problems(tmp_path, "dup.json", text)
    assert [p.split(": duplicate key ")[1].split(":")[0] for p in found] == ["'handler'", "'k'"]
    assert all(p.startswith("sequences/dup.json:3:") for p in found)


def test_same_key_in_sibling_objects_is_not_a_duplicate(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(
        json.dumps(
            {
                "id": "ok",
                "movements": [{"name": "m", "beats": [{"name": "a", "handler": "h"}, {"name": "b", "handler": "h"}]}],
            }
        )
    )
    assert load_spec(path).sequence is not None


def test_a_duplicate_yaml_key_names_both_lines(tmp_path):
    text = """
        id: dup
        movements:
          - name: lost
            beats: [{name: a, handler: h}]
        name: Dup
        movements:
          - name: kept
            beats:
              - {name: b, handler: h, handler: g}
    """
    assert problems(tmp_path, "dup.yaml", text) == [
        "sequences/dup.yaml:6: duplicate key 'movements': first at line 2, again at line 6; a mapping keeps "
        "only the last value, so the first would be lost: remove or rename one of them",
        "sequences/dup.yaml:9: duplicate key 'handler': first at line 9, again at line 9; a mapping keeps "
        "only the last value, so the first would be lost: remove or rename one of them",
    ]


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text(
        textwrap.dedent("""
        defaults: &d {handler: h, retries: 1}
        id: merge
        movements:
          - name: m
            beats:
              - {<<: *d, name: a, retries: 2}
    """)
    )
    result = load_spec(path)
    assert result.sequence is not None and result.sequence.beats[0].retries == 2


def test_the_plain_parsers_still_give_last_wins_data_to_other_readers():
    """Other readers (a domain registry, the fixer's documents) get the data as JSON and YAML have it."""
    assert parse_json('{"a": 1, "a": 2}') == {"a": 2}
    assert parse_yaml("a: 1\na: 2\n") == {"a": 2}
    assert parse_json('{"n": 99999999999999999999}') == {"n": 99999999999999999999}
    assert parse_yaml("n: 99999999999999999999\n") == {"n": 99999999999999999999}


# --------------------------------------------------------- surrogates and integers


def test_a_lone_surrogate_is_a_problem_at_its_line(tmp_path):
    text = '{"id": "ok",\n "name": "a-\\ud800",\n "movements": []}'
    (found,) = problems(tmp_path, "s.json", text)
    assert found.startswith("sequences/s.json:2:13: the string 'a-\\ud800' holds a lone surrogate (\\ud800)")


def test_a_surrogate_pair_is_one_character_and_loads(tmp_path):
    path = tmp_path / "pair.json"
    path.write_text(
        '{"id": "pair-\\ud83c\\udfb5", "movements": [{"name": "m", "beats": [{"name": "a", "handler": "h"}]}]}'
    )
    assert load_spec(path).sequence.id == "pair-\U0001f3b5"


def test_a_lone_surrogate_in_yaml_is_a_problem(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text('id: "a-\\ud800"\nmovements:\n  - name: m\n    beats: [{name: a, handler: h}]\n')
    # libyaml refuses the escape itself; the pure-Python parser accepts it and the loader refuses it
    for problems_ in (load_spec(path).problems, _with_loader(yaml.SafeLoader, path)):
        assert [p.line for p in problems_] == [1]
    (pure,) = _with_loader(yaml.SafeLoader, path)
    assert "holds a lone surrogate (\\ud800)" in pure.message


def _with_loader(loader, path):
    from pytest_symphony.score import cache, yaml_parse

    saved, yaml_parse._YamlLoader = yaml_parse._YamlLoader, loader
    cache.clear()  # parsed once per text: this text must be parsed again, by this loader
    try:
        return load_spec(path).problems
    finally:
        yaml_parse._YamlLoader = saved
        cache.clear()


@pytest.mark.parametrize(
    "name,text,line",
    [
        (
            "big.yaml",
            "id: big\nmovements:\n  - name: m\n    beats:\n      - {name: a, handler: h, beat: 99999999999999999999}\n",
            5,
        ),
        (
            "hex.yaml",
            "id: hex\nmovements:\n  - name: m\n    beats:\n      - {name: a, handler: h, beat: 0x" + "f" * 4000 + "}\n",
            5,
        ),
        (
            "long.yaml",
            "id: long\nmovements:\n  - name: m\n    beats:\n      - {name: a, handler: h, beat: " + "9" * 4400 + "}\n",
            5,
        ),
        (
            "big.json",
            '{"id": "big", "movements": [{"name": "m", "beats": [\n {"name": "a", "handler": "h", '
            '"beat": 99999999999999999999}]}]}',
            2,
        ),
        (
            "long.json",
            '{"id": "long", "movements": [{"name": "m", "beats": [\n {"name": "a", "handler": "h", '
            '"beat": ' + "9" * 5000 + "}]}]}",
            2,
        ),
    ],
)
def test_an_integer_beyond_64_bits_is_a_problem_at_its_line(tmp_path, name, text, line):
    path = tmp_path / name
    path.write_text(text)
    (found,) = load_spec(path, display_path=name).problems
    assert found.line == line
    assert "does not fit in 64 bits" in found.message and len(found.message) < 300


def test_integers_at_the_64_bit_edge_load(tmp_path):
    path = tmp_path / "edge.yaml"
    path.write_text(
        f"id: edge\nmovements:\n  - name: m\n    beats:\n      - {{name: a, handler: h, beat: {2**63 - 1}}}\n"
    )
    assert load_spec(path).sequence.beats[0].number == 2**63 - 1


# ------------------------------------------------------------------- JSON messages


def test_json_messages_are_whole_with_line_and_column(tmp_path):
    (found,) = problems(tmp_path, "cut.json", '{"id": "x",\n "name": "unterminated\n}')
    assert found == "sequences/cut.json:2:23: invalid JSON: Invalid control character at line 2 column 23"
    (found,) = problems(tmp_path, "open.json", '{"id": "x",\n "name": "never closed}')
    assert found == ("sequences/open.json:2:10: invalid JSON: Unterminated string starting at line 2 column 10")


# ------------------------------------------------------------------- no beat, never silent


@pytest.mark.parametrize(
    "movement,says",
    [
        ("{}", "movement 1 has no beats"),
        ("{name: a}", "movement 1 'a' has no beats"),
        ("{name: a, beats: []}", "movement 1 'a' has an empty `beats` list"),
        ("{name: a, beats: 3}", "movement 1 'a' declares 3 beat(s) (beats: 3) but lists none"),
        (
            "{name: a, beatDetails: [{name: b, handler: h}]}",
            "movement 1 'a' has no beat list, but its key 'beatDetails' holds a list of mappings",
        ),
    ],
)
def test_a_movement_without_beats_is_a_problem_at_its_line(tmp_path, movement, says):
    (found,) = problems(tmp_path, "empty.yaml", f"id: empty\nmovements:\n  - {movement}\n")
    assert found.startswith(f"sequences/empty.yaml:3: movements/0/beats: {says}")


# ---------------------------------------------------------------------- linear slugs


def test_unique_slug_numbers_repeated_names():
    from pytest_symphony.score.normalize import SlugSet

    used = SlugSet()
    assert [unique_slug(s, used) for s in ["a", "a", "a-2", "a", "b"]] == ["a", "a-2", "a-2-2", "a-3", "b"]
    plain: set[str] = set()
    assert [unique_slug(s, plain) for s in ["a", "a", "a"]] == ["a", "a-2", "a-3"]


def _lines_run(beats: int, same: bool) -> int:
    """Python lines executed in the normalizer for a spec of ``beats`` beats (no clock involved)."""
    data = {
        "id": "s",
        "movements": [
            {"name": "m", "beats": [{"name": "Build" if same else f"Build {i}", "handler": "h"} for i in range(beats)]}
        ],
    }
    code_file = normalize_module.__file__
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if frame.f_code.co_filename != code_file:
            return None
        count += 1
        return tracer

    sys.settrace(tracer)
    try:
        normalize_module.normalize(data, path="s.json", stem="s")
    finally:
        sys.settrace(None)
    return count


def test_beats_with_one_name_cost_what_distinct_names_cost():
    """8,000 same-named beats once took 25 s (quadratic); the work must grow linearly."""
    small, large = _lines_run(200, same=True), _lines_run(800, same=True)
    distinct = _lines_run(800, same=False)
    assert large < 4.4 * small  # 4x the beats: about 4x the work, not 16x
    assert large < 1.2 * distinct
