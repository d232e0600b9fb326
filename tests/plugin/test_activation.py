"""Installed is not enabled: a project that never configured the plugin runs as with ``-p no:symphony``."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

FEATURE = """\
Feature: Checkout
  Scenario: Paying
    Given a basket
    When I pay
    Then I get a receipt

  Scenario: Refusing
    Given a basket
    Then nothing breaks
"""

CONFTEST = """\
import sys
from pathlib import Path

from pytest_bdd import given, then, when


@given("a basket", target_fixture="basket")
def _basket():
    return ["apple"]


@when("I pay")
def _pay(basket):
    basket.append("paid")


@then("I get a receipt")
def _receipt(basket):
    assert basket[-1] == "paid"


@then("nothing breaks")
def _fine():
    pass


def pytest_sessionfinish(session):
    # what a user of the neighbour project would see: the import path and the plugins at work
    plugins = sorted(name for name, _ in session.config.pluginmanager.list_name_plugin()
                     if "symphony" in str(name))
    out = Path(session.config.rootpath, f"probe-{getattr(session.config, 'workerinput', {}).get('workerid', 'main')}.json")
    out.write_text(__import__("json").dumps({"sys_path": sys.path, "plugins": plugins}))
"""


def _neighbour(pytester: pytest.Pytester) -> None:
    """A realistic pytest-bdd project that has never heard of pytest-symphony."""
    pytester.makeini("[pytest]\ntestpaths = tests\naddopts = --import-mode=importlib\n")
    pytester.mkdir("features")
    (pytester.path / "features" / "checkout.feature").write_text(FEATURE)
    pytester.mkdir("tests")
    (pytester.path / "tests" / "conftest.py").write_text(CONFTEST)
    (pytester.path / "tests" / "test_checkout.py").write_text(
        "from pytest_bdd import scenarios\n\nscenarios('../features/checkout.feature')\n\n\n"
        "def test_plain():\n    assert True\n"
    )
    pytester.mkdir("sequences")  # plain data that merely looks like specs
    (pytester.path / "sequences" / "prices.json").write_text('[{"sku": "apple", "price": 3}]\n')
    (pytester.path / "sequences" / "rates.yaml").write_text("eur: 1.0\nusd: 1.1\n")
    pytester.mkdir("step_defs")
    (pytester.path / "step_defs" / "boom.py").write_text("raise RuntimeError('never import me')\n")


def _probe(pytester: pytest.Pytester, name: str = "main") -> dict:
    return json.loads((pytester.path / f"probe-{name}.json").read_text())


def _cucumber(pytester: pytest.Pytester, name: str) -> list:
    document = json.loads((pytester.path / name).read_text())
    for feature in document:
        for element in feature["elements"]:
            for step in element["steps"]:
                step["result"].pop("duration", None)
    return document


def test_a_pytest_bdd_neighbour_runs_exactly_as_without_the_plugin(pytester: pytest.Pytester):
    _neighbour(pytester)
    without = pytester.runpytest_subprocess("-p", "no:symphony", "--cucumberjson=without.json", "-v")
    probe_without = _probe(pytester)
    with_plugin = pytester.runpytest_subprocess("--cucumberjson=with.json", "-v")
    probe_with = _probe(pytester)
    with_plugin.assert_outcomes(passed=3)
    assert with_plugin.parseoutcomes() == without.parseoutcomes()
    assert _passed_lines(with_plugin) == _passed_lines(without)
    assert probe_with["sys_path"] == probe_without["sys_path"]
    assert probe_with["plugins"] == ["symphony"]  # the entry point alone: no area, no scheduler
    assert _cucumber(pytester, "with.json") == _cucumber(pytester, "without.json")
    assert not (pytester.path / ".symphony").exists()


def _passed_lines(result) -> list[str]:
    return sorted(line.split(" ")[0] for line in result.outlines if " PASSED" in line or " FAILED" in line)


def test_the_neighbour_under_xdist_keeps_xdist_scheduling(pytester: pytest.Pytester):
    pytest.importorskip("xdist")
    _neighbour(pytester)
    result = pytester.runpytest_subprocess("-n", "2", "--cucumberjson=xdist.json")
    result.assert_outcomes(passed=3)
    for worker in ("gw0", "gw1"):
        assert _probe(pytester, worker)["plugins"] == ["symphony"]
    without = pytester.runpytest_subprocess("-n", "2", "-p", "no:symphony", "--cucumberjson=plain.json")
    assert _cucumber(pytester, "xdist.json") == _cucumber(pytester, "plain.json")
    assert without.parseoutcomes() == result.parseoutcomes()


def test_collect_only_of_the_neighbour_lists_the_same_items(pytester: pytest.Pytester):
    _neighbour(pytester)
    plain = pytester.runpytest("--collect-only", "-q", "-p", "no:symphony")
    ours = pytester.runpytest("--collect-only", "-q")
    assert [line for line in ours.outlines if "::" in line] == [line for line in plain.outlines if "::" in line]
    assert len([line for line in ours.outlines if "::" in line]) == 3


SPEC = "id: release\nmovements:\n  - name: Build\n    beats:\n      - {name: Compile, handler: compile}\n"
HANDLERS = "from pytest_symphony import handler\n\n\n@handler\ndef compile():\n    pass\n"


@pytest.mark.parametrize("how", ["ini", "pyproject", "option", "toml-subtable"])
def test_a_project_turns_the_plugin_on_by_configuring_it(pytester: pytest.Pytester, how: str):
    pytester.mkdir("sequences")
    (pytester.path / "sequences" / "release.yaml").write_text(SPEC)
    args: list[str] = ["-p", "pytester"]  # any argument list works; the plugin must be on in each case
    conftest = HANDLERS
    if how == "ini":
        pytester.makeini("[pytest]\nsymphony_paths = sequences\n")
    elif how == "pyproject":
        pytester.makepyprojecttoml("[tool.symphony]\n")
    elif how == "toml-subtable":
        pytester.makepyprojecttoml('[tool.symphony.build]\npackages = ["."]\n')
    else:
        pytester.makeini("[pytest]\n")
        args.append("--symphony=release")
    pytester.makeconftest(conftest)
    result = pytester.runpytest(*args, "-v")
    result.stdout.fnmatch_lines(["sequences/release.yaml::release::build::compile PASSED*"])


def test_without_configuration_specs_are_not_collected(pytester: pytest.Pytester):
    pytester.mkdir("sequences")
    (pytester.path / "sequences" / "release.yaml").write_text(SPEC)
    pytester.makeconftest(HANDLERS)
    pytester.makepyprojecttoml('[project]\nname = "x"\ndescription = "mentions symphony in passing"\n')
    result = pytester.runpytest("-v")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_handler_module_that_cannot_import_errors_its_beats_and_the_rest_runs(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nsymphony_handlers = handlers other\n")
    pytester.mkdir("sequences")
    (pytester.path / "sequences" / "release.yaml").write_text(
        textwrap.dedent("""\
        id: release
        movements:
          - name: Build
            beats:
              - {name: Compile, handler: compile}
              - {name: Lint, handler: "other#lint"}
        """)
    )
    (pytester.path / "sequences" / "docs.yaml").write_text(
        "id: docs\nmovements:\n  - name: Docs\n    beats:\n      - {name: Write, handler: write_docs}\n"
    )
    pytester.makepyfile(
        handlers="import no_such_module\n\nfrom pytest_symphony import handler\n\n\n"
        "@handler\ndef compile():\n    pass\n"
    )
    pytester.makepyfile(
        other="from pytest_symphony import handler\n\n\n@handler\ndef lint():\n    pass\n\n\n"
        "@handler\ndef write_docs():\n    pass\n"
    )
    result = pytester.runpytest("-v")
    result.stdout.fnmatch_lines(
        [
            "*sequences/docs.yaml::docs::docs::write PASSED*",
            "*sequences/release.yaml::release::build::compile FAILED*",
            "*sequences/release.yaml::release::build::lint SKIPPED*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*beat 1.1 'Compile' names handler 'compile', and a handler module of ini symphony_handlers could not "
            "be imported:",
            "*handlers: handlers.py:1: ModuleNotFoundError: No module named 'no_such_module'",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def _run_elsewhere(pytester: pytest.Pytester, *args: str) -> subprocess.CompletedProcess:
    """pytest started from a folder beside the project, so the rootdir is on sys.path only if put there."""
    elsewhere = pytester.path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    root = str(pytester.path)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--rootdir",
            root,
            "-c",
            f"{root}/tox.ini",
            "-p",
            "no:cacheprovider",
            root,
            *args,
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )


def test_handler_modules_import_without_touching_sys_path_under_importlib_mode(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nsymphony_handlers = handlers\naddopts = --import-mode=importlib\n")
    pytester.mkdir("sequences")
    (pytester.path / "sequences" / "release.yaml").write_text(SPEC)
    pytester.makepyfile(handlers=HANDLERS)
    pytester.makeconftest(
        "import json, sys\n\n\ndef pytest_sessionfinish(session):\n"
        "    open(session.config.rootpath / 'path.json', 'w').write(json.dumps(sys.path))\n"
    )
    _run_elsewhere(pytester, "-p", "no:symphony")
    plain = json.loads((pytester.path / "path.json").read_text())
    result = _run_elsewhere(pytester, "-v")
    assert "sequences/release.yaml::release::build::compile PASSED" in result.stdout, result.stdout + result.stderr
    assert json.loads((pytester.path / "path.json").read_text()) == plain
    assert str(pytester.path) not in plain


def test_handler_modules_follow_the_prepend_mode_like_a_test_module(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nsymphony_handlers = handlers\n")
    pytester.mkdir("sequences")
    (pytester.path / "sequences" / "release.yaml").write_text(SPEC)
    pytester.makepyfile(helpers="VALUE = 1\n")  # a sibling the handler module imports, as tests do
    pytester.makepyfile(handlers="import helpers\n\n" + HANDLERS)
    result = _run_elsewhere(pytester, "-v")
    assert "sequences/release.yaml::release::build::compile PASSED" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("args", [(), ("features", "tests")])
def test_a_symphony_project_never_collects_a_bound_feature_twice(pytester: pytest.Pytester, args):
    _neighbour(pytester)
    pytester.makeini(
        "[pytest]\ntestpaths = tests\naddopts = --import-mode=importlib\n"
        "symphony_paths = pipelines\nsymphony_step_defs =\n"
    )
    result = pytester.runpytest_subprocess("-v", *args)
    result.assert_outcomes(passed=3)
    assert not [line for line in result.outlines if line.startswith("features/")]
