"""Artifacts a team can trust: a clean tree, reproducible builds, checked metadata, short failures."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CHECKOUT, add_package, git_commit, make_single, run_pytest_subprocess, write

#: flit_core, except that each wheel carries the moment it was built: never reproducible.
STAMPING_BACKEND = """
import time
from pathlib import Path

from flit_core.buildapi import *  # noqa: F401,F403
from flit_core import buildapi


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    Path("solo", "_stamp.py").write_text(f"BUILT = {time.perf_counter_ns()}\\n")
    return buildapi.build_wheel(wheel_directory, config_settings, metadata_directory)
"""


def _report(root: Path) -> dict:
    (run_dir,) = (root / ".symphony" / "runs").iterdir()
    return json.loads((run_dir / "build-report.json").read_text())


# -- a clean tree ------------------------------------------------------------------------------
def test_a_setuptools_project_in_git_keeps_a_clean_tree(tmp_path: Path):
    pytest.importorskip("setuptools", reason="the project builds with setuptools")
    root = tmp_path / "shop"
    write(
        root / "pyproject.toml",
        """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "shop"
        version = "1.2.0"
        description = "a shop"
        readme = "README.md"
    """,
    )
    write(root / "README.md", "# shop\n\nSells things.\n")
    write(root / "src" / "shop" / "__init__.py", '"""shop."""\n')
    git_commit(root)
    proc = run_pytest_subprocess(root, "--symphony=build", "-k", "not validate-governance-rules and not score")
    assert proc.returncode == 0, proc.stdout[-4000:]
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--ignored"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    outside = [line for line in status if not line[3:].startswith(("dist/", ".symphony/"))]
    assert outside == []  # no src/shop.egg-info, no build/, no docs/, no .ruff_cache
    assert sorted(p.name for p in (root / "dist").iterdir()) == [
        "artifact-manifest.json",
        "shop-1.2.0-py3-none-any.whl",
        "shop-1.2.0.tar.gz",
    ]


# -- reproducible builds -----------------------------------------------------------------------
def test_ff_fails_when_a_second_build_of_the_commit_differs(pytester: pytest.Pytester, build_run):
    root = make_single(pytester.path)
    text = (
        (root / "pyproject.toml")
        .read_text()
        .replace('build-backend = "flit_core.buildapi"', 'build-backend = "stamping_backend"\nbackend-path = ["."]')
    )
    (root / "pyproject.toml").write_text(text + '\n[tool.flit.sdist]\ninclude = ["stamping_backend.py"]\n')
    write(root / "stamping_backend.py", STAMPING_BACKEND)
    git_commit(root)
    result = build_run("--symphony-dynamic=ff", "-k", "package-building or validation")
    result.stdout.fnmatch_lines(
        [
            "*build-package::solo FAILED*",
            "two builds of solo from the same sources differ (SOURCE_DATE_EPOCH=* (from the time of the last commit)):",
            "  solo-0.1.0-py2.py3-none-any.whl: member solo/_stamp.py differs between the two builds",
        ]
    )
    assert not (root / "dist").exists() or list((root / "dist").iterdir()) == []


def test_without_ff_the_manifest_says_reproducibility_was_not_checked(pytester: pytest.Pytester, build_run):
    root = make_single(pytester.path)
    assert build_run("-k", "not governance and not score").ret == 0
    manifest = json.loads((root / "dist" / "artifact-manifest.json").read_text())
    assert {(e["reproducible"], e["reproducibility"]) for e in manifest["artifacts"]} == {
        (None, "not checked: a --symphony-dynamic=ff build builds twice and compares")
    }


# -- the metadata beat -------------------------------------------------------------------------
def test_metadata_without_a_readme_fails_as_twine_check_strict(pytester: pytest.Pytester, build_run):
    root = make_single(pytester.path)
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text().replace('readme = "README.md"\n', ""))
    result = build_run("-k", "not governance and not score")
    result.stdout.fnmatch_lines(
        [
            "*check-distribution-metadata FAILED*",
            "2 distribution(s) fail the metadata check (as twine check --strict would):",
            "  solo-0.1.0-py2.py3-none-any.whl: warning: `long_description` missing (set [[]project[]] readme)",
            '*or set [[]tool.symphony.build[]] metadata = "errors" to let warnings pass',
        ]
    )


def test_metadata_errors_mode_lets_warnings_pass(pytester: pytest.Pytester, build_run):
    root = make_single(pytester.path, extra='metadata = "errors"\n')
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text().replace('readme = "README.md"\n', ""))
    result = build_run("-k", "not governance and not score")
    result.stdout.fnmatch_lines(
        ["*check-distribution-metadata PASSED*", "*BuildWarning: solo-0.1.0.tar.gz: `long_description` missing*"]
    )
    assert _report(root)["metadata"]["strict"] is False


def test_a_readme_pypi_cannot_render_fails_the_metadata_beat(pytester: pytest.Pytester, build_run):
    root = make_single(pytester.path)
    (root / "README.md").unlink()
    write(root / "README.rst", "Solo\n====\n\n.. image:: \n   :bogus-option: x\n\n`unclosed link <http://x\n")
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text().replace('"README.md"', '"README.rst"'))
    result = build_run("-k", "not governance and not score")
    result.stdout.fnmatch_lines(
        [
            "*check-distribution-metadata FAILED*",
            "  solo-0.1.0*: error: `long_description` has syntax errors in markup and would not be rendered on PyPI: line *",
        ]
    )


# -- live progress -----------------------------------------------------------------------------
def _in_a_terminal(root: Path, *args: str) -> str:
    """Run the build in a pseudo-terminal, as a person at a shell would see it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(PYTHONPATH=str(CHECKOUT), SYMPHONY_BUILD_NO_ISOLATION="1", COLUMNS="100")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--symphony=build",
            "--symphony-dynamic=p",
            "-k",
            "not governance",
            *args,
        ],
        cwd=root,
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is gone
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=120) == 0, b"".join(chunks).decode(errors="replace")[-3000:]
    return b"".join(chunks).decode(errors="replace")


def test_a_package_build_shows_a_live_line_in_a_terminal(pytester: pytest.Pytester):
    make_single(pytester.path)
    shown = _in_a_terminal(pytester.path, "-v")
    assert "\r  building solo [" in shown  # rewritten in place: name, elapsed seconds, the last output line
    assert "Successfully built" in shown or "Building wheel" in shown
    assert "  building solo done in " in shown
    assert "build-package::solo PASSED" in shown


def test_no_live_line_under_q_or_without_a_terminal(pytester: pytest.Pytester):
    make_single(pytester.path)
    assert "building solo [" not in _in_a_terminal(pytester.path, "-q")
    proc = run_pytest_subprocess(pytester.path, "--symphony=build", "--symphony-dynamic=p", "-v")
    assert proc.returncode == 0 and "building solo" not in proc.stdout


# -- short failures of built-in beats ----------------------------------------------------------
def test_a_beat_whose_input_was_deselected_says_which_beat_to_run(pytester: pytest.Pytester, build_run):
    make_single(pytester.path)
    result = build_run("--symphony-isolated", "-k", "hash-artifacts")
    result.stdout.fnmatch_lines(
        [
            "*hash-artifacts FAILED*",
            "the artifacts to check come from beat 5.1 (Collect artifacts), which did not run in this session; "
            "run the whole movement (a -k selection left beat 5.1 (Collect artifacts) out)",
        ]
    )
    out = result.stdout.str()
    failure = out[out.index("=== FAILURES ===") : out.index("-- symphony --")]
    assert "/_pytest/" not in failure and "/pluggy/" not in failure and len(failure.splitlines()) < 8


def _broken_disk(path):
    raise OSError(f"disk on fire while reading {Path(path).name}")


def test_an_unexpected_error_in_a_built_in_beat_shows_its_frames_not_pytests(
    pytester: pytest.Pytester, build_run, monkeypatch: pytest.MonkeyPatch
):
    import pytest_symphony.buildkit.artifacts as artifacts  # imported before the run, so the run uses it

    make_single(pytester.path)
    monkeypatch.setattr(artifacts, "sha256_file", _broken_disk)
    result = build_run("-k", "not governance and not score")
    out = result.stdout.str()
    failure = out[out.index("___ build::Artifacts::Hash artifacts ___") : out.index("-- symphony --")]
    assert "built-in handler 'hashArtifacts' failed: Traceback (most recent call last):" in failure
    assert "build_handlers.py" in failure and "test_build_trust.py" in failure and "raise OSError" in failure
    assert "OSError: disk on fire while reading solo-0.1.0" in failure
    assert "/_pytest/" not in failure and "/pluggy/" not in failure and "conductor.py" not in failure
    assert len(failure.splitlines()) < 20


def test_a_failed_build_says_how_to_reproduce_it_with_the_flags_used(pytester: pytest.Pytester, build_run):
    root = pytester.path
    write(root / "pyproject.toml", '[tool.symphony.build]\npackages = ["packages/*"]\n')
    add_package(root, "packages/broken", "broken", failing=True)
    result = build_run("-k", "package-building")
    line = next(line for line in result.stdout.lines if "reproduce with:" in line)
    command = line.split("reproduce with: ", 1)[1]
    assert " --no-isolation " in command and command.endswith(str(root / "packages" / "broken"))
    proc = subprocess.run(command, shell=True, cwd=root, capture_output=True, text=True)  # what a person pastes
    assert proc.returncode != 0 and "deliberate wheel failure MARKER-77" in proc.stdout + proc.stderr
