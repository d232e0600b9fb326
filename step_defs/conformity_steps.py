"""Steps of the conformity features (features/conformity/): each scenario writes a small
workspace and runs pytest on it through pytester, with the conformity items on and the
JSON report written, then reads what was reported.
"""

from __future__ import annotations

import json

import pytest
from pytest_bdd import given, parsers, then, when

REPORT = "conformity-report.json"


class ConformityWorkspace:
    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.ini = {"symphony_handlers": "handlers", "symphony_conformity": "true"}
        self.write_ini()

    def write_ini(self) -> None:
        body = "".join(f"{k} = {v}\n" for k, v in self.ini.items())
        self.pytester.makefile(".ini", pytest="[pytest]\n" + body)

    def write(self, rel: str, text: str) -> None:
        path = self.pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


class ConformityRun:
    def __init__(self, result: pytest.RunResult, report: dict) -> None:
        self.result = result
        self.report = report
        self.last: dict | None = None

    def find(self, code: str) -> list[dict]:
        return [v for v in self.report["violations"] if v["code"] == code]


@given("a conformity workspace", target_fixture="conformity_ws")
def _(pytester: pytest.Pytester) -> ConformityWorkspace:
    return ConformityWorkspace(pytester)


@given(parsers.parse('the workspace file "{rel}":'))
def _(conformity_ws: ConformityWorkspace, rel: str, docstring: str) -> None:
    conformity_ws.write(rel, docstring)


@given(parsers.parse("the ini option {key} = {value}"))
def _(conformity_ws: ConformityWorkspace, key: str, value: str) -> None:
    conformity_ws.ini[key] = value
    conformity_ws.write_ini()


@given("the workspace is approved")
def _(conformity_ws: ConformityWorkspace) -> None:
    result = conformity_ws.pytester.runpytest("--symphony-approve", "-p", "no:randomly")
    assert result.ret == 0, result.stdout.str()


@given("a recorded run with the attempts:")
def _(conformity_ws: ConformityWorkspace, docstring: str) -> None:
    from pytest_symphony.conformity.testing import seed_history

    seed_history(conformity_ws.pytester.path, json.loads(docstring))


@when("conformity checks the workspace", target_fixture="conformity_run")
def _(conformity_ws: ConformityWorkspace) -> ConformityRun:
    result = conformity_ws.pytester.runpytest(
        "-p", "no:randomly", "-k", "conformity", "--symphony-format=json", f"--symphony-output={REPORT}",
    )
    report = json.loads((conformity_ws.pytester.path / REPORT).read_text(encoding="utf-8"))
    return ConformityRun(result, report)


@then(parsers.parse('conformity reports {code} at "{place}"'))
def _(conformity_run: ConformityRun, code: str, place: str) -> None:
    path, _, line = place.rpartition(":")
    found = conformity_run.find(code)
    at = [v for v in found if (v["location"]["path"], v["location"]["line"]) == (path, int(line))]
    assert at, f"{code} not reported at {place}; reported at " + str(
        [f"{v['location']['path']}:{v['location']['line']}" for v in found])
    conformity_run.last = at[0]


@then(parsers.parse("conformity reports no {code}"))
def _(conformity_run: ConformityRun, code: str) -> None:
    assert conformity_run.find(code) == []


@then(parsers.parse("the fix is {safety}"))
def _(conformity_run: ConformityRun, safety: str) -> None:
    assert conformity_run.last is not None
    assert conformity_run.last["fix_safety"] == safety


@then(parsers.parse('the message says "{text}"'))
def _(conformity_run: ConformityRun, text: str) -> None:
    assert conformity_run.last is not None
    assert text in conformity_run.last["message"], conformity_run.last["message"]


@then(parsers.parse('the conformity item of "{rel}" {outcome}'))
def _(conformity_run: ConformityRun, rel: str, outcome: str) -> None:
    line = next((line for line in conformity_run.result.stdout.lines
                 if f"symphony:conformity::{rel}" in line and line.split()[0] in ("PASSED", "FAILED")), None)
    if line is None:  # -rA is not on: judge from the failure list
        failed = f"FAILED symphony:conformity::{rel}" in conformity_run.result.stdout.str()
        assert failed == (outcome == "fails"), conformity_run.result.stdout.str()
    else:
        assert line.startswith("FAILED" if outcome == "fails" else "PASSED")


# -- fixing (pytest --symphony-fix): the fix, the clean re-check, the same bytes twice --------

SKIPPED_PARTS = {".symphony", ".pytest_cache", "__pycache__"}


def _workspace_files(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not SKIPPED_PARTS & set(p.relative_to(root).parts) and p.name != REPORT}


class FixOutcome:
    def __init__(self, ws: ConformityWorkspace, args: list[str]) -> None:
        self.ws = ws
        self.args = args
        self.before = _workspace_files(ws.pytester.path)
        self.result = ws.pytester.runpytest(*args)
        self.after = _workspace_files(ws.pytester.path)
        recheck = ws.pytester.runpytest(
            "-p", "no:randomly", "-k", "conformity", "--symphony-format=json", f"--symphony-output={REPORT}")
        self.recheck = ConformityRun(recheck, json.loads((ws.pytester.path / REPORT).read_text(encoding="utf-8")))

    def row(self, code: str) -> list[str]:
        """The summary's ``code fixed not-fixable rolled-back`` row."""
        line = next((line for line in self.result.stdout.lines if line.startswith(code + " ")), None)
        assert line is not None, self.result.stdout.str()
        return line.split()[1:]


def _fix(conformity_ws: ConformityWorkspace, *extra: str) -> FixOutcome:
    return FixOutcome(conformity_ws, ["-p", "no:randomly", "--symphony-fix", *extra])


@when("conformity fixes the workspace", target_fixture="conformity_fix")
def _(conformity_ws: ConformityWorkspace) -> FixOutcome:
    return _fix(conformity_ws)


@when("conformity fixes the workspace with unsafe fixes", target_fixture="conformity_fix")
def _(conformity_ws: ConformityWorkspace) -> FixOutcome:
    return _fix(conformity_ws, "--symphony-unsafe-fixes")


@then(parsers.parse("the summary counts {count:d} {code} fixed"))
def _(conformity_fix: FixOutcome, count: int, code: str) -> None:
    assert "ROLLED BACK" not in conformity_fix.result.stdout.str(), conformity_fix.result.stdout.str()
    assert conformity_fix.row(code)[:3:2] == [str(count), "0"], conformity_fix.row(code)


@then(parsers.parse('the file "{rel}" now reads:'))
def _(conformity_fix: FixOutcome, rel: str, docstring: str) -> None:
    text = conformity_fix.after[rel].decode("utf-8")
    assert text == (docstring if docstring.endswith("\n") else docstring + "\n"), text


@then(parsers.parse('only "{rel}" changed'))
def _(conformity_fix: FixOutcome, rel: str) -> None:
    changed = sorted(p for p in set(conformity_fix.before) | set(conformity_fix.after)
                     if conformity_fix.before.get(p) != conformity_fix.after.get(p))
    assert changed == [p.strip() for p in rel.split('" and "')], changed


@then(parsers.parse("the re-check finds nothing to fix for {code}"))
def _(conformity_fix: FixOutcome, code: str) -> None:
    left = [v for v in conformity_fix.recheck.find(code) if v["fix_safety"] != "none"]
    assert left == [], left


@then("fixing again changes nothing")
def _(conformity_fix: FixOutcome) -> None:
    again = conformity_fix.ws.pytester.runpytest(*conformity_fix.args)
    assert _workspace_files(conformity_fix.ws.pytester.path) == conformity_fix.after, again.stdout.str()
    assert "nothing to fix" in again.stdout.str()
