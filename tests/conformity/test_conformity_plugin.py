"""Conformity as pytest runs: per-file items, the threshold, the terminal summary, the
report formats, approval, plugin checks, history and xdist."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

SPEC = """\
id: release
name: Release
description: Ships it
kind: build
status: active
events: [built]
movements:
  - name: Build
    beats:
      - name: Build
        handler: build
        event: built
        timing: soonish
"""

HANDLERS = """
@handler
def build():
    try:
        return {"ok": True}
    except ValueError:
        pass
"""


@pytest.fixture
def conformity(project):
    project.ini("symphony_conformity = true")
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    return project


def test_one_item_per_checked_file_failing_at_the_threshold(conformity):
    result = conformity.run("-p", "no:randomly", "-rA")
    result.assert_outcomes(passed=2, failed=1, warnings=2)
    result.stdout.fnmatch_lines(
        [
            "*handlers.py: 1 conformity violation(s) at or above MAJOR",
            "handlers.py:8:5 EXCEPTION_SWALLOWED MAJOR `except ValueError` only passes in handler 'build': failures turn green [fix: unsafe]",
        ]
    )
    out = result.stdout.str()
    assert re.search(r"FAILED symphony:conformity::handlers\.py", out)
    assert re.search(r"PASSED symphony:conformity::sequences/release\.yaml", out)
    # below the threshold: warnings at the file's own line, never hidden
    assert (
        "release.yaml:13: ConformityWarning: sequences/release.yaml:13:9 INVALID_TIMING MINOR beat 1.1 'Build' timing 'soonish'"
        in out
    )
    assert "release.yaml:10: ConformityWarning: sequences/release.yaml:10:9 ACCEPTANCE_CRITERIA_MISSING MINOR" in out


def test_threshold_from_ini_and_dynamics(conformity):
    conformity.ini("symphony_conformity = true", "symphony_fail_on = CRITICAL")
    result = conformity.run("-p", "no:randomly", "-k", "conformity")
    result.assert_outcomes(passed=2, warnings=3)
    result = conformity.run("-p", "no:randomly", "-k", "conformity", "--symphony-dynamic=f")
    result.assert_outcomes(failed=2, warnings=0)  # f tightens the threshold to MINOR


def test_terminal_summary_scores_bands_and_counts(conformity):
    result = conformity.run("-p", "no:randomly", "-k", "conformity")
    result.stdout.fnmatch_lines(
        [
            "*symphony conformity*",
            "Orchestration  0.95  Excellent       checked 4     MINOR 1",
            "Handler        0.75  Acceptable      checked 2     MAJOR 1",
            "Governance     1.00  Excellent       checked 1     no violations",
            "Traceability   0.80  Acceptable      checked 1     MINOR 1",
            "Dependency     1.00  Excellent       checked 1     no violations",
            "violations: CRITICAL 0, MAJOR 1, MINOR 2, INFO 0; 1 at or above MAJOR",
            "note: no symphony.lock*",
        ]
    )


def test_plain_runs_have_no_conformity_items_unless_asked(project):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    result = project.run("-p", "no:randomly")
    assert "symphony conformity" not in result.stdout.str()
    result.assert_outcomes(passed=1)


def test_json_report_validates_against_its_schema(conformity, pytester):
    from pytest_symphony.conformity.formats.json import load_schema

    conformity.run("-p", "no:randomly", "--symphony-format=json", "--symphony-output=out/report.json")
    report = json.loads((pytester.path / "out/report.json").read_text())
    jsonschema.Draft202012Validator(load_schema()).validate(report)
    assert [(v["code"], v["location"]["path"], v["location"]["line"]) for v in report["violations"]] == [
        ("EXCEPTION_SWALLOWED", "handlers.py", 8),
        ("ACCEPTANCE_CRITERIA_MISSING", "sequences/release.yaml", 10),
        ("INVALID_TIMING", "sequences/release.yaml", 13),
    ]
    assert report["summary"]["at_or_above_threshold"] == 1
    assert report["scores"]["Handler"]["band"] == "Acceptable"


def test_sarif_report_validates_against_the_official_schema(conformity, pytester, sarif_schema):
    validator = jsonschema.Draft4Validator(sarif_schema, format_checker=jsonschema.FormatChecker())
    conformity.run("-p", "no:randomly", "--symphony-format=sarif", "--symphony-output=report.sarif")
    log = json.loads((pytester.path / "report.sarif").read_text())
    validator.validate(log)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"EXCEPTION_SWALLOWED", "INVALID_TIMING", "ACCEPTANCE_CRITERIA_MISSING"}
    swallowed = next(r for r in results if r["ruleId"] == "EXCEPTION_SWALLOWED")
    assert swallowed["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert swallowed["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == "raise"


def test_github_annotations_to_the_terminal(conformity):
    result = conformity.run("-p", "no:randomly", "--symphony-format=github")
    result.stdout.fnmatch_lines(
        [
            "::error file=handlers.py,line=8,col=5,*title=EXCEPTION_SWALLOWED::*",
            "::warning file=sequences/release.yaml,line=13,col=9,*title=INVALID_TIMING::*",
        ]
    )


def test_approve_under_xdist_runs_in_the_controller(conformity, pytester):
    pytest.importorskip("xdist")
    result = pytester.runpytest_subprocess("--symphony-approve", "-n", "2", timeout=120)
    assert result.ret == 0
    assert (pytester.path / "symphony.lock").is_file()


def test_output_needs_a_format(conformity):
    result = conformity.run("--symphony-output=x.json")
    result.stderr.fnmatch_lines(["*--symphony-output needs --symphony-format*"])


def test_approve_then_an_unapproved_change_fails(conformity, pytester):
    result = conformity.run("--symphony-approve")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*symphony approve*",
            "symphony.lock written (2 added)*",
            "  added: handlers.py",
            "  added: sequences/release.yaml",
        ]
    )
    lock = json.loads((pytester.path / "symphony.lock").read_text())
    assert sorted(lock["files"]) == ["handlers.py", "sequences/release.yaml"]
    assert lock["sequences"]["release"]["beats"] == ["build/build"]
    again = conformity.run("--symphony-approve")
    again.stdout.fnmatch_lines(["symphony.lock unchanged (no file changes)*"])

    conformity.spec("release.yaml", SPEC.replace("name: Build\n        handler", "name: Compile\n        handler"))
    result = conformity.run("-p", "no:randomly", "-k", "release")
    result.stdout.fnmatch_lines(
        [
            "sequences/release.yaml:1:1 BREAKING_CHANGE_DETECTED MAJOR*(beat removed or renamed: build/build) without a major*",
            "sequences/release.yaml:1:1 UNAUTHORIZED_CHANGE CRITICAL sequences/release.yaml changed since the approved symphony.lock*",
        ]
    )


@pytest.fixture
def acme_code():
    from pytest_symphony.conformity.codes import unregister_code

    yield
    unregister_code("ACME_NO_OWNER")  # the in-process run registered it in this process


def test_plugins_add_checks_with_their_own_codes(conformity, pytester, acme_code):
    pytester.makeconftest("""
        from pytest_symphony.conformity import Category, Code, Dimension, FixSafety, Severity, Violation, Place, register_code
        from pytest_symphony.conformity.checks import SpecCheck

        register_code(Code("ACME_NO_OWNER", Category.GOVERNANCE, Dimension.GOVERNANCE, Severity.MAJOR,
                           FixSafety.NONE, "A sequence names no owner."))


        class NoOwner(SpecCheck):
            code = "ACME_NO_OWNER"

            def check_sequence(self, spec, ws):
                if "owner" not in spec.raw:
                    yield Violation(self.code, "no owner", Place(spec.rel, 1, 1), sequence=spec.sequence.id)


        def pytest_symphony_register_checks(registry):
            registry.add(NoOwner)
    """)
    result = conformity.run("-p", "no:randomly", "-k", "release")
    result.stdout.fnmatch_lines(["sequences/release.yaml:1:1 ACME_NO_OWNER MAJOR no owner [fix: none]"])


def test_history_records_violations_and_scores(conformity, pytester):
    from pytest_symphony.telemetry.store import HistoryStore

    if not hasattr(HistoryStore, "violations"):
        pytest.skip("the history store does not record findings yet")
    conformity.run("-p", "no:randomly")
    with HistoryStore(pytester.path / ".symphony" / "history.sqlite").open() as store:
        rows = store.violations()
        assert sorted(r["code"] for r in rows) == [
            "ACCEPTANCE_CRITERIA_MISSING",
            "EXCEPTION_SWALLOWED",
            "INVALID_TIMING",
        ]
        (scores,) = store.scores().values()
        assert scores["Handler"] == 0.75


def test_under_xdist_the_summary_is_the_same(conformity):
    pytest.importorskip("xdist")
    serial = conformity.run("-p", "no:randomly", "-k", "conformity")
    parallel = conformity.run("-p", "no:randomly", "-k", "conformity", "-n", "2")
    parallel.assert_outcomes(passed=1, failed=1)

    def summary(result):
        lines = result.stdout.lines
        start = next(i for i, line in enumerate(lines) if "symphony conformity" in line)
        return lines[start + 1 : start + 7]

    assert summary(parallel) == summary(serial)


def test_a_suppression_that_silences_nothing_warns(conformity):
    conformity.handlers(HANDLERS.replace("def build():", "def build():  # symphony: ignore[ORPHAN_HANDLER]"))
    result = conformity.run("-p", "no:randomly", "-k", "conformity")
    result.stdout.fnmatch_lines(
        [
            "*ConformityWarning: handlers.py:5:* suppression of ORPHAN_HANDLER silences nothing*",
            "*1 unused suppression(s)*",
        ]
    )
