"""Parsing with positions: the fast JSON path, the scanner fallback, and YAML events."""

from __future__ import annotations

import copy
import json
import os
import pickle
from pathlib import Path

import pytest
import yaml

from pytest_symphony.score import source, yaml_parse
from pytest_symphony.score.source import Located, LocatedList, item_line, parse_json, parse_json_scanner, parse_yaml

CORPUS = Path(os.environ["SYMPHONY_SHARED"]) / "corpus" / "renderx" / "sequences"

TRICKY = (
    '{"a\\"[{": ["x\\\\", "{[", {"k": "\\u007b"}],\n'
    ' "b": [1, 2.5e3, true, null, "s,]"],\n'
    '  "c": {"d": [[], {}, [ "q" ]]},\n'
    '"e": "caf\u00e9 {"}'
)


def positions(node, path="$"):
    """Every container's (path, line, col), and each list's item lines."""
    out = []
    if isinstance(node, dict):
        out.append((path, node.line, node.col))
        for k, v in node.items():
            out += positions(v, f"{path}/{k}")
    elif isinstance(node, list):
        out.append((path, node.line, node.col, tuple(node.item_lines)))
        for i, v in enumerate(node):
            out += positions(v, f"{path}/{i}")
    return out


def test_json_positions_of_every_container() -> None:
    data = parse_json(TRICKY)
    assert data == json.loads(TRICKY)
    assert isinstance(data, Located) and isinstance(data["b"], LocatedList)
    assert positions(data) == [
        ("$", 1, 1),
        ('$/a"[{', 1, 11, (1, 1, 1)),  # every item has its span, a mapping's too
        ('$/a"[{/2', 1, 25),
        ("$/b", 2, 7, (2, 2, 2, 2, 2)),
        ("$/c", 3, 8),
        ("$/c/d", 3, 14, (3, 3, 3)),
        ("$/c/d/0", 3, 15, ()),
        ("$/c/d/1", 3, 19),
        ("$/c/d/2", 3, 23, (3,)),
    ]


def test_the_scanner_fallback_gives_the_same_positions() -> None:
    fast, slow = parse_json(TRICKY), parse_json_scanner(TRICKY)
    assert fast == slow
    assert positions(fast) == positions(slow)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="no corpus")
def test_fast_and_scanner_agree_on_the_corpus() -> None:
    for path in sorted(CORPUS.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        fast, slow = positions(parse_json(text)), positions(parse_json_scanner(text))
        assert [r[:3] for r in fast] == [r[:3] for r in slow], path.name
        for f, s in zip(fast, slow):
            if len(f) == 4 and f[3]:
                assert f[3] == s[3], (path.name, f[0])


def test_duplicate_keys_fall_back_to_the_scanner_and_keep_lines() -> None:
    text = '{"id": "x",\n "movements": [{"a": 1}],\n "movements": [\n  {"b": 2}]}'
    data = parse_json(text)
    assert data["movements"] == [{"b": 2}]  # last wins, like json.loads
    assert (data["movements"].line, data["movements"][0].line) == (3, 4)


def test_crlf_line_endings() -> None:
    text = '{\r\n  "a": [\r\n    {"b": 1},\r\n    "s"\r\n  ]\r\n}\r\n'
    data = parse_json(text)
    assert (data["a"].line, data["a"][0].line) == (2, 3)
    assert item_line(data["a"], 1) == 4  # a scalar beside a mapping: its own line
    assert parse_json_scanner(text)["a"].item_lines == [3, 4]
    ydata = parse_yaml("a:\r\n  - b: 1\r\n  - s\r\n")
    assert (ydata["a"][0].line, ydata["a"].item_lines) == (2, [2, 3])


def test_yaml_positions_and_item_lines() -> None:
    data = parse_yaml("top:\n  list:\n    - one\n    - {k: v}\n    - [x,\n       y]\n")
    assert (data.line, data.col) == (1, 1)
    assert (data["top"].line, data["top"].col) == (2, 3)
    lst = data["top"]["list"]
    assert (lst.line, lst.item_lines) == (3, [3, 4, 5])
    assert lst[1].line == 4 and lst[2].item_lines == [5, 6]
    assert [item_line(lst, i) for i in range(3)] == [3, 4, 5]


def test_located_containers_copy_and_pickle() -> None:
    data = parse_yaml("a: [1, 2]\nb: {c: d}\n")
    for clone in (copy.deepcopy(data), pickle.loads(pickle.dumps(data))):
        assert clone == data
        assert (clone.line, clone["a"].item_lines, clone["b"].line) == (1, [1, 1], 2)


@pytest.mark.parametrize("loader_name", ["SafeLoader", "CSafeLoader"])
@pytest.mark.skipif(not CORPUS.is_dir(), reason="no corpus")
def test_yaml_loaders_agree_on_the_corpus_as_yaml(monkeypatch, loader_name: str) -> None:
    if not hasattr(yaml, loader_name):
        pytest.skip("libyaml not built")
    monkeypatch.setattr(yaml_parse, "_YamlLoader", getattr(yaml, loader_name))
    path = CORPUS / "symphonia-conformity-alignment-pipeline.json"
    text = yaml.safe_dump(json.loads(path.read_text(encoding="utf-8")), sort_keys=False)
    data = parse_yaml(text)
    assert data == yaml.safe_load(text)
    lines = text.splitlines()
    first_step = data["movements"][0]["steps"][0]
    assert lines[first_step.line - 1].lstrip().startswith("- beat: 1")


@pytest.mark.parametrize("loader_name", ["SafeLoader", "CSafeLoader"])
def test_alias_budget_with_either_loader(monkeypatch, loader_name: str) -> None:
    monkeypatch.setattr(yaml_parse, "_YamlLoader", getattr(yaml, loader_name, yaml.SafeLoader))
    lines = ["l0: &l0 [a, a, a, a, a, a, a, a, a]"]
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i}")
        lines += [f"  - *l{i - 1}"] * 9
    data, problem = source.parse_text("\n".join(lines) + "\n", "bomb.yaml", "yaml")
    assert data is None
    assert (problem.line, problem.column) == (43, 5) and "at alias *l4" in problem.message
