"""--symphony-scaffold: a linked scenario per acceptance criterion, step stubs, and nothing twice."""

from __future__ import annotations

import ast
import json

import pytest

SHIP = """
id: ship
name: Ship
userStory: {persona: releaser, goal: wheels on the index, benefit: users can install}
movements:
  - name: Build
    beats:
      - name: Compile
        handler: compile_sources
        acceptanceCriteria:
          - The sources compile without warnings
          - given: [sources are checked out, the compiler is installed]
            when: the build runs
            then: [an object file exists]
            and: [the log is clean]
        acceptanceCriteriaStructured:
          - {given: a cached build, then: nothing is recompiled}
  - name: Publish
    beats:
      - name: Upload
        handler: upload
        acceptanceCriteria:
          - {given: [a wheel], when: [it is uploaded], then: [the index lists it]}
"""

HANDLERS = """
@handler
def compile_sources():
    pass

@handler
def upload():
    pass
"""


def _scaffold(bdd, *args):
    return bdd.run("--symphony-scaffold=ship", *args)


def test_scaffold_writes_a_linked_scenario_per_criterion_in_every_form(bdd):
    bdd.spec("ship.yaml", SHIP)
    bdd.handlers(HANDLERS)
    result = _scaffold(bdd)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "symphony scaffold: features/ship.feature: 4 scenario(s) added, linked to 2 beat(s)",
            "symphony scaffold: step_defs/ship_steps.py: 11 step stub(s) added",
            "symphony: wrote features/ship.feature",
            "symphony: wrote step_defs/ship_steps.py",
        ]
    )
    feature = (bdd.path / "features" / "ship.feature").read_text()
    assert feature.endswith("""\
Feature: Ship
  As a releaser
  I want wheels on the index
  So that users can install

  @beat:ship/compile
  Scenario: Compile: The sources compile without warnings
    Then The sources compile without warnings

  @beat:ship/compile
  Scenario: Compile: sources are checked out
    Given sources are checked out
    And the compiler is installed
    When the build runs
    Then an object file exists
    And the log is clean

  @beat:ship/compile
  Scenario: Compile: a cached build
    Given a cached build
    Then nothing is recompiled

  @beat:ship/upload
  Scenario: Upload: a wheel
    Given a wheel
    When it is uploaded
    Then the index lists it
""")
    stubs = (bdd.path / "step_defs" / "ship_steps.py").read_text()
    assert (
        "@given('sources are checked out')\ndef _():\n    pytest.skip('step not written yet: Given sources are checked out')"
        in stubs
    )
    # the scaffolded feature parses and links; its stubs skip, saying what to write: nothing turns red
    result = bdd.run("-v", "-rs", "--symphony=ship")
    result.assert_outcomes(passed=2, skipped=4)
    result.stdout.fnmatch_lines(
        [
            "*::compile PASSED*",
            "*::compile-the-sources-compile-without-warnings SKIPPED*",
            "*::compile-sources-are-checked-out SKIPPED*",
            "*::compile-a-cached-build SKIPPED*",
            "*::upload PASSED*",
            "*::upload-a-wheel SKIPPED*",
            "SKIPPED * step not written yet: Then The sources compile without warnings",
        ]
    )


def test_scaffolding_twice_changes_nothing(bdd):
    bdd.spec("ship.yaml", SHIP)
    bdd.handlers(HANDLERS)
    _scaffold(bdd)
    files = [bdd.path / "features" / "ship.feature", bdd.path / "step_defs" / "ship_steps.py"]
    before = [f.read_bytes() for f in files]
    result = _scaffold(bdd)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "symphony scaffold: features/ship.feature: every acceptance criterion already has its scenario",
            "symphony scaffold: every step already has a definition",
        ]
    )
    assert "symphony: wrote" not in result.stdout.str()
    assert [f.read_bytes() for f in files] == before


def test_scaffold_only_appends_what_is_missing_and_keeps_user_edits(bdd):
    bdd.spec("ship.yaml", SHIP)
    bdd.handlers(HANDLERS)
    mine = """\
# my notes
Feature: Ship (mine)

  @beat:ship/compile
  Scenario: Sources are ready
    Given sources are checked out
    And the compiler is installed
    When the build runs
    Then an object file exists
    And the log is clean

  Scenario: Upload: a wheel
    Given a wheel I renamed"""
    bdd.feature("ship.feature", mine)
    bdd.steps("""
        from pytest_bdd import given

        @given("a cached build")
        def _():
            pass
    """)
    result = _scaffold(bdd)
    result.stdout.fnmatch_lines(["symphony scaffold: features/ship.feature: 2 scenario(s) added, linked to 1 beat(s)"])
    text = (bdd.path / "features" / "ship.feature").read_text()
    assert text.startswith(mine + "\n")  # kept byte for byte, in place
    added = text[len(mine) :]
    assert "Scenario: Compile: The sources compile without warnings" in added
    assert "Scenario: Compile: a cached build" in added
    assert "Compile: sources are checked out" not in added  # same beat and steps as "Sources are ready"
    stubs = (bdd.path / "step_defs" / "ship_steps.py").read_text()
    assert "'a cached build'" not in stubs  # a definition matches it
    assert "'a wheel I renamed'" in stubs


def test_scaffold_names_the_known_sequences_for_an_unknown_one(bdd):
    bdd.spec("ship.yaml", SHIP)
    bdd.handlers(HANDLERS)
    result = bdd.run("--symphony-scaffold=shpi")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --symphony-scaffold: no sequence 'shpi' (known: *ship*)"])


def test_scaffold_refuses_a_feature_that_does_not_parse(bdd):
    bdd.spec("ship.yaml", SHIP)
    bdd.handlers(HANDLERS)
    broken = "Feature: Ship\n  Scenario: Broken\n    And nothing\n"
    bdd.feature("ship.feature", broken)
    result = _scaffold(bdd)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --symphony-scaffold: */features/ship.feature:3: First step*fix that line first"]
    )
    assert (bdd.path / "features" / "ship.feature").read_text() == broken


# -- spec text is data: hostile ids and criteria -------------------------------------------

HOSTILE_IDS = [
    'a"""+__import__("os").system("touch${IFS}pwned")+"""',
    "b'''+open('pwned','w').close()+'''",
    "c\\\"+exec(\"open('pwned','w')\")+\"",
    "{feature}{sequence}%s\\N{BELL}",
]


def _hostile_spec(bdd, sequence_id: str) -> None:
    spec = {
        "id": sequence_id,
        "name": "Ship",
        "movements": [
            {
                "name": "Build",
                "beats": [
                    {
                        "name": "Compile",
                        "handler": "compile_sources",
                        "acceptanceCriteria": [
                            {
                                "given": 'a """ quote\')\nimport os; os.system("touch pwned")  #',
                                "when": "it's run'''",
                                "then": ["nothing runs", "\\x00 stays text"],
                            }
                        ],
                    }
                ],
            }
        ],
    }
    path = bdd.path / "sequences" / "ship.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec), encoding="utf-8")
    bdd.handlers(HANDLERS)


def _tree(top) -> set:
    """Every file and folder under ``top`` but pytest's and symphony's own caches and runs."""
    return {p for p in top.rglob("*") if not {"__pycache__", ".pytest_cache", ".symphony"} & set(p.parts)}


@pytest.mark.parametrize("sequence_id", HOSTILE_IDS)
def test_hostile_ids_and_criteria_become_literals_never_code(bdd, sequence_id):
    """Every piece of spec text in the step module is a `repr()` literal: the module compiles
    to a docstring, two imports and one skipping stub per step, nothing else."""
    _hostile_spec(bdd, sequence_id)
    outside = _tree(bdd.path.parent) - _tree(bdd.path)
    result = bdd.run(f"--symphony-scaffold={sequence_id}")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert _tree(bdd.path.parent) - _tree(bdd.path) == outside, "nothing written outside the project"
    (module,) = (bdd.path / "step_defs").glob("*_steps.py")
    assert module.name.replace("_steps.py", "").isidentifier()
    source = module.read_text(encoding="utf-8")
    tree = ast.parse(source)
    compile(tree, str(module), "exec")
    doc, *imports_and_stubs = tree.body
    assert isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and sequence_id in doc.value.value
    imports = [n for n in imports_and_stubs if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [ast.unparse(n) for n in imports] == ["import pytest", "from pytest_bdd import given, then, when"]
    stubs = imports_and_stubs[len(imports) :]
    assert len(stubs) == 4  # Given, When, Then, And
    for stub in stubs:
        assert isinstance(stub, ast.FunctionDef) and stub.name == "_" and not stub.args.args
        (decorator,) = stub.decorator_list
        assert isinstance(decorator, ast.Call) and decorator.func.id in ("given", "when", "then")
        assert [type(a) for a in decorator.args] == [ast.Constant] and not decorator.keywords
        (call,) = stub.body
        assert ast.unparse(call.value.func) == "pytest.skip"
        assert [type(a) for a in call.value.args] == [ast.Constant]
        assert call.value.args[0].value.startswith("step not written yet: ")
    # the scaffold runs: its scenario links and skips, and nothing the spec holds is executed
    again = bdd.run("-rs")
    again.assert_outcomes(passed=1, skipped=1)
    assert not list(bdd.path.rglob("pwned"))


@pytest.mark.parametrize("sequence_id", ["../../x", "/tmp/x", "has space", "tab\tid", "a/b", "nul\x00id", "@beat"])
def test_an_id_no_tag_can_carry_writes_nothing_and_says_why(bdd, sequence_id):
    _hostile_spec(bdd, sequence_id)
    before = _tree(bdd.path.parent)
    result = bdd.run(f"--symphony-scaffold={sequence_id}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*--symphony-scaffold: sequence id * which a @beat:<sequence-id>/<beat> tag cannot "
            "carry: rename the sequence*"
        ]
    )
    assert _tree(bdd.path.parent) == before


def test_feature_home_finds_the_sequence_in_any_folder_and_else_the_folder_nearest_its_spec():
    from pytest_symphony.bdd.placement import feature_home

    folders = ["features", "packages/canvas/features"]
    existing = [("features/other.feature", {"other"}), ("packages/canvas/features/mine.feature", {"canvas"})]
    assert feature_home("canvas", "sequences/canvas.json", folders, existing) == "packages/canvas/features/mine.feature"
    assert (
        feature_home(
            "ship", "sequences/ship.json", folders, existing + [("packages/canvas/features/ship.feature", set())]
        )
        == "packages/canvas/features/ship.feature"
    )
    assert (
        feature_home("new", "packages/canvas/json-sequences/new.json", folders, existing)
        == "packages/canvas/features/new.feature"
    )
    assert feature_home("New Thing!", "sequences/x.json", folders, existing) == "features/new-thing.feature"


def test_scaffold_appends_to_the_feature_the_sequence_has_in_another_folder(bdd, tmp_path):
    """Given every features folder (the edit asked of bdd/plugin.py), --symphony-scaffold
    appends to the sequence's feature wherever it is, instead of writing a second one."""
    from pytest_symphony.bdd.scaffold import scaffold
    from pytest_symphony.score.loader import load_spec

    bdd.spec("ship.yaml", SHIP)
    bdd.feature(
        "ship.feature",
        "Feature: Ship\n\n  @beat:ship/upload\n  Scenario: mine\n    Given a wheel\n"
        "    When it is uploaded\n    Then the index lists it\n",
        folder="packages/features",
    )
    seq = load_spec(bdd.path / "sequences" / "ship.yaml", display_path="sequences/ship.yaml").sequence
    result = scaffold(
        seq,
        "sequences/ship.yaml",
        [bdd.path / "features", bdd.path / "packages" / "features"],
        bdd.path / "step_defs",
        [],
        root=bdd.path,
    )
    assert result.feature_path == bdd.path / "packages" / "features" / "ship.feature"
    assert not (bdd.path / "features").exists()
    assert result.scenarios_added == 3
