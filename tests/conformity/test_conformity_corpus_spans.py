"""Every member of every real spec is placed where it is written, and a value rewritten
in place changes only its own bytes (the corpus: multi-member lines, unicode, nesting)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pytest_symphony.conformity.specmap import SpecText
from pytest_symphony.remediation.structured import Document, prove
from pytest_symphony.score.source import parse_json

CORPUS = Path(os.environ.get("SYMPHONY_SHARED", "/work/shared")) / "corpus"
SPECS = sorted(CORPUS.rglob("*.json"))


def _mappings(node, pointer=""):
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from _mappings(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _mappings(value, f"{pointer}/{i}")


@pytest.mark.skipif(not SPECS, reason="no corpus")
@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_member_is_placed_at_its_key(path):
    text = path.read_text(encoding="utf-8")
    data = parse_json(text)
    spec = SpecText(text, "json")
    lines = text.split("\n")
    checked = 0
    for _, mapping in _mappings(data):
        for key, value in mapping.items():
            member = spec.member(mapping, key)
            assert member is not None, key
            line = lines[member.line - 1]
            assert json.loads(line[member.col - 1 :].split(":", 1)[0]) == key
            if member.value_start is not None:
                assert json.loads(text[member.value_start : member.value_end]) == value
            checked += 1
    assert checked


@pytest.mark.skipif(not SPECS, reason="no corpus")
@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_string_rewritten_at_once_changes_only_its_bytes(path):
    text = path.read_text(encoding="utf-8")
    doc = Document(str(path), text)
    changes = []
    for pointer, mapping in _mappings(doc.data):
        for key, value in mapping.items():
            if isinstance(value, str):
                parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
                changes.append(doc.set([*parts, key], value + " ✓"))
    assert changes
    new_text = prove(doc, changes)  # reads back as the data with exactly these values changed
    expected, pos = [], 0
    for change in sorted(changes, key=lambda c: c.start):
        assert json.loads(text[change.start : change.end]) + " ✓" == json.loads(change.replacement)
        expected += [text[pos : change.start], change.replacement]
        pos = change.end
    assert new_text == "".join(expected) + text[pos:]
