from __future__ import annotations

import pytest

from pytest_symphony.conformity.codes import Dimension, FixSafety, Severity
from pytest_symphony.conformity.violation import (
    Checked,
    Edit,
    Fix,
    Place,
    Violation,
    apply_edits,
    dedupe,
    json_pointer,
)


def test_defaults_come_from_the_catalog():
    v = Violation("INVALID_TIMING", "bad", Place("a.json", 4, 7))
    assert v.severity is Severity.MINOR
    assert v.dimension is Dimension.ORCHESTRATION
    assert v.fix_safety is FixSafety.NONE
    w = Violation("INVALID_TIMING", "bad", Place("a.json"), severity="major", dimension="handler")
    assert (w.severity, w.dimension) == (Severity.MAJOR, Dimension.HANDLER)


def test_unknown_code_needs_severity_and_dimension():
    with pytest.raises(ValueError, match="needs a severity"):
        Violation("NOT_A_CODE", "m", Place("a.py"))
    with pytest.raises(ValueError, match="needs a dimension"):
        Violation("NOT_A_CODE", "m", Place("a.py"), severity=Severity.INFO)
    v = Violation("NOT_A_CODE", "m", Place("a.py"), severity=Severity.INFO, dimension=Dimension.HANDLER)
    assert v.code == "NOT_A_CODE"


def test_place_validation_and_normalization():
    assert Place("dir\\a.py", 2, 3).path == "dir/a.py"
    assert str(Place("a.py", 2, 3)) == "a.py:2:3"
    for bad in (
        dict(line=0),
        dict(col=0),
        dict(line=5, end_line=4),
        dict(end_col=3),
        dict(line=2, col=5, end_line=2, end_col=4),
        dict(pointer="movements/0"),
    ):
        with pytest.raises(ValueError):
            Place("a.py", **bad)
    assert Place("a.json", pointer="").pointer == ""


def test_json_pointer_escapes():
    assert json_pointer() == ""
    assert json_pointer("movements", 0, "beats", 2) == "/movements/0/beats/2"
    assert json_pointer("a/b", "m~n") == "/a~1b/m~0n"


def test_fix_and_edits():
    f = Fix("set beats", "safe", [Edit("a.json", 3, 4, "5")])
    assert f.safety is FixSafety.SAFE and f.edits == (Edit("a.json", 3, 4, "5"),)
    assert Fix("regenerate", FixSafety.UNSAFE).edits is None
    with pytest.raises(ValueError, match="safe or unsafe"):
        Fix("x", FixSafety.NONE)
    with pytest.raises(ValueError, match="bad edit range"):
        Edit("a", 5, 4, "")
    v = Violation("BEAT_COUNT_MISMATCH", "m", Place("a.json"), fix=f)
    assert v.fix_safety is FixSafety.SAFE


def test_apply_edits():
    text = '{"beats": 5, "x": 1}'
    edits = [Edit("a", 18, 19, "2"), Edit("a", 10, 11, "4")]
    assert apply_edits(text, edits) == '{"beats": 4, "x": 2}'
    assert apply_edits("abc", [Edit("a", 3, 3, "d")]) == "abcd"
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits(text, [Edit("a", 1, 5, ""), Edit("a", 4, 6, "")])
    with pytest.raises(ValueError, match="past the text"):
        apply_edits("abc", [Edit("a", 2, 9, "")])


def test_key_sorts_by_place_then_code_and_dedupe_keeps_first():
    a = Violation("UNUSED_EVENT", "e", Place("b.json", 1, 1))
    b = Violation("INVALID_TIMING", "t", Place("a.json", 10, 1))
    c = Violation("EMPTY_MOVEMENT", "m", Place("a.json", 2, 5))
    d = Violation("BEAT_COUNT_MISMATCH", "m", Place("a.json", 2, 5))
    dup = Violation("BEAT_COUNT_MISMATCH", "m", Place("a.json", 2, 5), fix=Fix("x", "safe"))
    assert dedupe([a, b, c, d, dup]) == [d, c, b, a]
    assert dedupe([a, b, c, d, dup])[0].fix is None


def test_to_dict_round_trips():
    v = Violation(
        "BEAT_COUNT_MISMATCH",
        "declared 5, found 4",
        Place("s/a.json", 3, 5, 3, 12, "/beats"),
        fix=Fix("set 4", "safe", (Edit("s/a.json", 40, 41, "4"),)),
        sequence="a",
        beat="2",
    )
    d = v.to_dict()
    assert d == {
        "code": "BEAT_COUNT_MISMATCH",
        "severity": "MAJOR",
        "dimension": "Orchestration",
        "message": "declared 5, found 4",
        "location": {"path": "s/a.json", "line": 3, "col": 5, "end_line": 3, "end_col": 12, "pointer": "/beats"},
        "sequence": "a",
        "beat": "2",
        "fix_safety": "safe",
        "fix": {
            "description": "set 4",
            "safety": "safe",
            "edits": [{"path": "s/a.json", "start_offset": 40, "end_offset": 41, "replacement": "4"}],
        },
    }
    assert Violation.from_dict(d) == v


def test_checked_counts():
    c = Checked().add(Dimension.HANDLER, 3).add("orchestration")
    assert c[Dimension.HANDLER] == 3 and c["Orchestration"] == 1 and c[Dimension.DEPENDENCY] == 0
    merged = c + Checked.of({"Handler": 2, Dimension.GOVERNANCE: 1})
    assert merged.to_dict() == {"Orchestration": 1, "Handler": 5, "Governance": 1, "Traceability": 0, "Dependency": 0}
    assert c[Dimension.HANDLER] == 3  # addition does not mutate
    with pytest.raises(ValueError):
        c.add(Dimension.HANDLER, -1)
