"""pytest-html 4.2 integration: beat columns, per-beat extras, the symphony summary section."""

from __future__ import annotations

import base64
import html
import json
import re

import pytest

pytest.importorskip("pytest_html")

SPEC = """
    id: release
    movements:
      - name: Build
        beats:
          - {name: Compile, handler: compile_sources}
          - {name: Check, handler: check, critical: false}
          - {name: Pack, handler: pack}
"""

HANDLERS = """
    @handler
    def compile_sources(symphony):
        symphony.emit("<i>compiled</i>", files=2)
        symphony.metric("files", 2)

    @handler
    def check(symphony):
        assert False, "lint found 3 problems"

    @handler
    def pack(symphony):
        for n in range(5):
            symphony.emit(f"packed-{n}")
"""

CONFTEST = """
    from pytest_symphony.session_key import run_of
    from pytest_symphony.telemetry.store import HistoryStore

    def pytest_sessionfinish(session):
        sym = run_of(session.config)
        with HistoryStore(sym.symphony_dir / "history.sqlite") as store:
            store.add_scores(sym.run_id, {"Orchestration": 0.97, "Handler": 0.5})
"""


def _data(pytester, name="report.html") -> dict:
    page = (pytester.path / name).read_text(encoding="utf-8")
    blob = re.search(r'<div id="data-container" data-jsonblob="([^"]*)"', page).group(1)
    return json.loads(html.unescape(blob))


@pytest.fixture
def html_run(project, pytester):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_plain="def test_plain(): pass")
    result = project.run("-p", "no:randomly", "--html=report.html", "--self-contained-html")
    result.assert_outcomes(passed=3, failed=1)
    return _data(pytester), (pytester.path / "report.html").read_text(encoding="utf-8")


def test_sortable_beat_columns_with_small_escaped_cells(html_run):
    data, page = html_run
    header = re.findall(r'<th class="sortable" data-column-type="(\w+)">', page)
    assert header[:5] == ["result", "testId", "sequence", "movement", "beat"] and header[5:7] == ["event", "duration"]
    tests = {test_id: runs[-1] for test_id, runs in data["tests"].items()}
    compile_ = tests["sequences/release.yaml::release::build::compile"]
    assert compile_["resultsTableRow"][2:6] == [
        '<td class="col-sequence">release</td>',
        '<td class="col-movement">1 build</td>',
        '<td class="col-beat">1.1 compile</td>',
        '<td class="col-event">&lt;i&gt;compiled&lt;/i&gt;</td>',
    ]
    assert (compile_["sequence"], compile_["beat"]) == ("release", "1.1 compile")  # what pytest-html sorts on
    pack = tests["sequences/release.yaml::release::build::pack"]
    assert pack["resultsTableRow"][5] == '<td class="col-event">packed-0, packed-1, packed-2 +2</td>'
    plain = tests["test_plain.py::test_plain"]
    assert plain["resultsTableRow"][2:6] == [
        f'<td class="col-{c}"></td>' for c in ("sequence", "movement", "beat", "event")
    ]
    for test in tests.values():  # small rows: short cells; telemetry only as an extra (a link)
        assert sum(len(cell) for cell in test["resultsTableRow"][2:6]) < 250
        assert len(test["resultsTableRow"][-1]) < 2000


def test_each_beat_has_its_telemetry_and_events_as_extras(html_run):
    data, _page = html_run
    tests = {test_id: runs[-1] for test_id, runs in data["tests"].items()}
    extras = {e["name"]: e for e in tests["sequences/release.yaml::release::build::compile"]["extras"]}
    assert set(extras) == {"telemetry", "events"}
    telemetry = json.loads(base64.b64decode(extras["telemetry"]["content"].split(",", 1)[1]))
    assert telemetry[0]["handler"] == "compile_sources" and telemetry[0]["metrics"] == {"files": 2.0}
    assert telemetry[0]["status"] == "passed" and "nodeid" not in telemetry[0] and "spec_hash" not in telemetry[0]
    events = base64.b64decode(extras["events"]["content"].split(",", 1)[1]).decode()
    assert "attempt 1: <i>compiled</i> {'files': 2}" in events  # a text file: shown as text, never as HTML
    failing = {e["name"] for e in tests["sequences/release.yaml::release::build::check"]["extras"]}
    assert failing == {"telemetry"}
    assert tests["test_plain.py::test_plain"]["extras"] == []


def test_summary_section_has_sequence_results_and_conformity_scores(html_run):
    _data, page = html_run
    section = page[page.index('<div class="additional-summary postfix">') :]
    assert re.search(r"<tr><td>release</td><td>2</td><td>1</td><td>0</td><td>[\d.]+ s</td></tr>", section)
    assert "<h3>Conformity scores (run " in section
    assert "<tr><td>Orchestration</td><td>0.97</td></tr><tr><td>Handler</td><td>0.50</td></tr>" in section


def test_without_html_nothing_is_added_and_per_test_regeneration_stays_off(project, pytester):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    config = pytester.parseconfigure("--html=x.html")
    assert config.pluginmanager.get_plugin("symphony-report-html") is not None
    assert config.getini("generate_report_on_test") is False
    config = pytester.parseconfigure()
    assert config.pluginmanager.get_plugin("symphony-report-html") is None


def test_clicking_the_beat_column_sorts_the_rows_in_chromium(html_run, pytester, tmp_path, chromium):
    seen = chromium(
        pytester.path / "report.html",
        tmp_path,
        screenshot="pytest-html.png",
        expressions={
            "before": "[...document.querySelectorAll('#results-table td.col-beat')].map(td => td.textContent)",
            "after": "document.querySelector('th[data-column-type=beat]').click();"
            "[...document.querySelectorAll('#results-table td.col-beat')].map(td => td.textContent)",
            "sequences": "[...document.querySelectorAll('#symphony-sequences td')].map(td => td.textContent)",
        },
    )
    assert sorted(seen.values["before"]) == ["", "1.1 compile", "1.2 check", "1.3 pack"]
    assert seen.values["after"] == ["", "1.1 compile", "1.2 check", "1.3 pack"]
    assert seen.values["sequences"][:4] == ["release", "2", "1", "0"]
    assert seen.exceptions == []
