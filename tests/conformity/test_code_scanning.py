"""GitHub code scanning and workflow annotations for real: SARIF that GitHub accepts (paths
from the repository root in a monorepo, stable fingerprints, documented rules), and
annotations that put the worst first and say what GitHub leaves out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest

from ..renderx_shapes import corpus_available, generate

LEVELS = {"none", "note", "warning", "error"}


def github_upload_problems(log: dict) -> list[str]:
    """What GitHub's documented SARIF requirements reject or drop ("SARIF support for code
    scanning" and "SARIF results exceed limits", docs.github.com): the required properties
    of a log, run, rule, result and location, and the hard limits per file and run."""
    problems = []
    if log.get("version") != "2.1.0" or not log.get("$schema"):
        problems.append("log: `version` 2.1.0 and `$schema` are required")
    runs = log.get("runs") or []
    if not 1 <= len(runs) <= 20:
        problems.append(f"log: {len(runs)} runs (1 to 20 accepted)")
    for r, run in enumerate(runs):
        driver = run.get("tool", {}).get("driver", {})
        if not driver.get("name"):
            problems.append(f"run {r}: tool.driver.name is required")
        rules = driver.get("rules", [])
        if len(rules) > 25_000:
            problems.append(f"run {r}: {len(rules)} rules (25,000 accepted)")
        for rule in rules:
            for key in ("shortDescription", "fullDescription", "help"):
                if not (rule.get(key) or {}).get("text"):
                    problems.append(f"rule {rule.get('id')}: {key}.text is required")
            if len(rule.get("properties", {}).get("tags", [])) > 20:
                problems.append(f"rule {rule.get('id')}: more than 20 tags")
            if "helpUri" in rule and not urlparse(rule["helpUri"]).scheme:
                problems.append(f"rule {rule.get('id')}: helpUri is not an absolute URI")
        results = run.get("results")
        if results is None or len(results) > 25_000:
            problems.append(f"run {r}: results are required (25,000 accepted)")
        for n, result in enumerate(results or []):
            where = f"result {n} ({result.get('ruleId')})"
            if not (result.get("message") or {}).get("text"):
                problems.append(f"{where}: message.text is required")
            index = result.get("ruleIndex")
            if index is not None and rules[index]["id"] != result.get("ruleId"):
                problems.append(f"{where}: ruleIndex names another rule")
            if result.get("level", "warning") not in LEVELS:
                problems.append(f"{where}: level {result.get('level')!r}")
            fingerprints = result.get("partialFingerprints") or {}
            if not fingerprints or not all(isinstance(v, str) and v for v in fingerprints.values()):
                problems.append(f"{where}: partialFingerprints are required")
            locations = result.get("locations") or []
            if not 1 <= len(locations) <= 1000:
                problems.append(f"{where}: {len(locations)} locations (1 to 1,000 accepted)")
            for loc in locations:
                physical = loc.get("physicalLocation") or {}
                uri = (physical.get("artifactLocation") or {}).get("uri", "")
                if not uri or (physical["artifactLocation"].get("uriBaseId") and (uri.startswith("/") or ".." in uri)):
                    problems.append(f"{where}: artifactLocation.uri {uri!r} is not a path in the repository")
                if (physical.get("region") or {}).get("startLine", 0) < 1:
                    problems.append(f"{where}: region.startLine is required")
    return problems


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "HOME": str(cwd),
            "PATH": "/usr/bin:/bin",
        },
    )


@pytest.fixture
def monorepo(pytester, monkeypatch):
    """A git repository whose pipelines project lives in apps/pipelines (its own pytest.ini)."""
    if not corpus_available():
        pytest.skip("the RenderX corpus is not available")
    top = pytester.path
    project = top / "apps" / "pipelines"
    generate(project, 6, ini="[pytest]\nsymphony_paths = sequences\n")
    _git(top, "init", "-q")
    _git(top, "add", "-A")
    _git(top, "commit", "-qm", "pipelines")
    monkeypatch.chdir(project)
    return project


def _sarif(pytester, project: Path) -> dict:
    pytester.runpytest(
        "--symphony=conformity", "-p", "no:randomly", "--symphony-format=sarif", "--symphony-output=report.sarif"
    )
    return json.loads((project / "report.sarif").read_text(encoding="utf-8"))


def test_sarif_from_a_monorepo_is_what_github_accepts(pytester, monorepo, sarif_schema):
    log = _sarif(pytester, monorepo)
    jsonschema.Draft4Validator(sarif_schema, format_checker=jsonschema.FormatChecker()).validate(log)
    assert github_upload_problems(log) == []
    (run,) = log["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == pytester.path.resolve().as_uri() + "/"
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for loc in r["locations"]}
    assert "apps/pipelines/DOMAIN_REGISTRY.json" in uris
    assert all(uri.startswith("apps/pipelines/") for uri in uris), sorted(uris)[:3]
    for uri in uris:  # each names a file of the repository, from its top level
        assert (pytester.path / uri).is_file(), uri
    driver = run["tool"]["driver"]
    assert driver["version"] and urlparse(driver["informationUri"]).scheme == "https"
    rule = next(r for r in driver["rules"] if r["id"] == "HANDLER_NOT_FOUND")
    assert rule["help"]["markdown"].startswith("**HANDLER_NOT_FOUND** (CRITICAL")
    assert urlparse(rule["helpUri"]).scheme == "https"
    fingerprints = [tuple(r["partialFingerprints"].items()) for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)  # one alert per finding


def test_fingerprints_survive_an_unrelated_edit(pytester, monorepo):
    before = _sarif(pytester, monorepo)["runs"][0]["results"]
    spec = next((monorepo / "sequences").rglob("canvas-component-create-2.json"))
    text = spec.read_text(encoding="utf-8")
    spec.write_text(
        text.replace('{\n  "pluginId"', '{\n  "notes": [\n    "reviewed",\n    "again"\n  ],\n  "pluginId"', 1),
        encoding="utf-8",
    )
    after = _sarif(pytester, monorepo)["runs"][0]["results"]

    def by_fingerprint(results):
        return {tuple(r["partialFingerprints"].items()): r for r in results}

    old, new = by_fingerprint(before), by_fingerprint(after)
    assert set(old) == set(new)
    moved = [k for k in old if old[k]["locations"] != new[k]["locations"]]
    assert moved and all(
        "canvas-component-create-2.json" in old[k]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for k in moved
    )


def test_github_format_puts_the_worst_first_and_names_the_full_report(pytester, monorepo):
    result = pytester.runpytest("--symphony=conformity", "-p", "no:randomly", "--symphony-format=github")
    lines = [line for line in result.stdout.lines if line.startswith("::")]
    kinds = [line[2:].split()[0] for line in lines]
    assert kinds == sorted(kinds, key=["error", "warning", "notice"].index)  # errors first, notices last
    assert lines[0].startswith("::error file=apps/pipelines/")  # from the repository's top level
    summary = next(line for line in result.stdout.lines if line.startswith("symphony conformity: CRITICAL"))
    assert "GitHub shows the first 10 errors, warnings and notices of a step" in summary
    report = summary.rsplit("full report: ", 1)[1]
    full = (monorepo / report).read_text(encoding="utf-8")
    assert full.count("\n") > len(lines)  # every violation, in text form
    assert "HANDLER_NOT_FOUND CRITICAL" in full
