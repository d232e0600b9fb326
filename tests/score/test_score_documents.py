"""A loaded sequence reaches its raw spec mappings through its text, not by holding them.

A run holds one model per spec for the whole session; the positioned mappings (every
member's span, every unknown field) are what conformity and the fixer read, and they
come back from the same text, with the same lines and fields, when asked for.
"""

from __future__ import annotations

import gc
import json

import pytest

from pytest_symphony.score import cache
from pytest_symphony.score.loader import load_spec
from pytest_symphony.score.source import Located, LocatedList

YAML = """\
id: release
name: Release
x-owner: team-a
musicalSequence:
  movements:
    - name: Build
      x-note: first
      steps:
        - name: Compile
          handler: compile
          overlapRetries: true
          timeoutMethod: process
          overrideFixtures: [tmp_path]
          x-ticket: REL-1
        - name: Test
          handler: test
"""


def _reachable(root: object) -> list[object]:
    """Every object reachable from ``root`` (modules and classes not followed)."""
    seen, out, todo = {id(root)}, [], [root]
    while todo:
        obj = todo.pop()
        out.append(obj)
        for ref in gc.get_referents(obj):
            if isinstance(ref, type) or id(ref) in seen or type(ref).__name__ == "module":
                continue
            seen.add(id(ref))
            todo.append(ref)
    return out


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_loaded_sequence_holds_no_positioned_mapping(tmp_path):
    spec = tmp_path / "release.yaml"
    spec.write_text(YAML, encoding="utf-8")
    sequence = load_spec(spec).sequence
    assert sequence is not None
    held = [o for o in _reachable(sequence) if isinstance(o, (Located, LocatedList))]
    assert held == []
    assert len(cache.parses) == 0  # nor does the session's parse cache


def test_raw_mappings_come_back_from_the_text_with_lines_and_unknown_fields(tmp_path):
    spec = tmp_path / "release.yaml"
    spec.write_text(YAML, encoding="utf-8")
    sequence = load_spec(spec).sequence
    assert sequence is not None
    movement = sequence.movements[0]
    compile_beat, test_beat = movement.beats
    assert sequence.raw["x-owner"] == "team-a"  # the wrapper's sibling, kept
    assert (movement.raw["x-note"], movement.raw.line) == ("first", 6)
    assert (compile_beat.raw["x-ticket"], compile_beat.raw.line) == ("REL-1", 9)
    assert (test_beat.raw["name"], test_beat.raw.line) == ("Test", 15)
    assert cache.stats()["parses"] == 2  # the load's parse, and one more for every later reader
    assert test_beat.raw is test_beat.raw  # ...which shares it
    assert cache.stats()["parses"] == 2


def test_what_the_run_reads_is_in_the_model(tmp_path):
    spec = tmp_path / "release.yaml"
    spec.write_text(YAML, encoding="utf-8")
    sequence = load_spec(spec).sequence
    assert sequence is not None
    compile_beat, test_beat = sequence.movements[0].beats
    assert (compile_beat.overlap_retries, compile_beat.timeout_method, compile_beat.override_fixtures) == (
        True,
        "process",
        ["tmp_path"],
    )
    assert (test_beat.overlap_retries, test_beat.timeout_method, test_beat.override_fixtures) == (False, None, None)
    assert cache.stats()["parses"] == 1  # read at load: no parse again


def test_a_session_that_checks_specs_keeps_one_parse(tmp_path):
    spec = tmp_path / "release.json"
    spec.write_text(json.dumps({"id": "r", "movements": [{"beats": [{"handler": "h", "x": 1}]}]}), encoding="utf-8")
    cache.keep_documents()
    sequence = load_spec(spec).sequence
    assert sequence is not None
    assert sequence.movements[0].beats[0].raw["x"] == 1
    assert cache.stats()["parses"] == 1
