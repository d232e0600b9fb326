"""Bad spec files never raise: they give problems that name the line, column and the fix."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from pytest_symphony.score.loader import load_spec
from pytest_symphony.score.model import SpecProblem


def problems_of(tmp_path: Path, name: str, content: str | bytes, **kw) -> tuple[SpecProblem, ...]:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    result = load_spec(path, display_path=f"sequences/{name}", **kw)
    assert result.sequence is None
    assert result.problems, "a failed load must say why"
    assert all(p.path == f"sequences/{name}" for p in result.problems)
    return result.problems


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    (p,) = problems_of(
        tmp_path, "broken.json", '{\n  "id": "x",\n  "movements": [\n    {"name": "m" "beats": []}\n  ]\n}\n'
    )
    assert (p.line, p.column) == (4, 18)
    assert p.message == "invalid JSON: Expecting ',' delimiter at line 4 column 18"
    assert str(p) == "sequences/broken.json:4:18: invalid JSON: Expecting ',' delimiter at line 4 column 18"


def test_invalid_json_trailing_comma_and_duplicate_free_fallback(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "trailing.json", '{"id": "x",\n "movements": [1,]\n}')
    assert p.line == 2 and "invalid JSON" in p.message


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "broken.yaml", "id: broken\nmovements:\n  - name: [unclosed\n")
    assert p.message.startswith("invalid YAML: did not find expected ',' or ']'")
    assert "flow sequence at line 3" in p.message
    assert (p.line, p.column) == (4, 1)


def test_invalid_yaml_indentation(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "indent.yaml", "id: x\nmovements:\n  - name: a\n   beats: []\n")
    assert p.line == 4 and p.message.startswith("invalid YAML:")


def test_yaml_control_character(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "ctrl.yaml", "id: x\nname: a\x07b\n")
    assert (p.line, p.column) == (2, 8)
    assert "#x07" in p.message


def test_non_utf8_points_at_the_first_bad_byte(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "latin.yaml", "id: ok\nname: caf\xe9\n".encode("latin-1"))
    assert (p.line, p.column) == (2, 10)
    assert "0xe9" in p.message and p.message.endswith("save the file as UTF-8")


def test_utf16_is_named(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "wide.json", '{"id": "x"}'.encode("utf-16"))
    assert "UTF-16" in p.message and "save the file as UTF-8" in p.message


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfid: bom\nmovements:\n  - beats: [{handler: h}]\n")
    result = load_spec(path)
    assert result.problems == ()
    assert result.sequence.id == "bom" and result.sequence.beats[0].line == 3


@pytest.mark.parametrize(
    ("name", "content"), [("empty.json", ""), ("blank.yaml", "  \n\n\t\n"), ("comments.yaml", "# nothing\n")]
)
def test_empty_files(tmp_path: Path, name: str, content: str) -> None:
    (p,) = problems_of(tmp_path, name, content)
    assert p.message == "file is empty: a spec needs at least an id and movements"


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("list.yaml", "- a\n- b\n", "a list"),
        ("list.json", "[1, 2]", "a list"),
        ("scalar.yaml", "just text\n", "a string"),
        ("number.json", "42", "a number"),
    ],
)
def test_top_level_must_be_a_mapping(tmp_path: Path, name: str, content: str, kind: str) -> None:
    (p,) = problems_of(tmp_path, name, content)
    assert p.message.startswith(f"the top level is {kind}; a spec is a mapping")
    assert p.line == 1


def test_several_yaml_documents(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "multi.yaml", "id: a\nmovements: []\n---\nid: b\n")
    assert p.line == 3 and "second YAML document" in p.message


def test_python_tags_are_refused(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "tag.yaml", "id: x\nrun: !!python/object/apply:os.system [echo hi]\n")
    assert p.line == 2
    assert p.message.startswith("YAML tag !!python/object/apply:os.system is not allowed")


def test_undefined_and_recursive_aliases(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "undef.yaml", "id: x\nmovements: *nowhere\n")
    assert (p.line, p.column) == (2, 12) and "alias *nowhere names no anchor" in p.message
    (p,) = problems_of(tmp_path, "rec.yaml", "id: x\nloop: &a [1, *a]\n")
    assert p.line == 2 and "recursive" in p.message


def test_alias_bomb_stops_fast_at_the_alias(tmp_path: Path) -> None:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 12):
        name, prev = chr(97 + i), chr(96 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    start = time.perf_counter()
    (p,) = problems_of(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 0.5
    assert "aliases expand to more than 100,000 nodes" in p.message
    assert (p.line, p.column) == (5, 36) and "at alias *d" in p.message  # the 8th *d on e's line


def test_over_max_bytes_is_refused(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "big.yaml", "id: x\n#" + "-" * (3072 - 8) + "\n", max_bytes=1024)
    assert p.message == ("file is 3.0 KB, over the 1.0 KB limit for spec files (ini symphony_max_spec_bytes); split it")


def test_a_50_mb_file_is_refused_without_reading_it(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: nothing is written
    import builtins

    real_open = builtins.open
    reads: list[int] = []

    class Spy:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def fileno(self):
            return self.fh.fileno()

        def read(self, n=-1):
            reads.append(n)
            return self.fh.read(n)

    monkeypatch.setattr(builtins, "open", lambda *a, **k: Spy(real_open(*a, **k)))
    start = time.perf_counter()
    result = load_spec(path, display_path="sequences/huge.json")
    monkeypatch.undo()
    assert time.perf_counter() - start < 0.5
    assert reads == []
    (p,) = result.problems
    assert str(p) == (
        "sequences/huge.json: file is 50.0 MB, over the 10.0 MB limit for spec files "
        "(ini symphony_max_spec_bytes); split it"
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    result = load_spec(tmp_path / "nope.yaml")
    assert result.sequence is None
    assert result.problems[0].message.startswith("cannot read the spec file: No such file")
    (tmp_path / "dir.json").mkdir()
    assert load_spec(tmp_path / "dir.json").problems[0].message == "cannot read the spec file: it is a directory"
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it would block: it is refused by its stat
    assert (
        load_spec(tmp_path / "pipe.yaml").problems[0].message == "cannot read the spec file: it is not a regular file"
    )


def test_deep_nesting_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "deep.json", '{"id": "x", "inputs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert "nested too deeply" in p.message


def test_missing_movements(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, "nomoves.yaml", "id: x\nname: y\n")
    assert p.pointer == "/movements" and p.line == 1
    assert p.message.startswith("movements: missing: a sequence needs a list of movements")
    (p,) = problems_of(tmp_path, "empty-moves.yaml", "id: x\nmovements: []\n")
    assert p.message == "movements: [] should be non-empty" and p.pointer == "/movements"
    (p,) = problems_of(tmp_path, "count.yaml", "id: x\nmovements: 3\n")
    assert "3 is a count" in p.message


def test_all_schema_errors_are_reported_with_pointer_and_line(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path,
        "bad.yaml",
        """\
        id: bad
        events: [ok, 7]
        movements:
          - name: M
            beats:
              - {name: A, handler: ok, retries: -1}
              - {name: B, handler: ok, inputs: [not, a, mapping]}
              - just-a-string
              - name: 5
                handler: {scope: x}
                timeout: [1]
                dynamics: 3
                acceptanceCriteria: [{foo: 1}, 3]
          - 7
          - name: N
            beats: five
        """,
    )
    got = [(p.line, p.pointer, p.message) for p in problems]
    assert got == [
        (1, "/events/1", "events/1: 7 is not of type 'string'"),
        (6, "/movements/0/beats/0/retries", "movements/0/beats/0/retries: -1 is less than the minimum of 0"),
        (
            7,
            "/movements/0/beats/1/inputs",
            "movements/0/beats/1/inputs: ['not', 'a', 'mapping'] is not of type 'object'",
        ),
        (
            8,
            "/movements/0/beats/2",
            "movements/0/beats/2: 'just-a-string' is a string; a beat must be a mapping (name, handler, ...)",
        ),
        (9, "/movements/0/beats/3/dynamics", "movements/0/beats/3/dynamics: 3 is not of type 'string', 'null'"),
        (9, "/movements/0/beats/3/name", "movements/0/beats/3/name: 5 is not of type 'string', 'null'"),
        (
            9,
            "/movements/0/beats/3/timeout",
            "movements/0/beats/3/timeout: [1] is not of type 'number', 'string', 'null'",
        ),
        (
            10,
            "/movements/0/beats/3/handlers/0",
            "movements/0/beats/3/handlers/0: a handler object needs a name, e.g. name: 'module#function'",
        ),
        (
            13,
            "/movements/0/beats/3/acceptanceCriteria/0",
            "movements/0/beats/3/acceptanceCriteria/0: an acceptance criterion needs a sentence or given/when/then parts",
        ),
        (
            13,
            "/movements/0/beats/3/acceptanceCriteria/1/text",
            "movements/0/beats/3/acceptanceCriteria/1/text: 3 is not of type 'string'",
        ),
        (14, "/movements/1", "movements/1: 7 is a number; a movement must be a mapping with beats"),
        (
            15,
            "/movements/2/beats",
            "movements/2/beats: 'five' is a string; beats must be a list of beats (or an integer count)",
        ),
    ]
    assert str(problems[1]) == ("sequences/bad.yaml:6: movements/0/beats/0/retries: -1 is less than the minimum of 0")


def test_wrong_types_at_the_top(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path,
        "top.json",
        '{"id": 5, "name": ["n"], "events": "e", "governance": [], "beats": -2, "handlers": 3, "rollback": 4,\n'
        ' "movements": [{"beats": [{"handler": 5, "retries": true, "subsequence": ""}]}]}',
    )
    by_pointer = {p.pointer: p for p in problems}
    assert set(by_pointer) == {
        "/id",
        "/name",
        "/events",
        "/governance",
        "/declaredBeats",
        "/handlers",
        "/rollback",
        "/movements/0/beats/0/handler",
        "/movements/0/beats/0/retries",
        "/movements/0/beats/0/subsequence",
    }
    assert by_pointer["/id"].message == "id: 5 is not of type 'string'"
    assert (
        by_pointer["/movements/0/beats/0/retries"].message
        == "movements/0/beats/0/retries: True is not of type 'integer'"
    )
    assert by_pointer["/movements/0/beats/0/retries"].line == 2
    assert all(p.line in (1, 2) for p in problems)


def test_a_bug_in_the_loader_is_a_problem_not_a_crash(tmp_path: Path, monkeypatch) -> None:
    from pytest_symphony.score import loader

    def broken(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(loader, "normalize", broken)
    (p,) = problems_of(tmp_path, "ok.yaml", "id: x\nmovements: [{beats: []}]\n")
    assert p.message == "internal error while loading the spec (KeyError: 'oops'); please report it"
