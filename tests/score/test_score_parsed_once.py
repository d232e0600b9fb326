"""A spec file is parsed once per run: collection, the BDD links, the conformity checks
(which place violations by the parse's spans) and the fixer share one parse of its text."""

from __future__ import annotations

import json

import pytest

from pytest_symphony.score import cache

SPEC = {
    "id": "release",
    "name": "Release",
    "movements": [{"name": "Build", "beats": [{"name": "Build", "handler": "build", "timing": "sometime"}]}],
}


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_a_run_with_conformity_parses_each_spec_once(project, fmt):
    import yaml

    project.ini("symphony_conformity = true")
    text = json.dumps(SPEC, indent=2) if fmt == "json" else yaml.safe_dump(SPEC, sort_keys=False)
    project.spec(f"release.{fmt}", text)
    project.handlers("@handler\ndef build():\n    return {}\n")
    cache.clear()
    result = project.pytester.runpytest_inprocess("-rA")
    # INVALID_TIMING is placed at the value, read from the run's own parse
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "sometime" in t)
    result.stdout.fnmatch_lines([f"*release.{fmt}:{line}:* INVALID_TIMING*"])
    assert cache.stats()["parses"] == 1, cache.stats()
