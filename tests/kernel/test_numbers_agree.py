"""A declared beat number read alike by a run and by the conformity checker, in one session.

The run numbers a beat by what its spec declares (messages say ``beat 1.3``); the checker
judges the same declaration (BEAT_NUMBERING_GAP, DUPLICATE_BEAT_ID).  Both read the
model's one reading of it (``Beat.number`` and ``Beat.declared``, made together); the
cases are where they drifted: a number written as a string or as an integral float was
the run's number but no declared number to the checker.
"""

from __future__ import annotations

import json

import pytest

SPEC = """
id: release
name: Release
movements:
  - name: Build
    beats:
      - name: Compile
        handler: compile_sources
        beat: 1
      - name: Pack
        handler: pack
        beat: {number}
"""

HANDLERS = """
from pytest_symphony import handler


@handler
def compile_sources():
    return {}
"""


def _run(project, pytester, number: str):
    project.ini("symphony_conformity = true")
    project.spec("release.yaml", SPEC.format(number=number))
    pytester.makepyfile(handlers=HANDLERS)
    result = project.run("-p", "no:randomly", "--symphony-format=json", "--symphony-output=conformity.json")
    report = json.loads((pytester.path / "conformity.json").read_text())
    found = {
        (v["code"], v["location"]["line"])
        for v in report["violations"]
        if v["location"]["path"] == "sequences/release.yaml"
    }
    return result, found


@pytest.mark.parametrize("number", ["3", '"3"', "3.0"])
def test_a_declared_gap_is_the_runs_number_and_the_checkers_gap(project, pytester, number):
    result, found = _run(project, pytester, number)
    result.stdout.fnmatch_lines(["*sequences/release.yaml:9: beat 1.3 'Pack' names handler 'pack'*"])
    assert ("BEAT_NUMBERING_GAP", 11) in found  # the checker saw no declared number


@pytest.mark.parametrize("number", ['"1"', "1.0"])
def test_a_repeated_number_is_one_number_to_both_sides(project, pytester, number):
    result, found = _run(project, pytester, number)
    result.stdout.fnmatch_lines(["*sequences/release.yaml:9: beat 1.1 'Pack' names handler 'pack'*"])
    assert ("DUPLICATE_BEAT_ID", 11) in found
