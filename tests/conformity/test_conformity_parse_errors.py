"""SEQUENCE_PARSE_ERROR says all of it: whole parser messages, and every duplicate key with both lines."""

from __future__ import annotations

from pytest_symphony.conformity.engine import check_workspace
from pytest_symphony.conformity.testing import DEFAULT_INI, write_files

HANDLERS = "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    pass\n"


def _parse_errors(root, files):
    body = "".join(f"{k} = {v}\n" for k, v in DEFAULT_INI.items())
    write_files(root, {"pytest.ini": "[pytest]\n" + body, "handlers.py": HANDLERS, **files})
    result = check_workspace(root, use_cache=False)
    return [(v.place.path, v.place.line, v.message) for v in result.violations if v.code == "SEQUENCE_PARSE_ERROR"]


def test_every_duplicate_key_is_a_violation_naming_both_lines(tmp_path):
    spec = (
        '{"id": "dup",\n'
        ' "movements": [{"name": "m", "beats": [{"name": "a", "handler": "build"}]}],\n'
        ' "movements": [{"name": "m", "beats": [{"name": "a", "handler": "build",\n'
        '                                        "handler": "build"}]}]}\n'
    )
    found = _parse_errors(tmp_path, {"sequences/dup.json": spec})
    assert [(path, line) for path, line, _ in found] == [("sequences/dup.json", 3), ("sequences/dup.json", 4)]
    assert "duplicate key 'movements': first at line 2, again at line 3" in found[0][2]
    assert "duplicate key 'handler': first at line 3, again at line 4" in found[1][2]


def test_an_invalid_json_message_is_whole(tmp_path):
    found = _parse_errors(tmp_path, {"sequences/cut.json": '{"id": "cut",\n "name": "never closed}'})
    assert found == [("sequences/cut.json", 2, "invalid JSON: Unterminated string starting at line 2 column 10")]
