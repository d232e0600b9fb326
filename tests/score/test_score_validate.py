"""The shipped schema, the normalized document, and the fast check that must agree with jsonschema."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pytest_symphony.score.loader import load_spec
from pytest_symphony.score.model import HandlerRef
from pytest_symphony.score.schema_check import compile_schema
from pytest_symphony.score.validate import IS_VALID, SCHEMA, validator, sequence_document, validate_sequence

SPEC = """\
id: doc
name: Doc
version: "1"
events: [a]
handlers:
  - {id: "dir/name~x", retries: 1, timeout: 10}
rollback: undo
movements:
  - name: M
    dynamics: p
    beats:
      - name: One
        handler: "mod#one"
        event: a
        timeout: 100
        retries: 2
        dynamics: ff
        inputs: {k: [1, 2]}
        acceptanceCriteria: ["works", {given: g, when: w, then: t}]
        userStory: {persona: p, goal: g, benefit: b}
        scenario: s
        invokes: other
      - name: Two
        handlers: ["dir/name~x"]
"""


@pytest.fixture
def seq(tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text(SPEC, encoding="utf-8")
    result = load_spec(path)
    assert result.problems == ()
    return result.sequence


def test_the_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_document(seq) -> None:
    doc = sequence_document(seq)
    json.dumps(doc)  # plain JSON
    assert doc["id"] == "doc" and doc["events"] == ["a"] and doc["declaredBeats"] is None
    assert doc["handlers"] == {
        "dir/name~x": {"name": "dir/name~x", "module": None, "timeoutMs": 10, "retries": 1, "command": None}
    }
    assert doc["rollback"] == {"name": "undo", "module": None, "timeoutMs": None, "retries": None, "command": None}
    one, two = doc["movements"][0]["beats"]
    assert one == {
        "number": 1,
        "id": None,
        "name": "One",
        "slug": "one",
        "description": None,
        "handlers": [{"name": "one", "module": "mod", "timeoutMs": None, "retries": None, "command": None}],
        "event": "a",
        "timeout": 100,
        "retries": 2,
        "dynamics": "ff",
        "inputs": {"k": [1, 2]},
        "acceptanceCriteria": [{"text": "works"}, {"given": ["g"], "when": ["w"], "then": ["t"], "and": []}],
        "userStory": {"persona": "p", "goal": "g", "benefit": "b", "text": None},
        "scenario": "s",
        "subsequence": "other",
        "command": None,
    }
    assert two["handlers"][0]["retries"] == 1
    assert validate_sequence(seq) == []


def test_problems_carry_pointer_nearest_line_and_are_sorted(seq) -> None:
    beats = list(seq.movements[0].beats)
    bad_handler = replace(beats[1].handlers[0], retries=-3)
    beats[1] = replace(beats[1], retries=-1, handlers=(bad_handler,))
    beats[0] = replace(beats[0], timeout=-5)
    movement = replace(seq.movements[0], beats=tuple(beats), dynamics=9)
    broken = replace(
        seq,
        movements=(movement,),
        handlers={"dir/name~x": replace(seq.handlers["dir/name~x"], retries=-2)},
    )
    problems = validate_sequence(broken)
    assert [(p.line, p.pointer) for p in problems] == [
        (6, "/handlers/dir~1name~0x/retries"),  # the declaration's line; the key escaped
        (9, "/movements/0/dynamics"),
        (12, "/movements/0/beats/0/timeout"),
        (23, "/movements/0/beats/1/retries"),
        (24, "/movements/0/beats/1/handlers/0/retries"),  # the line of the reference
    ]
    assert problems[0].message == "handlers/dir/name~x/retries: -2 is less than the minimum of 0"
    assert problems[2].message == "movements/0/beats/0/timeout: -5 is less than the minimum of 0"


def test_long_values_are_shortened_in_messages(seq) -> None:
    beats = list(seq.movements[0].beats)
    beats[0] = replace(beats[0], inputs=["x" * 500])
    broken = replace(seq, movements=(replace(seq.movements[0], beats=tuple(beats)),))
    (problem,) = validate_sequence(broken)
    assert problem.message.startswith("movements/0/beats/0/inputs: ['xxxx")
    assert problem.message.endswith("...") and len(problem.message) < 300


BAD_VALUES = [None, -1, 0, 1.5, 2.0, "", "x", [], ["x"], [1], {}, {"a": 1}, True]


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _set(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _delete(doc, path):
    target = doc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]


def test_the_fast_check_agrees_with_jsonschema(seq) -> None:
    base = sequence_document(seq)
    assert IS_VALID(base) and validator().is_valid(base)
    checked = disagreements = 0
    for path in list(_paths(base))[1:]:
        for value in BAD_VALUES:
            doc = copy.deepcopy(base)
            _set(doc, path, value)
            checked += 1
            disagreements += IS_VALID(doc) != validator().is_valid(doc)
        doc = copy.deepcopy(base)
        _delete(doc, path)
        checked += 1
        disagreements += IS_VALID(doc) != validator().is_valid(doc)
        if isinstance(path[-1], str):
            doc = copy.deepcopy(base)
            parent = doc
            for key in path[:-1]:
                parent = parent[key]
            parent["unknownKey"] = 1
            checked += 1
            disagreements += IS_VALID(doc) != validator().is_valid(doc)
    assert checked > 1000 and disagreements == 0


def test_the_fast_check_refuses_keywords_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="pattern"):
        compile_schema({"type": "string", "pattern": "x"})


def test_handler_refs_with_odd_names_are_schema_errors(seq) -> None:
    beats = list(seq.movements[0].beats)
    beats[0] = replace(beats[0], handlers=(HandlerRef(name=""), HandlerRef(name="ok", module="")))
    broken = replace(seq, movements=(replace(seq.movements[0], beats=tuple(beats)),))
    assert [p.pointer for p in validate_sequence(broken)] == [
        "/movements/0/beats/0/handlers/0/name",
        "/movements/0/beats/0/handlers/1/module",
    ]
