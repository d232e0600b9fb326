"""The engine as a library: its result, suppressions, the scan cache, worker processes,
plugin checks, and a check that raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_symphony.conformity import engine as engine_mod
from pytest_symphony.conformity.checks import CheckRegistry, SpecCheck
from pytest_symphony.conformity.codes import (
    Category,
    Code,
    Dimension,
    FixSafety,
    Severity,
    register_code,
    unregister_code,
)
from pytest_symphony.conformity.engine import EngineResult, check_workspace
from pytest_symphony.conformity.testing import write_files
from pytest_symphony.conformity.violation import Place, Violation

SPEC = """\
id: release
name: Release
description: Ships it
kind: build
status: active
events: [built]
movements:
  - name: Build
    beats:
      - name: Build
        handler: build
        event: built
        acceptanceCriteria: [a wheel exists]
"""

HANDLERS = """\
import subprocess

from pytest_symphony import handler


@handler
def build():
    subprocess.run(["true"])  # symphony: ignore[UNCHECKED_SUBPROCESS]
    try:
        return {"ok": True}
    except ValueError:
        pass
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    write_files(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nsymphony_handlers = handlers\n",
            "sequences/release.yaml": SPEC,
            "handlers.py": HANDLERS,
        },
    )
    return tmp_path


def codes(result: EngineResult) -> list[str]:
    return sorted(v.code for v in result.violations)


def test_result_shape(ws):
    result = check_workspace(ws)
    assert codes(result) == ["BDD_SPEC_MISSING", "EXCEPTION_SWALLOWED"]
    assert result.files == ["handlers.py", "sequences/release.yaml"]
    assert set(result.scores) == set(Dimension)
    assert result.scores[Dimension.ORCHESTRATION] == 1.0
    assert result.scores[Dimension.HANDLER] < 1.0
    assert result.checked[Dimension.ORCHESTRATION] == 4  # file, sequence, movement, beat
    assert result.threshold is Severity.MAJOR
    swallowed = next(v for v in result.violations if v.code == "EXCEPTION_SWALLOWED")
    assert (swallowed.place.path, swallowed.place.line, swallowed.place.col) == ("handlers.py", 11, 5)
    (edit,) = swallowed.fix.edits
    assert HANDLERS[edit.start_offset : edit.end_offset] == "pass" and edit.replacement == "raise"


def test_comment_suppression_silences_and_is_counted(ws):
    result = check_workspace(ws)
    assert [v.code for v in result.suppressed] == ["UNCHECKED_SUBPROCESS"]
    assert result.unused_suppressions == []


def test_spec_suppression_reaches_other_files_and_unused_is_reported(ws):
    (ws / "sequences/release.yaml").write_text(
        SPEC + "        x-symphony-ignore: [BDD_SPEC_MISSING, EXCEPTION_SWALLOWED, EMPTY_MOVEMENT]\n", encoding="utf-8"
    )
    result = check_workspace(ws)
    assert codes(result) == ["EXCEPTION_SWALLOWED"]  # a handler-file finding names no beat
    assert sorted(v.code for v in result.suppressed) == ["BDD_SPEC_MISSING", "UNCHECKED_SUBPROCESS"]
    unused = sorted((u.code, u.place.path, u.place.line) for u in result.unused_suppressions)
    assert unused == [
        ("EMPTY_MOVEMENT", "sequences/release.yaml", 14),
        ("EXCEPTION_SWALLOWED", "sequences/release.yaml", 14),
    ]


def test_unknown_code_in_a_comment_is_reported(ws):
    (ws / "handlers.py").write_text(HANDLERS.replace("ignore[UNCHECKED_SUBPROCESS]", "ignore[UNCHECKED_SUBPROCES]"))
    result = check_workspace(ws)
    assert "UNCHECKED_SUBPROCESS" in codes(result)
    assert [(u.reason, u.code) for u in result.unused_suppressions] == [("unknown", "UNCHECKED_SUBPROCES")]


def test_cache_reuses_scans_until_a_file_changes(ws):
    first = check_workspace(ws)
    assert first.stats["scanned"] == 1 and first.stats["cached"] == 0
    second = check_workspace(ws)
    assert second.stats["scanned"] == 0 and second.stats["cached"] == 1
    assert [v.to_dict() for v in second.violations] == [v.to_dict() for v in first.violations]
    (ws / "handlers.py").write_text(HANDLERS + "\n# edited\n", encoding="utf-8")
    assert check_workspace(ws).stats["scanned"] == 1
    assert (ws / ".symphony" / "cache" / "conformity").is_dir()


def test_worker_processes_give_the_same_result(ws, monkeypatch):
    for i in range(6):
        (ws / f"mod{i}.py").write_text(HANDLERS.replace("def build", f"def build{i}"), encoding="utf-8")
    extra = [ws / f"mod{i}.py" for i in range(6)]
    serial = check_workspace(ws, paths=extra, jobs=1, use_cache=False)
    monkeypatch.setattr(engine_mod, "PARALLEL_THRESHOLD", 2)
    parallel = check_workspace(ws, paths=extra, jobs=2, use_cache=False)
    assert [v.to_dict() for v in parallel.violations] == [v.to_dict() for v in serial.violations]
    assert sum(v.code == "EXCEPTION_SWALLOWED" for v in serial.violations) == 7


class NoDescription(SpecCheck):
    code = "ACME_SHORT_NAME"

    def check_sequence(self, spec, ws):
        if len(spec.sequence.name or "") < 10:
            yield Violation(self.code, "name is short", Place(spec.rel, 2, 1), sequence=spec.sequence.id)


class Explodes(SpecCheck):
    code = "ACME_BOOM"

    def check_sequence(self, spec, ws):
        raise RuntimeError("boom")


@pytest.fixture
def acme_codes():
    for name in ("ACME_SHORT_NAME", "ACME_BOOM"):
        register_code(Code(name, Category.ORCHESTRATION, Dimension.GOVERNANCE, Severity.MINOR, FixSafety.NONE, "x"))
    yield
    for name in ("ACME_SHORT_NAME", "ACME_BOOM"):
        unregister_code(name)


def test_plugin_checks_run_and_a_raising_check_is_an_error(ws, acme_codes):
    registry = CheckRegistry()
    registry.add(NoDescription)
    registry.add(Explodes)
    result = check_workspace(ws, checks=registry)
    short = [v for v in result.violations if v.code == "ACME_SHORT_NAME"]
    assert [(v.place.path, v.place.line, v.dimension) for v in short] == [
        ("sequences/release.yaml", 2, Dimension.GOVERNANCE)
    ]
    assert any("check ACME_BOOM failed: RuntimeError: boom" in e[3] for e in result.errors)
    assert "EXCEPTION_SWALLOWED" in codes(result)  # the others still ran


class LongName(SpecCheck):
    """A plugin check declaring its code as the built-in checks do."""

    code = "ACME_LONG_NAME"
    severity = Severity.INFO
    category = Category.GOVERNANCE
    summary = "A sequence name longer than five characters."

    def check_sequence(self, spec, ws):
        if len(spec.sequence.name or "") > 5:
            yield Violation(self.code, "name is long", Place(spec.rel, 2, 1), sequence=spec.sequence.id)


def test_a_plugin_check_that_declares_its_code_is_registered_with_it(ws):
    registry = CheckRegistry()
    try:
        registry.add(LongName)
        result = check_workspace(ws, checks=registry)
    finally:
        unregister_code("ACME_LONG_NAME")
    found = [v for v in result.violations if v.code == "ACME_LONG_NAME"]
    assert [(v.severity, v.dimension) for v in found] == [(Severity.INFO, Dimension.GOVERNANCE)]


def test_a_check_declaring_a_built_in_code_differently_is_refused():
    class Louder(SpecCheck):
        code = "EMPTY_MOVEMENT"
        severity = Severity.CRITICAL
        category = Category.SEQUENCE
        summary = "louder"

    with pytest.raises(ValueError, match="EMPTY_MOVEMENT unlike the registered code"):
        CheckRegistry([]).add(Louder)

    class Unplaced(SpecCheck):
        code = "ACME_NOWHERE"
        severity = Severity.MINOR
        summary = "no category"

    with pytest.raises(ValueError, match="without a category: set `category`"):
        CheckRegistry([]).add(Unplaced)


def test_unparsable_python_is_an_error_not_a_crash(ws):
    (ws / "handlers.py").write_text("def broken(:\n", encoding="utf-8")
    result = check_workspace(ws)
    assert [(e[0], e[1]) for e in result.errors] == [("handlers.py", 1)]
    assert "HANDLER_NOT_FOUND" in codes(result)


def test_runtime_registry_resolves_plugin_handlers(ws):
    from pytest_symphony.runtime.registry import HandlerRegistry

    (ws / "sequences/release.yaml").write_text(SPEC.replace("handler: build", "handler: from_plugin"))
    assert "HANDLER_NOT_FOUND" in codes(check_workspace(ws))

    def from_plugin():
        return {}

    registry = HandlerRegistry()
    registry.add(from_plugin)
    assert "HANDLER_NOT_FOUND" not in codes(check_workspace(ws, registry=registry))


def test_fail_on_comes_from_the_ini(ws):
    (ws / "pytest.ini").write_text("[pytest]\nsymphony_handlers = handlers\nsymphony_fail_on = critical\n")
    result = check_workspace(ws)
    assert result.threshold is Severity.CRITICAL and result.failing() == []


def test_a_damaged_lock_is_an_error_naming_it(ws):
    (ws / "symphony.lock").write_text("{not json", encoding="utf-8")
    result = check_workspace(ws)
    (error,) = result.errors
    assert error[0] == "symphony.lock" and "approve again with pytest --symphony-approve" in error[3]


def test_domain_registry_from_the_ini_in_the_simple_shape(ws):
    (ws / "pytest.ini").write_text(
        "[pytest]\nsymphony_handlers = handlers\nsymphony_domain_registry = gov/domains.json\n"
    )
    write_files(ws, {"gov/domains.json": '{"domains": [{"id": "shop", "sequences": ["release", "refund"]}]}\n'})
    (ws / "sequences/release.yaml").write_text(SPEC + "domainId: shoe\n", encoding="utf-8")
    result = check_workspace(ws)
    found = {
        (v.code, v.place.path) for v in result.violations if v.code in ("DOMAIN_NOT_FOUND", "ORPHANED_DOMAIN_REFERENCE")
    }
    assert found == {("DOMAIN_NOT_FOUND", "sequences/release.yaml"), ("ORPHANED_DOMAIN_REFERENCE", "gov/domains.json")}
    assert "gov/domains.json" in result.files
    missing = next(v for v in result.violations if v.code == "DOMAIN_NOT_FOUND")
    assert missing.message.endswith("did you mean shop?")
