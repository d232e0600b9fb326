"""A beat's report carries its telemetry records to every logreport hook (pytest-html's row,
xdist's transport, the OpenTelemetry export) and then lets go of them: pytest's terminal
reporter keeps every report to the end of the session, and the records are in the telemetry."""

from __future__ import annotations

import pytest

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


def test_records_reach_every_hook_then_leave_the_report(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsymphony_handlers = handlers\n")
    pytester.makepyfile(handlers="from pytest_symphony import handler\n\n\n@handler\ndef noop():\n    pass\n")
    pytester.mkdir("sequences")
    (pytester.path / "sequences" / "one.yaml").write_text(
        "id: one\nmovements:\n  - name: M\n    beats:\n      - {name: A, handler: noop}\n      - {name: B, handler: noop}\n"
    )
    pytester.makeconftest(CONFTEST)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["SEEN: [1, 1]", "KEPT: 0 of 6"])
