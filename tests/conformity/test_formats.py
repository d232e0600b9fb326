"""Each report format, exact on a small fixed set of violations, and validated."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pytest_symphony.conformity.codes import (
    CATALOG,
    Code,
    Category,
    Dimension,
    FixSafety,
    Severity,
    register_code,
    unregister_code,
)
from pytest_symphony.conformity.formats import FORMATS, render
from pytest_symphony.conformity.formats.github import escape_data, escape_property, render_github
from pytest_symphony.conformity.formats.json import load_schema, render_json, report_dict
from pytest_symphony.conformity.formats import docs_url, project_url
from pytest_symphony.conformity.formats.sarif import FINGERPRINT, fingerprint, render_sarif, rule_descriptor, sarif_log
from pytest_symphony.conformity.formats.text import render_text
from pytest_symphony.conformity.scores import score_all
from pytest_symphony.conformity.violation import Checked, Place, Violation

# -- text ------------------------------------------------------------------------------

TEXT = """\
handlers/my,mod.py:12:5 EXCEPTION_SWALLOWED MAJOR except: pass hides failures (100% green)
    re-raise instead [fix: unsafe]
specs/deploy.json:3:3 BEAT_COUNT_MISMATCH MAJOR declares 5 beats, has 4 [fix: safe]
specs/deploy.json:14:9 HANDLER_NOT_FOUND CRITICAL handler "biuld" not found; did you mean "build"? [fix: unsafe]
warnings (below MAJOR):
specs/deploy.json:16:9 INVALID_TIMING MINOR timing 'soon' is not a duration [fix: none]
specs/deploy.json:30:5 UNUSED_EVENT INFO event deploy.done is emitted by no beat [fix: none]
unused suppressions:
handlers/my,mod.py:20:12 suppression names unknown conformity code NO_SUCH
handlers/my,mod.py:20:12 suppression of SIGNATURE_MISMATCH silences nothing
summary: 5 violations (CRITICAL 1, MAJOR 2, MINOR 1, INFO 1), 3 at or above MAJOR; 2 unused suppressions
"""


def test_text_exact(violations, unused):
    assert render_text(violations, Severity.MAJOR, unused=unused) == TEXT
    assert render_text(list(reversed(violations)), "major", unused=unused) == TEXT  # order-free


def test_text_threshold_moves_lines_never_hides(violations):
    out = render_text(violations, Severity.CRITICAL)
    lines = out.splitlines()
    assert lines[0].startswith("specs/deploy.json:14:9 HANDLER_NOT_FOUND CRITICAL")
    assert lines[1] == "warnings (below CRITICAL):"
    assert sum(1 for line in lines if " [fix: " in line) == 5
    assert lines[-1] == "summary: 5 violations (CRITICAL 1, MAJOR 2, MINOR 1, INFO 1), 1 at or above CRITICAL"
    assert "warnings" not in render_text(violations, Severity.INFO)


def test_text_empty():
    assert render_text([]) == "summary: no violations\n"


# -- github ----------------------------------------------------------------------------

GITHUB = """\
::error file=specs/deploy.json,line=14,col=9,title=HANDLER_NOT_FOUND::handler "biuld" not found; did you mean "build"?
::error file=handlers/my%2Cmod.py,line=12,col=5,endLine=13,endColumn=13,title=EXCEPTION_SWALLOWED::except: pass hides failures (100%25 green)%0Are-raise instead
::error file=specs/deploy.json,line=3,col=3,endLine=3,endColumn=13,title=BEAT_COUNT_MISMATCH::declares 5 beats, has 4
::warning file=specs/deploy.json,line=16,col=9,title=INVALID_TIMING::timing 'soon' is not a duration
::notice file=specs/deploy.json,line=30,col=5,title=UNUSED_EVENT::event deploy.done is emitted by no beat
::warning file=handlers/my%2Cmod.py,line=20,col=12,title=unused suppression::suppression names unknown conformity code NO_SUCH
::warning file=handlers/my%2Cmod.py,line=20,col=12,title=unused suppression::suppression of SIGNATURE_MISMATCH silences nothing
symphony conformity: CRITICAL 1, MAJOR 2, MINOR 1, INFO 1, 2 unused suppression(s)
"""


def test_github_exact(violations, unused):
    assert render_github(violations, unused=unused) == GITHUB
    assert render_github([]) == ""


def test_github_most_severe_first_and_a_summary_of_what_github_leaves_out():
    """GitHub shows 10 errors, 10 warnings and 10 notices of a step: the CRITICAL ones come
    first, and the last line counts everything and names the full report."""
    found = [Violation("INVALID_TIMING", f"minor {n}", Place("a.yaml", n)) for n in range(1, 16)]
    found += [Violation("EMPTY_MOVEMENT", f"major {n}", Place("a.yaml", 100 + n)) for n in range(1, 13)]
    found += [Violation("HANDLER_NOT_FOUND", "critical", Place("z.yaml", 500))]
    lines = render_github(found, full_report=".symphony/runs/r1/conformity.txt").splitlines()
    assert lines[0] == "::error file=z.yaml,line=500,col=1,title=HANDLER_NOT_FOUND::critical"
    assert [line.split("::")[1].split()[0] for line in lines[:-1]] == ["error"] * 13 + ["warning"] * 15
    assert lines[1].endswith("::major 1") and lines[13].endswith("::minor 1")
    assert lines[-1] == (
        "symphony conformity: CRITICAL 1, MAJOR 12, MINOR 15, INFO 0; GitHub shows the first 10 "
        "errors, warnings and notices of a step: 8 not shown; full report: "
        ".symphony/runs/r1/conformity.txt"
    )


def test_github_escaping():
    assert escape_data("50%\r\nok: a,b") == "50%25%0D%0Aok: a,b"
    assert escape_property("C:\\x,y%\n") == "C%3A\\x%2Cy%25%0A"
    v = Violation("HARDCODED_PATH", "path C:\\tmp, then 10%", Place("a:b,c.py", 1, 1))
    assert render_github([v]).splitlines()[0] == (
        "::warning file=a%3Ab%2Cc.py,line=1,col=1,title=HARDCODED_PATH::path C:\\tmp, then 10%25"
    )


# -- json ------------------------------------------------------------------------------


def _validator() -> jsonschema.Draft202012Validator:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_json_exact_and_valid(violations, suppressed, unused):
    checked = Checked.of({"Orchestration": 20, "Handler": 4})
    kwargs = dict(checked=checked, threshold="MAJOR", suppressed=suppressed, unused=unused, version="1.2.3")
    out = render_json(violations, score_all(violations, checked), **kwargs)
    data = json.loads(out)
    ordered = sorted(violations, key=lambda v: v.key)
    no_violations = {"CRITICAL": 0, "MAJOR": 0, "MINOR": 0, "INFO": 0}
    expected = {
        "schema_version": 1,
        "tool": {"name": "pytest-symphony", "version": "1.2.3"},
        "threshold": "MAJOR",
        "summary": {
            "violations": 5,
            "by_severity": {"CRITICAL": 1, "MAJOR": 2, "MINOR": 1, "INFO": 1},
            "at_or_above_threshold": 3,
            "suppressed": 1,
            "unused_suppressions": 2,
        },
        "scores": {
            # (1 - (1 + 0.5 + 0.2) / 20) * 0.64
            "Orchestration": {
                "score": 0.5856,
                "band": "Critical",
                "checked": 20,
                "violations": {"CRITICAL": 1, "MAJOR": 1, "MINOR": 1, "INFO": 1},
            },
            "Handler": {
                "score": 0.875,
                "band": "Good",
                "checked": 4,
                "violations": {"CRITICAL": 0, "MAJOR": 1, "MINOR": 0, "INFO": 0},
            },
            "Governance": {"score": 1.0, "band": "Excellent", "checked": 0, "violations": no_violations},
            "Traceability": {"score": 1.0, "band": "Excellent", "checked": 0, "violations": no_violations},
            "Dependency": {"score": 1.0, "band": "Excellent", "checked": 0, "violations": no_violations},
        },
        "violations": [v.to_dict() for v in ordered],
        "suppressed": [suppressed[0].to_dict()],
        "unused_suppressions": [
            {
                "reason": "unknown",
                "code": "NO_SUCH",
                "message": "suppression names unknown conformity code NO_SUCH",
                "location": {
                    "path": "handlers/my,mod.py",
                    "line": 20,
                    "col": 12,
                    "end_line": None,
                    "end_col": None,
                    "pointer": None,
                },
            },
            {
                "reason": "unused",
                "code": "SIGNATURE_MISMATCH",
                "message": "suppression of SIGNATURE_MISMATCH silences nothing",
                "location": {
                    "path": "handlers/my,mod.py",
                    "line": 20,
                    "col": 12,
                    "end_line": None,
                    "end_col": None,
                    "pointer": None,
                },
            },
        ],
    }
    assert data == expected
    assert out == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
    assert [v["code"] for v in data["violations"]] == [
        "EXCEPTION_SWALLOWED",
        "BEAT_COUNT_MISMATCH",
        "HANDLER_NOT_FOUND",
        "INVALID_TIMING",
        "UNUSED_EVENT",
    ]
    _validator().validate(data)
    # scores computed from `checked` alone are the same
    assert render_json(violations, None, **kwargs) == out


def test_json_without_scores_and_empty_is_valid():
    data = report_dict([], version="0.1.0")
    assert data["scores"] is None and data["violations"] == []
    _validator().validate(data)


def test_json_schema_rejects_bad_reports(violations):
    validator = _validator()
    good = report_dict(violations, version="1")
    for mutate in (
        lambda d: d.update(schema_version=2),
        lambda d: d["violations"][0].update(severity="FATAL"),
        lambda d: d["violations"][0]["location"].update(line=0),
        lambda d: d["violations"][0].update(code="lower_case"),
        lambda d: d.update(extra=1),
        lambda d: d["summary"].pop("suppressed"),
    ):
        bad = json.loads(json.dumps(good))
        mutate(bad)
        assert not validator.is_valid(bad)


# -- sarif -----------------------------------------------------------------------------

SARIF_SCHEMA_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def sarif_validator(sarif_schema):
    schema = sarif_schema
    assert schema["id"] == SARIF_SCHEMA_ID
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _loc(path, line, col, end_line=None, end_col=None):
    region = {"startLine": line, "startColumn": col}
    if end_line is not None:
        region["endLine"] = end_line
        region["endColumn"] = end_col
    return {"physicalLocation": {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}, "region": region}}


def test_sarif_exact(violations, suppressed, unused):
    log = sarif_log(violations, "1.2.3", suppressed=suppressed, unused=unused)
    assert log["$schema"] == SARIF_SCHEMA_ID and log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == ("pytest-symphony", "1.2.3", project_url())
    rules = driver["rules"]
    assert [r["id"] for r in rules] == list(CATALOG)
    assert rules[list(CATALOG).index("HANDLER_NOT_FOUND")] == {
        "id": "HANDLER_NOT_FOUND",
        "name": "HandlerNotFound",
        "shortDescription": {
            "text": "A beat names no handler, or a handler it names resolves to no registered "
            "handler (resolved as the runtime resolves it: registered names first, then "
            "`module#func` and plain functions of the registered modules)."
        },
        "fullDescription": {
            "text": CATALOG["HANDLER_NOT_FOUND"].summary + " Fix: " + CATALOG["HANDLER_NOT_FOUND"].fix_summary
        },
        "help": {
            "text": CATALOG["HANDLER_NOT_FOUND"].summary + " Fix: " + CATALOG["HANDLER_NOT_FOUND"].fix_summary,
            "markdown": "**HANDLER_NOT_FOUND** (CRITICAL, Orchestration; fix: unsafe)\n\n"
            + CATALOG["HANDLER_NOT_FOUND"].summary
            + "\n\n**Fix (unsafe):** "
            + CATALOG["HANDLER_NOT_FOUND"].fix_summary,
        },
        "helpUri": docs_url("codes.md", "handler_not_found"),
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "category": "sequence",
            "dimension": "Orchestration",
            "severity": "CRITICAL",
            "fixSafety": "unsafe",
            "tags": ["conformity", "sequence"],
        },
    }
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in rules}
    assert levels["SEQUENCE_PARSE_ERROR"] == "error"  # CRITICAL
    assert levels["EMPTY_MOVEMENT"] == "error"  # MAJOR
    assert levels["INVALID_TIMING"] == "warning"  # MINOR
    assert levels["ORPHAN_HANDLER"] == "note"  # INFO
    idx = {name: i for i, name in enumerate(CATALOG)}
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"] == [
        {
            "executionSuccessful": True,
            "toolExecutionNotifications": [
                {
                    "descriptor": {"id": "unknown-code"},
                    "level": "warning",
                    "message": {"text": "suppression names unknown conformity code NO_SUCH"},
                    "locations": [_loc("handlers/my%2Cmod.py", 20, 12)],
                },
                {
                    "descriptor": {"id": "unused-suppression"},
                    "level": "warning",
                    "message": {"text": "suppression of SIGNATURE_MISMATCH silences nothing"},
                    "locations": [_loc("handlers/my%2Cmod.py", 20, 12)],
                },
            ],
        }
    ]
    fingerprints = [r.pop("partialFingerprints") for r in run["results"]]
    assert fingerprints == [
        {FINGERPRINT: fingerprint(v, v.place.path, 0)} for v in sorted(violations, key=lambda v: v.key) + suppressed
    ]
    assert run["results"] == [
        {
            "ruleId": "EXCEPTION_SWALLOWED",
            "ruleIndex": idx["EXCEPTION_SWALLOWED"],
            "level": "error",
            "message": {"text": "except: pass hides failures (100% green)\nre-raise instead"},
            "locations": [_loc("handlers/my%2Cmod.py", 12, 5, 13, 13)],
            "fixes": [
                {
                    "description": {"text": "re-raise"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": "handlers/my%2Cmod.py", "uriBaseId": "%SRCROOT%"},
                            "replacements": [
                                {
                                    "deletedRegion": {"charOffset": 210, "charLength": 4},
                                    "insertedContent": {"text": "raise"},
                                }
                            ],
                        }
                    ],
                }
            ],
            "properties": {"severity": "MAJOR", "dimension": "Handler", "fixSafety": "unsafe"},
        },
        {
            "ruleId": "BEAT_COUNT_MISMATCH",
            "ruleIndex": idx["BEAT_COUNT_MISMATCH"],
            "level": "error",
            "message": {"text": "declares 5 beats, has 4"},
            "locations": [_loc("specs/deploy.json", 3, 3, 3, 13)],
            "fixes": [
                {
                    "description": {"text": "set beats to 4"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": "specs/deploy.json", "uriBaseId": "%SRCROOT%"},
                            "replacements": [
                                {"deletedRegion": {"charOffset": 25, "charLength": 1}, "insertedContent": {"text": "4"}}
                            ],
                        }
                    ],
                }
            ],
            "properties": {
                "severity": "MAJOR",
                "dimension": "Orchestration",
                "fixSafety": "safe",
                "sequence": "deploy",
                "jsonPointer": "/beats",
            },
        },
        {
            "ruleId": "HANDLER_NOT_FOUND",
            "ruleIndex": idx["HANDLER_NOT_FOUND"],
            "level": "error",
            "message": {"text": 'handler "biuld" not found; did you mean "build"?'},
            "locations": [_loc("specs/deploy.json", 14, 9)],
            "properties": {
                "severity": "CRITICAL",
                "dimension": "Orchestration",
                "fixSafety": "unsafe",
                "sequence": "deploy",
                "beat": "1",
                "jsonPointer": "/movements/0/beats/0/handler",
            },
        },
        {
            "ruleId": "INVALID_TIMING",
            "ruleIndex": idx["INVALID_TIMING"],
            "level": "warning",
            "message": {"text": "timing 'soon' is not a duration"},
            "locations": [_loc("specs/deploy.json", 16, 9)],
            "properties": {
                "severity": "MINOR",
                "dimension": "Orchestration",
                "fixSafety": "none",
                "sequence": "deploy",
                "beat": "1",
                "jsonPointer": "/movements/0/beats/0/timing",
            },
        },
        {
            "ruleId": "UNUSED_EVENT",
            "ruleIndex": idx["UNUSED_EVENT"],
            "level": "note",
            "message": {"text": "event deploy.done is emitted by no beat"},
            "locations": [_loc("specs/deploy.json", 30, 5)],
            "properties": {
                "severity": "INFO",
                "dimension": "Orchestration",
                "fixSafety": "none",
                "sequence": "deploy",
                "jsonPointer": "/events/1",
            },
        },
        {
            "ruleId": "ACCEPTANCE_CRITERIA_MISSING",
            "ruleIndex": idx["ACCEPTANCE_CRITERIA_MISSING"],
            "level": "warning",
            "message": {"text": "beat 2 has no acceptance criteria"},
            "locations": [_loc("specs/deploy.json", 22, 7)],
            "suppressions": [{"kind": "inSource"}],
            "properties": {
                "severity": "MINOR",
                "dimension": "Traceability",
                "fixSafety": "none",
                "sequence": "deploy",
                "beat": "2",
                "jsonPointer": "/movements/0/beats/1",
            },
        },
    ]
    again = json.loads(render_sarif(violations, "1.2.3", suppressed=suppressed, unused=unused))
    for r in again["runs"][0]["results"]:
        r.pop("partialFingerprints")
    assert again == log


def test_sarif_validates_against_the_official_schema(sarif_validator, violations, suppressed, unused, tmp_path):
    log = json.loads(render_sarif(violations, "1.2.3", suppressed=suppressed, unused=unused, root=tmp_path))
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert not errors, errors[0]
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    sarif_validator.validate(sarif_log([], "1.2.3"))
    # absolute paths become file URIs
    v = Violation("HARDCODED_PATH", "abs", Place("/srv/app/h.py", 2, 1))
    loc = sarif_log([v], "1")["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "file:///srv/app/h.py"}
    sarif_validator.validate(sarif_log([v], "1"))
    # the validator does reject broken logs
    bad = json.loads(json.dumps(log))
    bad["runs"][0]["results"][0]["level"] = "fatal"
    assert not sarif_validator.is_valid(bad)
    bad = json.loads(json.dumps(log))
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert not sarif_validator.is_valid(bad)


def test_sarif_lists_plugin_codes(sarif_validator):
    code = Code("ACME_RULE", Category.HANDLER, Dimension.HANDLER, Severity.MINOR, FixSafety.NONE, "Acme thing. More.")
    register_code(code)
    try:
        log = sarif_log([Violation("ACME_RULE", "m", Place("a.py"))], "1")
    finally:
        unregister_code("ACME_RULE")
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[-1] == rule_descriptor(code)
    assert rules[-1]["shortDescription"] == {"text": "Acme thing."}
    assert log["runs"][0]["results"][0]["ruleIndex"] == len(rules) - 1
    sarif_validator.validate(log)


# -- dispatch --------------------------------------------------------------------------


def test_render_dispatches(violations, unused):
    assert FORMATS == ("text", "json", "sarif", "github")
    assert render("text", violations, unused=unused) == TEXT
    assert render("github", violations, unused=unused) == GITHUB
    assert json.loads(render("json", violations, version="1"))["schema_version"] == 1
    assert json.loads(render("sarif", violations, version="1"))["version"] == "2.1.0"
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render("xml", violations)
