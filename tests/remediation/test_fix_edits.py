"""Edits without damage: JSON and YAML as proven text spans, Python through libcst,
Gherkin by appending."""

from __future__ import annotations

import pytest

from pytest_symphony.remediation.gherkin_edit import GherkinEditError, append_blocks, check_kept, insert_narrative
from pytest_symphony.remediation.guards import FixRefused, lost_parts, verify_file
from pytest_symphony.remediation.pyedit import (
    PythonEditError,
    add_decorator,
    append_code,
    check_preserved,
    narrow_bare_except,
    spans,
)
from pytest_symphony.remediation.structured import Change, Document, EditRefused, prove

JSON = """{
    "id": "x",
    "events": [
        "a",
        "b"
    ],
    "inline": [1, 2],
    "empty": [],
    "m": {"k": 1},
    "x-unknown": {"deep": [true, null]}
}
"""

YAML = """\
# a comment on top
id: x   # the id
events:
  - a
  - 'b'   # bee
flow: [a, b]
anchor: &shared {k: 1}
alias: *shared
movements:
  - name: M
    beats:
      - name: B
        handler: "h"

tail: 1   # trailing
"""


def test_json_appends_inserts_and_sets_in_the_files_own_style():
    doc = Document("s.json", JSON)
    new = prove(
        doc,
        [
            doc.append(["events"], "c"),
            doc.append(["inline"], 3),
            doc.append(["empty"], "z"),
            doc.insert(["m"], "n", 2),
            doc.insert([], "name", "X", after="id"),
            doc.set(["id"], "y"),
        ],
    )
    assert new == JSON.replace('"id": "x",', '"id": "y",\n    "name": "X",').replace(
        '"b"\n', '"b",\n        "c"\n'
    ).replace("[1, 2]", "[1, 2, 3]").replace("[]", '["z"]').replace('{"k": 1}', '{"k": 1, "n": 2}')


def test_json_keeps_windows_line_endings():
    text = JSON.replace("\n", "\r\n")
    doc = Document("s.json", text)
    new = prove(doc, [doc.append(["events"], "c"), doc.insert([], "name", "X", first=True)])
    assert "\n" not in new.replace("\r\n", "")
    assert new.startswith('{\r\n    "name": "X",\r\n    "id": "x",')


def test_json_removes_an_item_with_its_comma_and_line():
    doc = Document("s.json", JSON)
    assert prove(doc, [doc.remove(["events", "0"])]) == JSON.replace('\n        "a",', "")
    assert prove(doc, [doc.remove(["events", "1"])]) == JSON.replace(',\n        "b"', "")


def test_yaml_edits_keep_comments_quotes_anchors_and_layout():
    doc = Document("s.yaml", YAML)
    new = prove(
        doc,
        [
            doc.append(["events"], "c: d"),
            doc.append(["flow"], "x,y"),
            doc.insert(["movements", "0", "beats", "0"], "event", "e"),
            doc.set(["movements", "0", "beats", "0", "handler"], "zz"),
            doc.set(["events", "1"], "it's"),
        ],
    )
    assert new == YAML.replace("  - 'b'   # bee\n", "  - 'it''s'   # bee\n  - \"c: d\"\n").replace(
        "[a, b]", '[a, b, "x,y"]'
    ).replace('handler: "h"\n', 'handler: "zz"\n        event: e\n')


def test_yaml_removes_block_and_flow_items_but_never_empties_a_block_list_into_null():
    doc = Document("s.yaml", YAML)
    assert prove(doc, [doc.remove(["events", "0"]), doc.remove(["flow", "1"])]) == YAML.replace("  - a\n", "").replace(
        "[a, b]", "[a]"
    )
    one = Document("s.yaml", "events:\n  - a\n")
    with pytest.raises(EditRefused, match="null"):
        one.remove(["events", "0"])


def test_a_wrapped_spec_is_edited_inside_its_wrapper():
    text = '{\n  "musicalSequence": {\n    "id": "x",\n    "beats": 4\n  },\n  "meta": 1\n}\n'
    doc = Document("s.json", text)
    assert doc.sequence_parts("/beats") == ["musicalSequence", "beats"]
    assert doc.sequence_parts("/meta") == ["meta"]
    assert prove(doc, [doc.set(doc.sequence_parts("/beats"), 2)]) == text.replace('"beats": 4', '"beats": 2')


def test_an_edit_that_does_not_read_back_as_intended_is_refused():
    doc = Document("s.yaml", YAML)
    lying = Change(doc.text.index("tail: 1"), doc.text.index("tail: 1") + 7, "tail: 2", ("set", ("tail",), 3))
    with pytest.raises(EditRefused, match="as intended"):
        prove(doc, [lying])
    broken = Change(0, 0, "[", ("set", ("id",), "x"))
    with pytest.raises(EditRefused, match="would not parse"):
        prove(doc, [broken])


def test_the_loss_guard_names_what_a_spec_would_lose():
    old = {"id": "x", "x-mine": 1, "movements": [{"beats": [{"handler": "a"}, {"handler": "b"}]}]}
    new = {"id": "x", "movements": [{"beats": 2}]}
    assert lost_parts(old, new) == ["/x-mine", "/movements/0/beats"]
    with pytest.raises(FixRefused, match="would lose /movements/0/beats/1"):
        verify_file("s.yaml", "movements:\n  - beats: [a, b]\n", "movements:\n  - beats: [a]\n")
    verify_file("s.yaml", "movements:\n  - beats: [a, b]\n", "movements:\n  - beats: [a]\n", removes=True)


MODULE = '''"""Handlers."""

import os  # why not
from pytest_symphony import expander


def pack():  # keep
    return {"ok": True}


def f():
    try:
        pass
    except:
        return 0
'''


def test_python_decorator_and_import_keep_everything_else():
    new = add_decorator(MODULE, "pack")
    assert new == MODULE.replace("import expander\n", "import expander, handler\n").replace(
        "\n\ndef pack", "\n\n@handler\ndef pack"
    )
    assert add_decorator(new, "pack") == new, "twice changes nothing"
    assert [s[2] for s in spans(MODULE, new)] == ["from pytest_symphony import expander, handler\n", "@handler\n"]


def test_python_import_takes_an_alias_when_the_name_is_taken():
    text = "handler = 1\n\n\ndef pack():\n    return handler\n"
    assert add_decorator(text, "pack").startswith("from pytest_symphony import handler as symphony_handler\n")
    assert "@symphony_handler\ndef pack" in add_decorator(text, "pack")


def test_python_bare_except_is_narrowed_and_appended_code_gets_its_imports():
    assert "    except Exception:\n        return 0\n" in narrow_bare_except(MODULE, 14)
    with pytest.raises(PythonEditError, match="line 3"):
        narrow_bare_except(MODULE, 3)
    new = append_code(MODULE, lambda local: f"@{local['then']}('x')\ndef _():\n    pass\n", [("pytest_bdd", "then")])
    assert new.startswith(
        MODULE.split("\n\n\ndef pack")[0].replace("import expander", "import expander\nfrom pytest_bdd import then")
    )
    assert new.endswith("        return 0\n\n\n@then('x')\ndef _():\n    pass\n")


def test_python_edits_must_keep_every_definition():
    with pytest.raises(PythonEditError, match="lose pack"):
        check_preserved(MODULE, MODULE.replace("def pack", "def packed"))
    with pytest.raises(PythonEditError, match="does not parse"):
        check_preserved(MODULE, MODULE + "def (\n")


FEATURE = "Feature: Release\n  Some words.\n\n  Scenario: One\n    Given a\n    Then b\n"


def test_gherkin_appends_and_inserts_the_narrative_without_touching_scenarios():
    new = append_blocks(FEATURE, ["\n  Scenario: Two\n    Given c\n    Then d\n"])
    assert new == FEATURE + "\n  Scenario: Two\n    Given c\n    Then d\n"
    check_kept(FEATURE, new)
    at, text = insert_narrative(FEATURE, ["In order to x", "As a y", "I want z"])
    assert FEATURE[:at] + text + FEATURE[at:] == FEATURE.replace(
        "Feature: Release\n", "Feature: Release\n  In order to x\n  As a y\n  I want z\n"
    )
    check_kept(FEATURE, FEATURE[:at] + text + FEATURE[at:])


def test_gherkin_refuses_an_edit_that_changes_an_existing_scenario():
    with pytest.raises(GherkinEditError, match="existing scenario"):
        check_kept(FEATURE, FEATURE.replace("Then b", "Then bb"))
    with pytest.raises(GherkinEditError, match="does not parse"):
        check_kept(FEATURE, FEATURE + "  Scenario Outline: x\n    Given <a>\n    Examples:\n      | a |\n      | 1 \n")
