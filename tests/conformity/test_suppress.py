from __future__ import annotations

import textwrap

import pytest

from pytest_symphony.conformity.suppress import (
    ALL,
    Suppression,
    apply_suppressions,
    comment_suppressions,
    parse_comments,
    spec_suppressions,
)
from pytest_symphony.conformity.violation import Place, Violation

PY = textwrap.dedent(
    '''\
    import subprocess  # symphony: ignore[UNRESOLVED_IMPORT]

    # symphony: ignore[MISSING_IMPLEMENTATION, SIGNATURE_MISMATCH]
    def handler(ctx):
        pass

    def other():
        s = "# symphony: ignore[HARDCODED_PATH]"  # not a comment
        subprocess.run(["x"])  # symphony: ignore
        x = 1  #symphony:ignore[ EXCEPTION_SWALLOWED ,HARDCODED_PATH ]
        y = """
        # symphony: ignore[UNUSED_EVENT]
        """
    # symphony: ignore[ORPHAN_HANDLER]
    # symphony: ignore[DUPLICATE_HANDLER]

    @decorator
    def third(): ...
    # symphony: ignore[INVALID_TIMING]
    '''
)


def test_parse_python_comments():
    assert parse_comments(PY) == {
        1: frozenset({"UNRESOLVED_IMPORT"}),
        4: frozenset({"MISSING_IMPLEMENTATION", "SIGNATURE_MISMATCH"}),
        9: ALL,
        10: frozenset({"EXCEPTION_SWALLOWED", "HARDCODED_PATH"}),
        # stacked own-line comments apply to the next code line (the decorator)
        17: frozenset({"ORPHAN_HANDLER", "DUPLICATE_HANDLER"}),
    }


def test_comment_suppression_places_and_trailing_comment_at_eof():
    sups = comment_suppressions("h.py", PY)
    assert [(s.place.line, s.place.col, s.target_line) for s in sups] == [
        (1, 20, 1),
        (3, 1, 4),
        (9, 28, 9),
        (10, 12, 10),
        (14, 1, 17),
        (15, 1, 17),
        (19, 1, None),  # nothing follows: can silence nothing
    ]
    assert all(s.kind == "comment" and s.place.path == "h.py" for s in sups)


def test_python_that_does_not_tokenize_falls_back_to_lines():
    text = "def f(:\n    x = 1  # symphony: ignore[HARDCODED_PATH]\n# symphony: ignore\n\ny = '''\n"
    assert parse_comments(text) == {2: frozenset({"HARDCODED_PATH"}), 5: ALL}


def test_parse_gherkin_comments():
    feature = textwrap.dedent(
        """\
        # language: en
        Feature: Deploy
          # symphony: ignore[FEATURE_NARRATIVE_MISSING]

          Scenario: ship it
            # symphony: ignore[STEP_DEFINITION_MISSING]
            # a plain comment
            Given a build # symphony: ignore[SCENARIO_INCOMPLETE]
            Then it ships
        """
    )
    # Gherkin has only whole-line comments: text after a step is step text
    assert parse_comments(feature, "gherkin") == {
        5: frozenset({"FEATURE_NARRATIVE_MISSING"}),
        8: frozenset({"STEP_DEFINITION_MISSING"}),
    }
    with pytest.raises(ValueError, match="unknown language"):
        parse_comments(feature, "yaml")  # type: ignore[arg-type]


def test_bare_and_empty_brackets_mean_all():
    assert parse_comments("x = 1  # symphony: ignore\ny = 2  # symphony: ignore[]\n") == {1: ALL, 2: ALL}
    assert parse_comments("x = 1  # symphony: ignored\n") == {}


SPEC = {
    "id": "deploy",
    "x-symphony-ignore": ["METADATA_MISSING"],
    "movements": [
        {
            "name": "build",
            "x-symphony-ignore": "INVALID_TIMING",
            "beats": [
                {"number": 1, "handler": "a"},
                {"number": 2, "id": "publish", "x-symphony-ignore": ["BDD_SPEC_MISSING", "NO_SUCH_CODE"]},
            ],
        },
        {"name": "empty", "beats": [], "x-symphony-ignore": []},
        {"name": "bad", "beats": [{"number": 3, "x-symphony-ignore": {"not": "a list"}}]},
    ],
}
LINES = {"/x-symphony-ignore": 3, "/movements/0": 6, "/movements/0/beats/1/x-symphony-ignore": 12}


def test_spec_suppressions_at_three_levels():
    sups = spec_suppressions("specs/deploy.json", SPEC, LINES)
    got = [(s.pointer, s.place.line, s.place.pointer, s.codes, s.beats) for s in sups]
    assert got == [
        ("", 3, "/x-symphony-ignore", frozenset({"METADATA_MISSING"}), None),
        (
            "/movements/0",
            6,
            "/movements/0/x-symphony-ignore",
            frozenset({"INVALID_TIMING"}),
            frozenset({"1", "2", "publish"}),
        ),
        (
            "/movements/0/beats/1",
            12,
            "/movements/0/beats/1/x-symphony-ignore",
            frozenset({"BDD_SPEC_MISSING", "NO_SUCH_CODE"}),
            frozenset({"2", "publish"}),
        ),
        ("/movements/1", 1, "/movements/1/x-symphony-ignore", ALL, frozenset()),
        (
            "/movements/2/beats/0",
            1,
            "/movements/2/beats/0/x-symphony-ignore",
            frozenset({"<invalid>"}),
            frozenset({"3"}),
        ),
    ]
    assert all(s.sequence == "deploy" and s.kind == "spec" for s in sups)
    assert spec_suppressions("x.json", ["not", "a", "mapping"]) == []  # type: ignore[arg-type]


def V(code, path="specs/deploy.json", line=1, pointer=None, sequence=None, beat=None):
    return Violation(code, f"{code} here", Place(path, line, 1, pointer=pointer), sequence=sequence, beat=beat)


def test_apply_spec_suppressions():
    sups = spec_suppressions("specs/deploy.json", SPEC, LINES)
    v_meta = V("METADATA_MISSING", pointer="")  # sequence level: whole file
    v_timing_in = V("INVALID_TIMING", pointer="/movements/0/beats/0/timing")
    v_timing_out = V("INVALID_TIMING", pointer="/movements/10/beats/0/timing")  # not a prefix match
    v_bdd = V("BDD_SPEC_MISSING", pointer="/movements/0/beats/1")
    v_bdd_other_beat = V("BDD_SPEC_MISSING", pointer="/movements/0/beats/0")
    # elsewhere, naming the sequence and beat
    v_feature = V("BDD_SPEC_MISSING", path="features/deploy.feature", sequence="deploy", beat="publish")
    v_feature_other_seq = V("BDD_SPEC_MISSING", path="features/x.feature", sequence="other", beat="publish")
    v_handler = V("INVALID_TIMING", path="handlers.py", sequence="deploy", beat="1")
    kept, suppressed, unused = apply_suppressions(
        [v_meta, v_timing_in, v_timing_out, v_bdd, v_bdd_other_beat, v_feature, v_feature_other_seq, v_handler],
        sups,
    )
    assert set(suppressed) == {v_meta, v_timing_in, v_bdd, v_feature, v_handler}
    assert set(kept) == {v_timing_out, v_bdd_other_beat, v_feature_other_seq}
    assert [(u.place.pointer, u.code, u.reason) for u in unused] == [
        ("/movements/1/x-symphony-ignore", None, "unused"),
        ("/movements/2/beats/0/x-symphony-ignore", "<invalid>", "unknown"),
        ("/movements/0/beats/1/x-symphony-ignore", "NO_SUCH_CODE", "unknown"),
    ]


def test_apply_comment_suppressions_reports_unused_and_unknown():
    text = textwrap.dedent(
        """\
        def h():  # symphony: ignore[MISSING_IMPLEMENTATION, SIGNATURE_MISMATCH]
            try:
                run()
            except:  # symphony: ignore[EXCEPTION_SWALLOWD]
                pass
            os.system("x")  # symphony: ignore
            return 1  # symphony: ignore
        """
    )
    sups = comment_suppressions("h.py", text)
    impl = V("MISSING_IMPLEMENTATION", "h.py", 1)
    swallowed = V("EXCEPTION_SWALLOWED", "h.py", 4)
    subproc = V("UNCHECKED_SUBPROCESS", "h.py", 6)
    other_file = V("MISSING_IMPLEMENTATION", "g.py", 1)
    kept, suppressed, unused = apply_suppressions([subproc, swallowed, other_file, impl], sups)
    assert suppressed == [impl, subproc]
    assert kept == [other_file, swallowed]  # sorted by place
    assert [(u.place.line, u.code, u.reason, u.message) for u in unused] == [
        (1, "SIGNATURE_MISMATCH", "unused", "suppression of SIGNATURE_MISMATCH silences nothing"),
        (4, "EXCEPTION_SWALLOWD", "unknown", "suppression names unknown conformity code EXCEPTION_SWALLOWD"),
        (7, None, "unused", "suppression # symphony: ignore silences nothing"),
    ]


def test_active_and_known_codes_narrow_reports():
    sups = comment_suppressions("h.py", "x = 1  # symphony: ignore[SIGNATURE_MISMATCH, ACME_RULE]\n")
    # SIGNATURE_MISMATCH's check did not run: not reported; ACME_RULE is unknown
    _, _, unused = apply_suppressions([], sups, active={"HANDLER_NOT_FOUND"})
    assert [(u.code, u.reason) for u in unused] == [("ACME_RULE", "unknown")]
    # a plugin's code is known when the caller says so
    _, _, unused = apply_suppressions([], sups, known={"SIGNATURE_MISMATCH", "ACME_RULE"})
    assert [(u.code, u.reason) for u in unused] == [("ACME_RULE", "unused"), ("SIGNATURE_MISMATCH", "unused")]


def test_one_violation_uses_every_matching_suppression():
    text = "# symphony: ignore[HARDCODED_PATH]\nx = '/abs'  # symphony: ignore[HARDCODED_PATH]\n"
    sups = comment_suppressions("h.py", text)
    kept, suppressed, unused = apply_suppressions([V("HARDCODED_PATH", "h.py", 2)], sups)
    assert (kept, len(suppressed), unused) == ([], 1, [])


def test_suppression_text():
    s = Suppression("spec", Place("a.json"), frozenset({"B", "A"}), pointer="")
    assert s.text == '"x-symphony-ignore": ["A", "B"]'
    assert Suppression("comment", Place("a.py"), ALL).text == "# symphony: ignore"
