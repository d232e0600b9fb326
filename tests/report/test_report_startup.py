"""A symphony run that asks for no report pays nothing for one: the report area's plug-in
loads with the project's other areas, but not the analysis or the renderers; a run that asks
for a report loads them and writes it."""

from __future__ import annotations

import pytest

HEAVY = (
    "jinja2",
    "pytest_symphony.report.model",
    "pytest_symphony.report.analysis",
    "pytest_symphony.report.dashboard",
    "pytest_symphony.report.markdown",
)

CONFTEST = f"""
import sys

def pytest_unconfigure(config):
    print("AREA:", "pytest_symphony.report.plugin" in sys.modules)
    print("LOADED:", ",".join(m for m in {HEAVY!r} if m in sys.modules) or "nothing")
    print("HTML GLUE:", "pytest_symphony.report.html_extras" in sys.modules)
"""


@pytest.fixture
def one_beat(project) -> pytest.Pytester:
    project.handlers("@handler\ndef noop():\n    pass\n")
    project.spec("one.yaml", "id: one\nmovements:\n  - name: M\n    beats:\n      - {name: B, handler: noop}\n")
    project.pytester.makeconftest(CONFTEST)
    return project.pytester


def test_a_run_without_a_report_loads_no_analysis(one_beat: pytest.Pytester) -> None:
    result = one_beat.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:html")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["AREA: True", "LOADED: nothing"])


def test_a_run_asking_for_a_report_loads_it_and_writes_it(one_beat: pytest.Pytester) -> None:
    result = one_beat.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "--symphony-report=md")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*symphony: wrote *.md*", "LOADED: *pytest_symphony.report.model*"])


def test_pytest_html_installed_but_not_asked_for_loads_no_glue(one_beat: pytest.Pytester) -> None:
    result = one_beat.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["HTML GLUE: False"])


def test_a_run_writing_a_pytest_html_report_loads_the_glue(one_beat: pytest.Pytester) -> None:
    result = one_beat.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "--html=out.html")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["HTML GLUE: True"])
    assert "Sequence" in (one_beat.path / "out.html").read_text(encoding="utf-8")
