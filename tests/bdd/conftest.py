"""A project builder for BDD runs: the core ``project`` plus features and step definition modules."""

from __future__ import annotations

import json
import textwrap

import pytest

RELEASE = """
id: release
name: Release
movements:
  - name: Build
    beats:
      - name: Compile
        handler: compile_sources
      - name: Pack
        handler: pack
        scenario: The wheel is named after the release
"""

HANDLERS = """
from pathlib import Path

@handler
def compile_sources(symphony):
    if Path("FAIL_COMPILE").exists():
        raise RuntimeError("compiler crashed")
    return {"compiled": True}

@handler
def pack(symphony):
    return {"wheel": "release-1.0.whl"}
"""

STEPS = """
from pytest_bdd import given, parsers, then, when


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


class BddProject:
    def __init__(self, project) -> None:
        self.project = project
        self.pytester: pytest.Pytester = project.pytester
        self.path = self.pytester.path
        project.ini("strict = true")
        project.handlers("")  # the ini names a handlers module; release() fills it

    def release(self) -> "BddProject":
        """The two-beat ``release`` sequence, its handlers and the steps that read its state."""
        self.project.spec("release.yaml", RELEASE)
        self.project.handlers(HANDLERS)
        self.steps(STEPS)
        return self

    def feature(self, name: str, text: str, folder: str = "features") -> None:
        path = self.path / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")

    def steps(self, text: str, name: str = "steps", folder: str = "step_defs") -> None:
        path = self.path / folder / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")

    def spec(self, name: str, text: str) -> None:
        self.project.spec(name, text)

    def handlers(self, text: str) -> None:
        self.project.handlers(text)

    def ini(self, *lines: str) -> None:
        self.project.ini("strict = true", *lines)

    def run(self, *args: str):
        return self.pytester.runpytest("-p", "no:randomly", *args)

    def telemetry(self) -> list[dict]:
        [path] = (self.path / ".symphony" / "runs").glob("*/telemetry.jsonl")
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def bdd(project) -> BddProject:
    return BddProject(project)
