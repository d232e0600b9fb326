"""Beat 7, Test End-to-End: the project's own suite in a subprocess, under coverage.py.

``python -m coverage run -m pytest -p no:symphony --junitxml=...``: the suite runs as the
team runs it, without this plugin (a delivery run must not recurse into itself), and the
JUnit XML and coverage JSON are read back.  The gate: at least one test ran, none failed
or errored, and total coverage is at least ``fail_under`` (``[tool.symphony.delivery]``,
else ``[tool.coverage.report]``, else 80).
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..paths import shown_path
from ..toml import TOMLDecodeError, tomllib
from .commands import CommandResult, run_command
from .errors import DeliveryError, Finding
from .records import Metric
from .settings import DeliverySettings

__all__ = ["JUnitSummary", "TestSuiteResult", "coverage_fail_under", "read_junit", "test_suite"]

DEFAULT_FAIL_UNDER = 80.0


@dataclass(frozen=True)
class JUnitSummary:
    tests: int
    failures: int
    errors: int
    skipped: int
    failed: tuple[str, ...] = ()  #: "classname::name: message" of failing or erroring cases


def read_junit(path: Path) -> JUnitSummary:
    """Totals and failing cases of a JUnit XML file (``testsuites`` or a single ``testsuite``)."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = failures = errors = skipped = 0
    failed = []
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failures += int(suite.get("failures", 0))
        errors += int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
        for case in suite.iter("testcase"):
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is not None:
                message = (problem.get("message") or "").splitlines()[0:1]
                failed.append(f"{case.get('classname')}::{case.get('name')}" + (f": {message[0]}" if message else ""))
    return JUnitSummary(tests, failures, errors, skipped, tuple(failed))


def coverage_fail_under(settings: DeliverySettings) -> tuple[float, str]:
    """(the coverage gate, where it came from)."""
    if settings.fail_under is not None:
        return settings.fail_under, "[tool.symphony.delivery] fail_under"
    if settings.pyproject is not None:
        try:
            data = tomllib.loads(settings.pyproject.read_text(encoding="utf-8"))
            value = data.get("tool", {}).get("coverage", {}).get("report", {}).get("fail_under")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value), "[tool.coverage.report] fail_under"
        except (OSError, UnicodeDecodeError, TOMLDecodeError):
            pass
    return DEFAULT_FAIL_UNDER, "default"


@dataclass(frozen=True)
class TestSuiteResult:
    __test__ = False  # not a pytest test class

    junit: JUnitSummary | None
    coverage: Metric
    fail_under: float
    run: CommandResult
    junit_path: Path
    coverage_path: Path
    findings: tuple[Finding, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        j = self.junit
        return {
            "tests": j.tests if j else None,
            "failures": j.failures if j else None,
            "errors": j.errors if j else None,
            "skipped": j.skipped if j else None,
            "coverage": self.coverage.to_json(),
            "fail_under": self.fail_under,
            "run": self.run.to_json(),
            "junit": str(self.junit_path),
            "findings": [f.to_json() for f in self.findings],
        }


def _suite_env(settings: DeliverySettings, data_file: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT_TEST", "COV_CORE_", "COVERAGE_"))
    }
    env["COVERAGE_FILE"] = str(data_file)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    env.update(extra or {})
    return env


def test_suite(
    settings: DeliverySettings,
    out_dir: Path,
    *,
    args: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> TestSuiteResult:
    """Beat 7: run the suite under coverage in ``settings.root``; results and logs go to ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    junit, data_file, cov_json = out_dir / "junit.xml", out_dir / ".coverage", out_dir / "coverage.json"
    for stale in (junit, data_file, cov_json):
        stale.unlink(missing_ok=True)
    fail_under, fail_source = coverage_fail_under(settings)
    full_env = _suite_env(settings, data_file, env)
    run = run_command(
        _suite_command(settings, junit, settings.test_args if args is None else args),
        cwd=settings.root,
        env=full_env,
        timeout=settings.command_timeout,
        log_path=out_dir / "tests.log",
    )
    if "No module named coverage" in run.output_tail:
        raise DeliveryError(
            "test_suite",
            [
                Finding(
                    f"coverage.py is not installed for {settings.python}",
                    None,
                    0,
                    "pip install 'pytest-symphony[delivery]' (or coverage)",
                )
            ],
        )
    summary = read_junit(junit) if junit.is_file() else None
    findings = _run_findings(settings, run, summary, junit)
    coverage = _coverage(settings, data_file, cov_json, full_env, out_dir)
    findings += _coverage_findings(coverage, fail_under, fail_source)
    result = TestSuiteResult(summary, coverage, fail_under, run, junit, cov_json, tuple(findings))
    if findings:
        raise DeliveryError("test_suite", findings, result=result)
    return result


test_suite.__test__ = False  # type: ignore[attr-defined]  # not a test when a test module imports it


def _coverage(
    settings: DeliverySettings, data_file: Path, cov_json: Path, env: Mapping[str, str], out_dir: Path
) -> Metric:
    if not data_file.is_file():
        return Metric.not_measured("coverage", "coverage.py wrote no data file", "%")
    report = run_command(
        (settings.python, "-m", "coverage", "json", "-o", str(cov_json), "--fail-under=0"),
        cwd=settings.root,
        env=env,
        timeout=settings.command_timeout,
        log_path=out_dir / "coverage.log",
    )
    try:
        totals = json.loads(cov_json.read_text(encoding="utf-8"))["totals"]
    except (OSError, ValueError, KeyError):
        return Metric.not_measured("coverage", f"coverage json failed: {report.describe()}", "%")
    return Metric("coverage", float(totals["percent_covered"]), "%", shown_path(cov_json, settings.root))


def _suite_command(settings: DeliverySettings, junit: Path, pytest_args: Sequence[str]) -> tuple[str, ...]:
    """The project's suite under coverage.py, without this plugin (no recursion) and writing JUnit XML."""
    return (
        settings.python,
        "-m",
        "coverage",
        "run",
        "-m",
        "pytest",
        "-p",
        "no:symphony",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        "-q",
        *pytest_args,
    )


def _run_findings(
    settings: DeliverySettings, run: CommandResult, summary: JUnitSummary | None, junit: Path
) -> list[Finding]:
    """What the run's JUnit XML says is wrong: none written, no test ran, failures (the first 20), a crash."""
    if summary is None:
        return [
            Finding(
                f"the test run wrote no JUnit XML: {run.describe()}",
                None,
                0,
                "run the suite by hand with the command in the log",
            )
        ]
    findings = []
    if summary.tests == 0:
        findings.append(Finding("no tests ran", str(settings.root), 0, "add tests, or fix test_args"))
    shown = shown_path(junit, settings.root)
    findings += [Finding(f"failed: {case}", shown, 0, "fix the test or the code") for case in summary.failed[:20]]
    if len(summary.failed) > 20:
        findings.append(Finding(f"... and {len(summary.failed) - 20} more failures", shown))
    if run.returncode not in (0, 1) and summary.tests and not summary.failed:
        findings.append(Finding(f"pytest {run.describe()}", None, 0, "see the log"))
    return findings


def _coverage_findings(coverage: Metric, fail_under: float, fail_source: str) -> list[Finding]:
    if coverage.value is not None and coverage.value < fail_under:
        return [
            Finding(
                f"coverage {coverage.value:.2f}% is below {fail_under:g}% ({fail_source})",
                None,
                0,
                "test the uncovered code (see coverage.json), or lower fail_under deliberately",
            )
        ]
    if not coverage.measured:
        return [Finding(f"coverage: not measured: {coverage.missing}", None, 0, "see the log")]
    return []
