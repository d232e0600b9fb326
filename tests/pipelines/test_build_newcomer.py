"""Conformity and the build on a newcomer's workspace: siblings are not "not installed", manifests are outputs."""

from __future__ import annotations

import pytest

from .conftest import add_package, write

pytest.importorskip("pytest_symphony.conformity.engine", reason="the conformity engine checks the workspace")

SPEC = """
id: {id}
name: {id}
version: "1.0.0"
kind: workflow
status: active
description: a sequence
movements:
  - name: Ship
    beats:
      - name: Ship
        handler: ship
"""


def _workspace(root, *, app_deps: str) -> None:
    write(
        root / "pyproject.toml",
        f"""
        [project]
        name = "app"
        version = "1.0.0"
        dependencies = [{app_deps}]

        [tool.symphony.build]
        packages = [".", "packages/*"]
    """,
    )
    add_package(root, "packages/core-lib", "core-lib")


def test_a_dependency_on_a_sibling_package_is_not_reported_as_not_installed(pytester: pytest.Pytester):
    _workspace(pytester.path, app_deps='"core-lib>=0.1", "not-a-dist-xyz>=1"')
    pytester.makeini("[pytest]\nsymphony_handlers =\n")
    result = pytester.runpytest("--symphony=conformity", "--symphony-dynamic=f", "-p", "no:randomly")
    out = result.stdout.str()
    assert "'not-a-dist-xyz>=1': it is not installed" in out  # a real missing dependency is still reported
    assert "core-lib" not in out.split("short test summary")[0].split("VERSION_CONSTRAINT_VIOLATED", 1)[-1]
    assert "requires 'core-lib>=0.1'" not in out


def _with_spec(pytester: pytest.Pytester, *ini: str) -> None:
    write(pytester.path / "sequences" / "one.yaml", SPEC.format(id="one"))
    pytester.makepyfile(
        handlers='from pytest_symphony import handler\n\n@handler\ndef ship():\n    return {"shipped": True}\n'
    )
    pytester.makeini("[pytest]\nsymphony_handlers = handlers\n" + "".join(f"{line}\n" for line in ini))


def test_manifests_of_an_earlier_build_do_not_fail_conformity_when_a_spec_is_added(
    pytester: pytest.Pytester, build_run
):
    _with_spec(pytester)
    add_package(pytester.path, ".", "solo")
    assert build_run("--symphony-dynamic=p", "-k", "validation or manifest").ret == 0
    assert (pytester.path / ".symphony" / "manifests" / "sequences.json").is_file()
    write(pytester.path / "sequences" / "two.yaml", SPEC.format(id="two"))
    result = pytester.runpytest("--symphony=conformity", "-p", "no:randomly")
    assert "MANIFEST_MISMATCH" not in result.stdout.str()


def test_committed_manifests_are_written_by_the_build_compared_by_conformity_and_regenerated_by_the_fix(
    pytester: pytest.Pytester, build_run
):
    _with_spec(pytester, "symphony_manifests = build/manifests")
    add_package(pytester.path, ".", "solo")
    assert build_run("--symphony-dynamic=p", "-k", "validation or manifest").ret == 0
    committed = pytester.path / "build" / "manifests"
    assert (committed / "sequences.json").is_file() and (committed / "index.json").is_file()
    assert not (pytester.path / ".symphony" / "manifests").exists()
    write(pytester.path / "sequences" / "two.yaml", SPEC.format(id="two"))
    result = pytester.runpytest("--symphony=conformity", "-p", "no:randomly")
    result.stdout.fnmatch_lines(
        ["*MANIFEST_MISMATCH*sequence 'two' is missing from the build manifest build/manifests/sequences.json*"]
    )
    assert pytester.runpytest("--symphony-fix", "-p", "no:randomly").ret == 0
    assert '"id": "two"' in (committed / "sequences.json").read_text()
    assert "MANIFEST_MISMATCH" not in pytester.runpytest("--symphony=conformity", "-p", "no:randomly").stdout.str()
