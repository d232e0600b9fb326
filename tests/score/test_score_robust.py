"""Mutated specs never crash the loader, and whatever loads has the types the model promises."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Mapping
from pathlib import Path

import yaml

from pytest_symphony.score.loader import load_spec

BASE = {
    "id": "r",
    "name": "R",
    "events": ["e"],
    "handlers": {"x": {"timeout": 1, "retries": 1}, "y": "m#f"},
    "rollback": "x",
    "movements": [
        {
            "name": "B",
            "movement": 1,
            "beats": [
                {
                    "name": "C",
                    "handler": "x",
                    "handlers": ["y"],
                    "retries": 1,
                    "timeout": "2s",
                    "acceptanceCriteria": [{"given": "a", "then": ["b"]}, "s"],
                    "userStory": {"persona": "p"},
                    "inputs": {"a": 1},
                },
                {"title": "D", "handler": {"name": "m#g", "scope": "s"}, "beat": 2},
            ],
        },
        {"id": "two", "steps": [{"handler": "z", "invokes": "other"}]},
    ],
}
VALUES = [None, -1, 0, 1.5, "", "x", "a#b", "#", [], ["x"], [1], {}, {"a": 1}, {"name": 3}, True, [[]], [{}]]
TEXT = (str, type(None))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _check_types(seq) -> None:
    assert isinstance(seq.id, str) and isinstance(seq.name, TEXT) and isinstance(seq.version, TEXT)
    assert seq.events is None or all(isinstance(e, str) for e in seq.events)
    assert isinstance(seq.governance, Mapping)
    for m in seq.movements:
        assert type(m.number) is int and isinstance(m.name, TEXT) and isinstance(m.id, TEXT)
        for b in m.beats:
            assert type(b.number) is int and isinstance(b.name, TEXT) and isinstance(b.id, TEXT)
            assert type(b.retries) is int and b.retries >= 0
            assert isinstance(b.inputs, Mapping) and isinstance(b.event, TEXT) and isinstance(b.subsequence, TEXT)
            assert b.timeout is None or isinstance(b.timeout, str) or b.timeout >= 0
            for h in b.handlers:
                assert isinstance(h.name, str) and h.name and isinstance(h.module, TEXT)
                assert h.retries is None or (type(h.retries) is int and h.retries >= 0)
            for c in b.acceptance_criteria:
                assert all(isinstance(x, str) for x in c.given + c.when + c.then + c.and_)


def test_mutations_load_or_explain(tmp_path: Path) -> None:
    rng = random.Random(7)
    paths = list(_paths(BASE))[1:]
    loaded = refused = 0
    for i in range(300):
        spec = copy.deepcopy(BASE)
        for _ in range(rng.randint(1, 3)):
            target = spec
            path = rng.choice(paths)
            try:
                for key in path[:-1]:
                    target = target[key]
                if rng.random() < 0.2:
                    del target[path[-1]]
                else:
                    target[path[-1]] = copy.deepcopy(rng.choice(VALUES))
            except (KeyError, IndexError, TypeError):
                pass
        if i % 2:
            file = tmp_path / f"m{i}.json"
            file.write_text(json.dumps(spec), encoding="utf-8")
        else:
            file = tmp_path / f"m{i}.yaml"
            file.write_text(yaml.safe_dump(spec), encoding="utf-8")
        result = load_spec(file)
        assert not any("internal error" in p.message for p in result.problems), result.problems
        if result.sequence is None:
            refused += 1
            assert result.problems and all(p.line >= 1 for p in result.problems), result.problems
        else:
            loaded += 1
            _check_types(result.sequence)
    assert loaded > 30 and refused > 30
