"""Movement 4 (the host build), Ruff in movement 6, and a project's own handlers replacing both."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from pytest_symphony.buildkit import find_ruff

from .conftest import make_single

HOST_WRITES_BUNDLE = (
    f'host = ["{sys.executable}", "-c", '
    "\"import pathlib; p = pathlib.Path('web/dist'); p.mkdir(parents=True); (p / 'app.js').write_text('ok')\"]\n"
    'host_outputs = ["web/dist/*.js"]\n'
)


def _fake_ruff(folder: Path, output: str, code: int) -> Path:
    """An executable named ``ruff`` that prints ``output`` and exits with ``code``."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "ruff"
    exe.write_text(f"#!/bin/sh\necho \"ruff $*\"\nprintf '%s\\n' '{output}'\nexit {code}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return folder


def _report(root: Path) -> dict:
    (run_dir,) = (root / ".symphony" / "runs").iterdir()
    return json.loads((run_dir / "build-report.json").read_text())


def test_without_a_host_command_the_host_beats_skip(pytester: pytest.Pytester, build_run):
    make_single(pytester.path)
    result = build_run()
    result.stdout.fnmatch_lines(["SKIPPED [[]4] *build_handlers.py:*: no host build configured"])
    assert _report(pytester.path)["host"]["summary"].startswith("No host build configured")


def test_the_configured_host_build_runs_and_its_outputs_are_checked(pytester: pytest.Pytester, build_run):
    make_single(pytester.path, extra=HOST_WRITES_BUNDLE)
    result = build_run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*run-host-build PASSED*", "*check-host-outputs PASSED*", "*record-host-build PASSED*"]
    )
    assert (pytester.path / "web" / "dist" / "app.js").read_text() == "ok"
    assert _report(pytester.path)["host"]["outputs"] == ["web/dist/app.js"]


def test_missing_host_outputs_fail_the_check(pytester: pytest.Pytester, build_run):
    make_single(pytester.path, extra=f'host = ["{sys.executable}", "-c", "pass"]\nhost_outputs = ["web/dist/*.js"]\n')
    result = build_run()
    result.stdout.fnmatch_lines(
        [
            "*run-host-build PASSED*",
            "*check-host-outputs FAILED*",
            "*left these declared outputs missing: web/dist/*.js; fix the build or [[]tool.symphony.build[]] host_outputs*",
        ]
    )


def test_a_failing_host_build_shows_its_output(pytester: pytest.Pytester, build_run):
    make_single(
        pytester.path,
        extra=f'host = ["{sys.executable}", "-c", "import sys; sys.exit(\'bundler: syntax error in app.ts\')"]\n',
    )
    result = build_run()
    result.stdout.fnmatch_lines(["*run-host-build FAILED*", "*exited with code 1*", "bundler: syntax error in app.ts"])


def test_a_project_handler_overrides_the_built_in_host_build_and_lint(pytester: pytest.Pytester, build_run):
    make_single(pytester.path)
    pytester.makepyfile(
        team_build="""
        from pathlib import Path
        from pytest_symphony import handler

        @handler("runHostBuild")
        def our_host_build(symphony):
            Path("host-built.txt").write_text("by the team")
            symphony.metric("bundles", 1)

        @handler("lintWithRuff")
        def our_lint(symphony):
            symphony.emit("team-lint", tool="flake-something")
    """
    )
    pytester.makeini("[pytest]\nsymphony_handlers = team_build\n")
    result = build_run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*prepare-host-build SKIPPED*", "*run-host-build PASSED*", "*verification::lint PASSED*"]
    )
    assert (pytester.path / "host-built.txt").read_text() == "by the team"
    interactions = json.loads((pytester.path / ".symphony" / "manifests" / "interactions.json").read_text())
    lint = next(r for r in interactions["interactions"] if r["slug"] == "lint")
    assert lint["handlers"] == [
        {"ref": "lintWithRuff", "name": "lintWithRuff", "module": "team_build", "origin": "project"}
    ]


def test_lint_skips_with_a_reason_when_ruff_is_missing(pytester: pytest.Pytester, build_run, monkeypatch):
    if find_ruff() is not None:
        pytest.skip("ruff is installed here, so the lint beat runs it")
    make_single(pytester.path)
    result = build_run()
    result.stdout.fnmatch_lines(
        ["SKIPPED [[]1] *: ruff is not installed (pip install ruff), so the project is not linted"]
    )


def test_ruff_findings_fail_the_lint_beat(pytester: pytest.Pytester, build_run, monkeypatch, tmp_path):
    bin_dir = _fake_ruff(tmp_path / "bin", "solo/__init__.py:1:8: F401 [*] `os` imported but unused", 1)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    make_single(pytester.path)
    result = build_run()
    result.stdout.fnmatch_lines(
        [
            "*verification::lint FAILED*",
            f"Ruff found problems in {pytester.path}; full log: *lint.log",
            "ruff check --output-format concise --cache-dir */.symphony/cache/ruff .",
            "solo/__init__.py:1:8: F401 [*] `os` imported but unused",
        ]
    )


def test_clean_ruff_passes_and_is_reported(pytester: pytest.Pytester, build_run, monkeypatch, tmp_path):
    bin_dir = _fake_ruff(tmp_path / "bin", "All checks passed!", 0)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    make_single(pytester.path)
    result = build_run()
    result.stdout.fnmatch_lines(["*verification::lint PASSED*"])
    cache = pytester.path / ".symphony" / "cache" / "ruff"
    assert _report(pytester.path)["lint"]["summary"] == (
        f"`{bin_dir / 'ruff'} check --output-format concise --cache-dir {cache} .` passed."
    )
