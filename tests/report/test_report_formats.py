"""The three formats render one report: Markdown, JSON (checked against its schema), HTML."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from html.parser import HTMLParser

import jsonschema
import pytest

from pytest_symphony.report import SCHEMA_PATH, SCHEMA_VERSION, parse_formats, render_json, validate_report
from pytest_symphony.report.dashboard import render_dashboard
from pytest_symphony.report.markdown import render_markdown
from pytest_symphony.report.model import ReportContext, ReportError, build_report
from pytest_symphony.telemetry.store import HistoryStore

EVIL = "<script>alert(1)</script> | `tick` **bold** </script>"


@pytest.fixture
def report(history, tmp_path):
    history.run({"compile": 10.0, "pack": (20.0, "failed")}, wall_ms=50)
    last = history.run({"compile": 12.0, "pack": 21.0}, wall_ms=60, commit=None)
    with HistoryStore(history.path) as store:
        store.add_scores(
            last,
            {"Orchestration": 1.0, "Handler": 0.9, "Governance": 0.7, "Traceability": 0.8, "Dependency": float("nan")},
        )
        store.add_violations(
            last,
            [
                {
                    "code": "EVENT_NOT_DECLARED",
                    "severity": "MAJOR",
                    "dimension": "Orchestration",
                    "message": EVIL,
                    "place": {"path": "a|b.yaml", "line": 2},
                    "sequence": EVIL,
                }
            ],
        )
        store.add_fixes(last, [{"code": "X", "path": "p", "snapshot_id": "s1", "status": "applied"}])
        store.add_artifacts(
            last, [{"name": "w", "version": "1", "size": 1, "sha256": "ab", "path": "d/w", "kind": "wheel"}]
        )
    return build_report(ReportContext(history_path=history.path, rootdir=tmp_path)).report


def test_the_json_report_matches_its_versioned_schema(report):
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validators.validator_for(schema).check_schema(schema)
    document = json.loads(render_json(report))
    assert validate_report(document) == []
    assert document["schema_version"] == SCHEMA_VERSION and document["schema"] == schema["$id"]
    assert document["trends"]["runs"][-1]["scores"]["Dependency"] is None  # NaN is not JSON: null
    assert document["audit"]["runs"][-1]["artifacts"][0]["sha256"] == "ab"


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.pop("summary"), "/: 'summary' is a required property"),
        (lambda d: d["summary"].update(beat_pass_rate=1.5), "/summary/beat_pass_rate"),
        (lambda d: d.update(schema_version="2.0"), "/schema_version"),
        (
            lambda d: d["sequences"][0]["movements"][0]["beats"][0].update(surprise=1),
            "/sequences/0/movements/0/beats/0",
        ),
        (lambda d: d["recommendations"].append({"rank": 0}), "/recommendations/"),
    ],
)
def test_the_schema_rejects_what_it_does_not_document(report, mutate, where):
    document = json.loads(render_json(report))
    mutate(document)
    problems = validate_report(document)
    assert problems and any(p.startswith(where) for p in problems), problems


def test_markdown_sections_numbers_and_escaping(report):
    text = render_markdown(report)
    for heading in (
        "# Symphony report",
        "## Executive summary",
        "### Health indicators",
        "### Status dashboard",
        "## Deep dive",
        "### Conformity",
        "### Handler coverage",
        "## Recommendations",
        "## Audit trail and lineage",
        "### Governance compliance",
        "## How this report was made",
    ):
        assert f"\n{heading}" in "\n" + text
    assert "| 1.1 | compile | `do_compile` | 2 | 100.0% | 11.0 ms | 12.0 ms | 12.0 ms |" in text
    assert "<script>" not in text and "</script>" not in text  # no raw HTML from data at all
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\`tick\\` \\*\\*bold\\*\\*" in text
    # every table row keeps its column count: pipes from data are escaped
    for table in re.findall(r"(?:^\|.*\|$\n?)+", text, flags=re.M):
        rows = [r for r in table.strip().splitlines()]
        widths = {len(re.split(r"(?<!\\)\|", r)) for r in rows}
        assert len(widths) == 1, rows


def test_dashboard_escapes_data_and_allows_only_its_own_script(report):
    html = render_dashboard(report)
    assert html.count("<script") == 2  # the data block and the page's own script
    assert "alert(1)" in html and "<script>alert(1)" not in html
    data = re.search(r'<script type="application/json" id="symphony-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in data and json.loads(data)["charts"]["duration"]["series"][0]["values"] == [50.0, 60.0]
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp and "connect-src" not in csp and "unsafe-inline'; img" in csp
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    for pattern in (r"\bsrc=", r"\bhref=\"(?!#)", r"url\(", r"@import"):
        assert not re.search(pattern, html), pattern  # nothing to fetch: no src, no external link, no CSS url


def test_formats_agree_on_the_numbers(report):
    md, html = render_markdown(report), render_dashboard(report)
    summary = report["summary"]
    assert f"{summary['beat_pass_rate'] * 100:.1f}%" in md and f"{summary['beat_pass_rate'] * 100:.1f}%" in html
    assert report["recommendations"][0]["title"].split(" ")[0] in md


def test_an_empty_report_still_renders(history, tmp_path):
    with HistoryStore(history.path) as store:
        from pytest_symphony.telemetry.records import make_run

        store.begin_run(make_run("bare", started_at="2026-01-01T00:00:00Z"))
    report = build_report(ReportContext(history_path=history.path, rootdir=tmp_path)).report
    assert validate_report(json.loads(render_json(report))) == []
    assert "No beat has run yet" in render_dashboard(report)
    assert "no bottleneck" in render_markdown(report)


def test_report_formats_are_parsed_strictly():
    assert parse_formats("html, md") == ("md", "html")
    assert parse_formats("all") == ("md", "json", "html") and parse_formats("") == ()
    with pytest.raises(ReportError, match=r"unknown report format 'pdf'; use a comma-separated list of md, json, html"):
        parse_formats("md,pdf")


def test_render_json_keeps_the_report_unchanged(report):
    before = copy.deepcopy(report)
    render_json(report)
    assert json.dumps(report, default=str) == json.dumps(before, default=str)


def _hostile(value, text):
    """Every string value of the report replaced by ``text`` (keys and numbers kept)."""
    if isinstance(value, str):
        return text
    if isinstance(value, dict):
        return {k: _hostile(v, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_hostile(v, text) for v in value]
    return value


def test_every_text_of_the_dashboard_is_escaped_whatever_field_it_comes_from(report):
    """The templates autoescape: no field (ids in attributes, titles, chart labels, audit rows)
    lets markup through, and None reads as a dash, never as "None"."""
    hostile = "\"><img src=x onerror=alert(1)><script>alert(2)</script>'&"
    page = render_dashboard(_hostile(report, hostile))

    class Elements(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.attrs = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.attrs += [name for name, _value in attrs]

    elements = Elements()
    elements.feed(page)
    assert "img" not in elements.tags and elements.tags.count("script") == 2
    assert "onerror" not in elements.attrs and "src" not in elements.attrs
    assert ">None<" not in render_dashboard(report)
