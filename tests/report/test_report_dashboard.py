"""The HTML dashboard, opened from file:// in a real headless Chromium."""

from __future__ import annotations

import json
import textwrap

from pytest_symphony.report.dashboard import render_dashboard
from pytest_symphony.report.model import ReportContext, build_report
from pytest_symphony.telemetry.store import HistoryStore

EVIL = "<script>document.documentElement.setAttribute('data-pwned','1')</script><img src=x onerror=\"alert(1)\">"


def _project(tmp_path, history):
    spec = tmp_path / "sequences" / "release.yaml"
    spec.parent.mkdir()
    spec.write_text(
        textwrap.dedent(f"""\
        id: release
        name: "Release </title><u>bold</u>"
        description: {json.dumps(EVIL)}
        movements:
          - name: Build
            beats:
              - name: Compile
                handler: do_compile
              - name: Pack
                handler: do_pack
        """),
        encoding="utf-8",
    )
    history.run({"compile": 10.0, "pack": 100.0}, wall_ms=1000)
    history.run({"compile": 20.0, "pack": (110.0, "failed")}, wall_ms=2000)
    last = history.run({"compile": 30.0, "pack": 500.0}, wall_ms=3000)
    with HistoryStore(history.path) as store:
        store.add_scores(
            last, {"Orchestration": 1.0, "Handler": 0.82, "Governance": 0.6, "Traceability": 0.9, "Dependency": 0.97}
        )
        store.add_violations(
            last,
            [
                {
                    "code": "HANDLER_NOT_FOUND",
                    "severity": "CRITICAL",
                    "dimension": "Handler",
                    "message": EVIL,
                    "place": {"path": "sequences/release.yaml", "line": 9, "col": 17, "pointer": None},
                    "sequence": "release",
                    "beat": "2",
                    "fix": None,
                },
                {
                    "code": "METADATA_MISSING",
                    "severity": "MINOR",
                    "dimension": "Governance",
                    "message": "no kind",
                    "place": {"path": "sequences/release.yaml", "line": 1, "col": 1, "pointer": None},
                    "sequence": "release",
                    "beat": None,
                    "fix": {"description": "add it", "safety": "safe"},
                },
                {
                    "code": "METADATA_MISSING",
                    "severity": "MINOR",
                    "dimension": "Governance",
                    "message": "no status",
                    "place": {"path": "sequences/release.yaml", "line": 1, "col": 1, "pointer": None},
                    "sequence": "release",
                    "beat": None,
                    "fix": None,
                },
            ],
        )
    work = build_report(
        ReportContext(history_path=history.path, rootdir=tmp_path, spec_roots=(tmp_path / "sequences",))
    )
    page = tmp_path / "dashboard.html"
    page.write_text(render_dashboard(work.report), encoding="utf-8")
    return page, last


EXPRESSIONS = {
    "ready": "document.body.getAttribute('data-ready')",
    "pwned": "document.documentElement.getAttribute('data-pwned')",
    "scripts": "document.scripts.length",
    "images": "document.images.length",
    "bold": "document.querySelectorAll('u').length",
    "title": "document.title",
    "description": "document.querySelector('#seq-release .description').textContent",
    "summary": "document.querySelector('#seq-release > summary').textContent",
    "duration": "[document.querySelector('#chart-duration polyline').getAttribute('data-count'),"
    " document.querySelector('#chart-duration text.last-value').textContent]",
    "success": "[...document.querySelectorAll('#chart-success text.last-value')].map(t => t.textContent)",
    "conformity": "Object.fromEntries([...document.querySelectorAll('#chart-conformity text.last-value')]"
    ".map(t => [t.dataset.series, Number(t.dataset.value)]))",
    "status": "[...document.querySelectorAll('#status-table tbody tr')].map(r => [...r.cells].map(c => c.textContent.trim()))",
    "closed": "document.querySelector('#seq-release').open",
    "beats": "document.getElementById('expand-all').click();"
    "[...document.querySelectorAll('#seq-release details.mov tbody tr')].map(r => [r.cells[0].textContent,"
    " r.cells[4].textContent, r.cells[5].textContent, r.cells[6].textContent, r.cells[7].textContent,"
    " r.getBoundingClientRect().height > 0])",
    "severities": "[...document.querySelectorAll('#violations [data-severity]')].map(s => s.textContent)",
    "codes": "[...document.querySelectorAll('#violations g[data-code]')].map(g => g.dataset.code + ' ' + g.lastChild.textContent)",
    "message": "document.querySelector('#violations-table tbody tr td:nth-child(4)').textContent",
    "tooltip": "(() => { const svg = document.querySelector('#chart-duration svg'); const r = svg.getBoundingClientRect();"
    " svg.dispatchEvent(new MouseEvent('mousemove', {clientX: r.right - 2, clientY: r.top + 20, bubbles: true}));"
    " return document.getElementById('tooltip').textContent; })()",
    "sorted": "(() => { const th = [...document.querySelectorAll('#beats-release-build th')][6]; th.click(); th.click();"
    " return [...document.querySelectorAll('#beats-release-build tbody tr')].map(r => r.cells[0].textContent); })()",
}


def test_dashboard_in_chromium_shows_the_history_and_makes_no_request(tmp_path, history, chromium):
    page, last = _project(tmp_path, history)
    seen = chromium(page, tmp_path, expressions=EXPRESSIONS, screenshot="dashboard.png")
    v = seen.values

    # only the file itself was loaded: no request to any network, no error, the script ran
    assert seen.requests == [seen.url]
    assert seen.exceptions == [] and seen.log_errors == []
    assert v["ready"] == "1"
    # what specs and telemetry say is shown as text, never run
    assert v["pwned"] is None and v["scripts"] == 2 and v["images"] == 0 and v["bold"] == 0
    assert v["title"] == "Symphony dashboard"
    assert v["description"] == EVIL
    assert "Release </title><u>bold</u>" in v["summary"]
    assert v["message"] == EVIL
    # charts: one point per run, the last run's numbers
    assert v["duration"] == ["3", "3.00 s"]
    assert v["success"] == ["100.0%"]
    assert v["conformity"] == {
        "Orchestration": 1.0,
        "Handler": 0.82,
        "Governance": 0.6,
        "Traceability": 0.9,
        "Dependency": 0.97,
    }
    assert f"run {last}" in v["tooltip"] and "duration: 3.00 s" in v["tooltip"]
    # the sequence table, then the drill-down to beats (median and p95 across the three runs)
    assert v["status"] == [
        [
            "Release </title><u>bold</u> release",
            "passed",
            "66.7%",
            "530.0 ms",
            "130.0 ms",
            "+341.7%",
            "3",
            "Needs attention",
        ]
    ]
    assert v["closed"] is False
    assert v["beats"] == [
        ["1.1", "100.0%", "20.0 ms", "30.0 ms", "30.0 ms", True],
        ["1.2", "66.7%", "110.0 ms", "500.0 ms", "500.0 ms", True],
    ]
    assert v["sorted"] == ["1.2", "1.1"]  # p95 column, sorted descending on the second click
    # violations by severity and by code
    assert v["severities"] == ["CRITICAL 1", "MAJOR 0", "MINOR 2", "INFO 0"]
    assert v["codes"] == ["HANDLER_NOT_FOUND 1", "METADATA_MISSING 2"]
    assert seen.screenshot.stat().st_size > 10_000
    assert seen.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
