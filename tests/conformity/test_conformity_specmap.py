"""Where a spec member is written: key line and column, and the span of a scalar value."""

from __future__ import annotations

from pytest_symphony.conformity.specmap import SpecText
from pytest_symphony.score.source import parse_json, parse_yaml

JSON = """\
{
  "id": "release",
  "handler": {"timeout": 5},
  "movements": [
    {
      "name": "Build",
      "beats": [{"name": "inline", "timeout": 1}],
      "timeout": "2s"
    }
  ],
  "timeout": 3
}
"""

YAML = """\
# comment
id: release
"quoted": yes
movements:
  - name: Build   # trailing
    timeout: 2s
    beats:
      - {name: inline, timeout: 1}
timeout: 3
"""


def test_json_members_at_their_own_level():
    data = parse_json(JSON)
    text = SpecText(JSON, "json")
    top = text.member(data, "timeout")
    assert (top.line, top.col) == (11, 3)
    assert JSON[top.value_start : top.value_end] == "3"
    movement = data["movements"][0]
    m = text.member(movement, "timeout")
    assert (m.line, m.col) == (8, 7) and JSON[m.value_start : m.value_end] == '"2s"'
    inline = movement["beats"][0]
    b = text.member(inline, "timeout")
    assert b.line == 7 and JSON[b.value_start : b.value_end] == "1"
    assert text.member(data, "missing") is None
    assert text.place_of(data, "missing") == (1, 1)


def test_yaml_members_comments_and_quotes():
    data = parse_yaml(YAML)
    text = SpecText(YAML, "yaml")
    assert (text.member(data, "timeout").line, text.member(data, "timeout").col) == (9, 1)
    assert text.member(data, "quoted").line == 3
    movement = data["movements"][0]
    name = text.member(movement, "name")
    assert (name.line, name.col) == (5, 5) and YAML[name.value_start : name.value_end] == "Build"
    t = text.member(movement, "timeout")
    assert t.line == 6 and YAML[t.value_start : t.value_end] == "2s"


def test_json_members_sharing_a_line_and_unicode_keys():
    text_ = '{\n  "id": "r", "timeout": 2,\n  "ünï": {"a": 1, "timeout": "3s"}, "b": [1, 2]\n}\n'
    data = parse_json(text_)
    text = SpecText(text_, "json")
    t = text.member(data, "timeout")
    assert (t.line, t.col) == (2, 14) and text_[t.value_start : t.value_end] == "2"
    u = text.member(data["ünï"], "timeout")
    assert (u.line, u.col) == (3, 19) and text_[u.value_start : u.value_end] == '"3s"'
    assert text.member(data, "b").value_start is None  # a list is not replaced in place


def test_yaml_flow_members_and_comments_between():
    data = parse_yaml(YAML)
    text = SpecText(YAML, "yaml")
    inline = data["movements"][0]["beats"][0]
    t = text.member(inline, "timeout")
    assert (t.line, t.col) == (8, 24) and YAML[t.value_start : t.value_end] == "1"
    assert text.member(data["movements"][0], "name").value_end == YAML.index("Build") + len("Build")


def test_data_of_another_text_is_not_placed_in_this_one():
    data = parse_json(JSON)
    assert SpecText(JSON.replace("release", "other"), "json").member(data, "id") is None
