"""A beat's report carries its telemetry records to every logreport hook (pytest-html's row,
xdist's transport, the OpenTelemetry export) and then lets go of them: pytest's terminal
reporter keeps every report to the end of the session, and the records are in the telemetry."""

from __future__ import annotations


CONFTEST = """
import pytest

seen = []

@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report):
    if report.when == "call":
        seen.append(len(getattr(report, "symphony", None) or ()))

def pytest_unconfigure(config):
    reports = [r for kind in config.pluginmanager.get_plugin("terminalreporter").stats.values() for r in kind]
    print("SEEN:", seen)
    print("KEPT:", sum(hasattr(r, "symphony") for r in reports), "of", len(reports))
"""


def test_records_reach_every_hook_then_leave_the_report(project) -> None:
    project.handlers("@handler\ndef noop():\n    pass\n")
    project.spec(
        "one.yaml",
        "id: one\nmovements:\n  - name: M\n    beats:\n      - {name: A, handler: noop}\n      - {name: B, handler: noop}\n",
    )
    project.pytester.makeconftest(CONFTEST)
    result = project.pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["SEEN: [1, 1]", "KEPT: 0 of 6"])
