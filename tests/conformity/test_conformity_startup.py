"""A symphony run that does not ask for conformity, fixes or export pays nothing for them:
the conformity, remediation and OpenTelemetry plug-ins load with the project's other areas,
but not the engine, its checks, libcst, the findings' model, the fix report or the exporter
(what they import at module level stays light)."""

from __future__ import annotations


HEAVY = (
    "libcst",
    "pytest_symphony.conformity.engine",
    "pytest_symphony.conformity.pyscan",
    "pytest_symphony.conformity.workspace",
    "pytest_symphony.remediation.phases",
    "pytest_symphony.conformity.gather",
    "pytest_symphony.conformity.violation",
    "pytest_symphony.conformity.scores",
    "pytest_symphony.conformity.plain_items",
    "pytest_symphony.conformity.gathered",
    "pytest_symphony.remediation.fix_report",
    "pytest_symphony.remediation.snapshot",
    "pytest_symphony.otel.session_export",
)

CONFTEST = f"""
import sys

def pytest_unconfigure(config):
    loaded = [m for m in {HEAVY!r} if m in sys.modules]
    areas = [m for m in ("pytest_symphony.conformity.plugin", "pytest_symphony.remediation.plugin") if m in sys.modules]
    print("AREAS:", ",".join(areas))
    print("LOADED:", ",".join(loaded) or "nothing")
"""


def test_a_run_without_conformity_loads_no_engine(project) -> None:
    project.handlers("@handler\ndef noop():\n    pass\n")
    project.spec("one.yaml", "id: one\nmovements:\n  - name: M\n    beats:\n      - {name: B, handler: noop}\n")
    project.pytester.makeconftest(CONFTEST)
    result = project.pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["AREAS: pytest_symphony.conformity.plugin,pytest_symphony.remediation.plugin", "LOADED: nothing"]
    )
