"""Steps of this repository's own features: each scenario builds a small project and runs pytest on it.

The project lives in ``pytester``'s temporary folder: a ``release`` sequence (compile,
pack), its handlers, and the feature files and step definitions a scenario writes.
"""

from __future__ import annotations

import re
import shlex
import textwrap

import pytest
from pytest_bdd import given, parsers, then, when

RELEASE = """\
id: release
name: Release
movements:
  - name: Build
    beats:
      - name: Compile
        handler: compile_sources
      - name: Pack
        handler: pack
"""

HANDLERS = """\
from pathlib import Path

from pytest_symphony import handler


@handler
def compile_sources(symphony):
    if Path("FAIL_COMPILE").exists():
        raise RuntimeError("compiler crashed")
    return {"compiled": True}


@handler
def pack(symphony):
    return {"wheel": "release-1.0.whl"}
"""

STEPS = """\
from pytest_bdd import given, parsers, then


@given("nothing")
def _():
    pass


@then("the sources are compiled")
def _(symphony):
    assert symphony.state["compiled"] is True


@then(parsers.parse('the wheel is "{name}"'))
def _(symphony, name):
    assert symphony.state["wheel"] == name
"""


@given('a project with the sequence "release" whose beats compile and pack', target_fixture="project_dir")
def _(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nsymphony_handlers = handlers\nstrict = true\n")
    (pytester.path / "sequences").mkdir()
    (pytester.path / "sequences" / "release.yaml").write_text(RELEASE)
    (pytester.path / "handlers.py").write_text(HANDLERS)
    (pytester.path / "step_defs").mkdir()
    (pytester.path / "step_defs" / "steps.py").write_text(STEPS)
    return pytester.path


@given(parsers.parse('the feature "{name}":'))
def _(project_dir, name, docstring):
    path = project_dir / "features" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(docstring) + "\n")


@given("the compiler crashes")
def _(project_dir):
    (project_dir / "FAIL_COMPILE").write_text("")


@when(parsers.parse('pytest runs with "{args}"'), target_fixture="result")
def _(pytester: pytest.Pytester, project_dir, args):
    return pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", *shlex.split(args))


@when("pytest runs", target_fixture="result")
def _(pytester: pytest.Pytester, project_dir):
    return pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "-v")


@then(parsers.parse("{count:d} tests are collected:"))
def _(result, count, datatable):
    ids = [line for line in result.outlines if "::" in line and " " not in line.strip()]
    assert ids == [row[0] for row in datatable[1:]]
    assert len(ids) == count


@then("the tests run in this order:")
def _(result, datatable):
    ran = [m.group(1, 2) for m in map(re.compile(r"^(\S+::\S+) (PASSED|FAILED|SKIPPED|ERROR)").match,
                                      result.outlines) if m]
    assert ran == [tuple(row) for row in datatable[1:]]


@then(parsers.parse('the output has the line "{text}"'))
def _(result, text):
    result.stdout.fnmatch_lines([text])


@then(parsers.parse("the outcome is {counts}"))
def _(result, counts):
    expected = {noun: int(n) for n, noun in re.findall(r"(\d+) (\w+)", counts)}
    result.assert_outcomes(**expected)
