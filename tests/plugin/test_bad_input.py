"""Bad specs are errors that name file, line and what to do; the rest of the session runs."""

import os

import pytest

GOOD = "id: good\nmovements:\n  - name: M\n    beats:\n      - {name: B, handler: ok}\n"


def _with_good(project):
    project.spec("good.yaml", GOOD)
    project.handlers("@handler\ndef ok(): pass\n")


def test_invalid_json_is_one_error_and_the_rest_runs(project):
    _with_good(project)
    project.spec("broken.json", '{\n  "id": "broken",\n  "movements": [\n    {"name": "m" "beats": []}\n  ]\n}\n')
    result = project.run("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*sequences/broken.json:4:*Expecting ','*"])


def test_invalid_yaml_names_line_and_column(project):
    _with_good(project)
    project.spec("broken.yaml", "id: broken\nmovements:\n  - name: [unclosed\n")
    result = project.run("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*sequences/broken.yaml:*:*"])


def test_schema_errors_are_all_reported_with_pointer_and_line(project):
    _with_good(project)
    project.spec(
        "bad.yaml",
        """
        id: bad
        movements:
          - name: M
            beats:
              - {name: A, handler: ok, retries: -1}
              - {name: B, handler: ok, inputs: [not, a, mapping]}
    """,
    )
    result = project.run("-q")
    result.assert_outcomes(passed=1, errors=1)
    out = result.stdout.str()
    assert "movements/0/beats/0/retries:" in out
    assert "movements/0/beats/1/inputs:" in out
    assert "sequences/bad.yaml:5" in out and "sequences/bad.yaml:6" in out


def test_non_utf8_empty_and_alias_bomb(project):
    _with_good(project)
    sequences = project.pytester.path / "sequences"
    (sequences / "latin.yaml").write_bytes("id: caf\xe9\n".encode("latin-1"))
    (sequences / "empty.yaml").write_text("")
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        bomb.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]")
    (sequences / "bomb.yaml").write_text("\n".join(bomb) + "\n")
    result = project.run("-q")
    result.assert_outcomes(passed=1, errors=3)
    out = result.stdout.str()
    assert "latin.yaml:1" in out and "UTF-8" in out
    assert "empty.yaml" in out and "empty" in out
    assert "bomb.yaml" in out


def test_huge_file_is_refused_without_reading_it(project):
    _with_good(project)
    big = project.pytester.path / "sequences" / "huge.json"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    result = project.run("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*huge.json*50.0 MB*limit*"])
    os.remove(big)


def test_duplicate_sequence_ids_name_both_files(project):
    _with_good(project)
    project.spec("zz-copy.yaml", GOOD)
    result = project.run("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*sequences/zz-copy.yaml: sequence id 'good' is already declared in sequences/good.yaml*"]
    )


def test_duplicate_project_handlers_name_both_places(project):
    _with_good(project)
    project.pytester.makeconftest("from pytest_symphony import handler\n\n@handler\ndef ok():\n    pass\n")
    result = project.run("-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*handler 'ok' is registered twice:*"])
    out = result.stdout.str()
    assert "handlers.py:3" in out and "conftest.py:3" in out


def test_a_missing_handler_module_errors_the_beats_that_need_it_not_the_session(project):
    project.ini("symphony_handlers = no_such_module")
    _with_good(project)
    result = project.run("-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*beat 1.1 'B' names handler 'ok', and a handler module of ini symphony_handlers could not be imported:",
            "*no_such_module: ModuleNotFoundError: No module named 'no_such_module'",
        ]
    )


# -- spec content is data, whatever it holds (each case once broke every spec of the run) --


def test_a_lone_surrogate_is_an_error_of_its_file_only(project):
    _with_good(project)
    project.spec(
        "surrogate.json",
        '{"id": "a-\\ud800",\n "movements": [{"name": "m", "beats": [{"name": "a", "handler": "ok"}]}]}',
    )
    result = project.run("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*sequences/surrogate.json:1:*lone surrogate*"])
    assert "INTERNALERROR" not in result.stdout.str() and result.ret == 1


def test_integers_beyond_64_bits_are_errors_of_their_files_only(project):
    _with_good(project)
    project.spec(
        "big.yaml",
        "id: big\nmovements:\n  - name: m\n    beats:\n      - {name: a, handler: ok, beat: 99999999999999999999}\n",
    )
    project.spec(
        "hex.yaml",
        "id: hex\nmovements:\n  - name: m\n    beats:\n      - {name: a, handler: ok, beat: 0x" + "f" * 4000 + "}\n",
    )
    result = project.run("-q")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        ["*sequences/big.yaml:5:*does not fit in 64 bits*", "*sequences/hex.yaml:5:*does not fit in 64 bits*"],
        consecutive=False,
    )
    db = project.pytester.path / ".symphony" / "history.sqlite"
    import sqlite3

    assert sqlite3.connect(db).execute("SELECT count(*) FROM attempts").fetchone()[0] == 1  # the good beat, stored


def test_duplicate_keys_are_an_error_naming_both_lines(project):
    _with_good(project)
    project.spec(
        "dup.yaml",
        "id: dup\nmovements:\n  - name: m\n    beats: [{name: a, handler: ok}]\n"
        "movements:\n  - name: n\n    beats: [{name: b, handler: ok}]\n",
    )
    result = project.run("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*sequences/dup.yaml:5: duplicate key 'movements': first at line 2, again at line 5*"])


@pytest.mark.parametrize(
    "movements",
    [
        "[{}]",
        "[{name: a}]",
        "[{name: a, beats: []}]",
        "[{name: a, beats: 3}]",
        "[{name: a, beatDetails: [{name: b, handler: ok}]}]",
    ],
)
def test_a_spec_that_yields_no_beat_is_an_error_item(project, movements):
    _with_good(project)
    project.spec("none.yaml", f"id: none\nmovements: {movements}\n")
    result = project.run("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*sequences/none.yaml:2: movements/0/beats: movement 1*"])


def test_a_movement_without_beats_beside_others_is_a_warning_at_its_line(project):
    _with_good(project)
    project.spec(
        "part.yaml",
        "id: part\nmovements:\n  - name: m\n    beats: [{name: a, handler: ok}]\n"
        "  - name: lost\n    beatDetails: [{name: b, handler: ok}]\n",
    )
    result = project.run("-q", "-W", "default")
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        ["*sequences/part.yaml:5: SymphonySpecWarning: *movement 2 'lost' has no beat list, but its key 'beatDetails'*"]
    )
