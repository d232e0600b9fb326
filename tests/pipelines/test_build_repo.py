"""The README's main command, ``pytest --symphony=build``, on a copy of this repository."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import git_commit, run_pytest_subprocess

REPO = Path(__file__).resolve().parents[2]
#: never copied: environments, VCS data, build output and caches of the working tree
IGNORED = shutil.ignore_patterns(
    ".venv",
    ".ci-venv",
    ".git",
    "dist",
    "build",
    "*.egg-info",
    "__pycache__",
    ".symphony",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
)


@pytest.fixture(scope="module")
def repo_build(tmp_path_factory: pytest.TempPathFactory):
    setuptools = pytest.importorskip("setuptools", reason="this repository builds with setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"setuptools {setuptools.__version__} is installed; this repository's pyproject needs >= 77")
    copy = tmp_path_factory.mktemp("repo") / "pytest-symphony"
    shutil.copytree(REPO, copy, ignore=IGNORED)
    commit = git_commit(copy)
    proc = run_pytest_subprocess(copy, "--symphony=build", "-rs")
    return {"root": copy, "commit": commit, "proc": proc}


def test_main_command_builds_this_repository(repo_build):
    proc = repo_build["proc"]
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    dist = repo_build["root"] / "dist"
    names = sorted(p.name for p in dist.iterdir())
    assert names == ["artifact-manifest.json", "pytest_symphony-0.1.0-py3-none-any.whl", "pytest_symphony-0.1.0.tar.gz"]
    manifest = json.loads((dist / "artifact-manifest.json").read_text())
    assert manifest["commit"] == repo_build["commit"]
    assert {a["kind"] for a in manifest["artifacts"]} == {"wheel", "sdist"}


def test_the_report_tells_what_was_built(repo_build):
    root = repo_build["root"]
    (run_dir,) = (root / ".symphony" / "runs").iterdir()
    report = json.loads((run_dir / "build-report.json").read_text())
    assert report["status"] == "passed" and report["dynamic"] == "mf"
    assert report["context"]["git"]["commit"] == repo_build["commit"] and report["context"]["git"]["dirty"] is False
    assert [b["package"] for b in report["packages"]["builds"]] == ["pytest-symphony"]
    assert report["host"]["summary"].startswith("No host build configured")
    assert "wrote .symphony/runs/" in repo_build["proc"].stdout
    skipped = [line for line in repo_build["proc"].stdout.splitlines() if line.startswith("SKIPPED")]
    assert all(
        "no host build configured" in s
        or "ruff is not installed" in s
        or "conformity engine" in s
        or "no conformity scores" in s
        for s in skipped
    ), skipped


def test_the_sdist_carries_the_tests_and_the_license_and_its_metadata_says_what_is_tested(repo_build):
    import tarfile

    (sdist,) = (repo_build["root"] / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as tf:
        names = {m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name}
        pkg_info = tf.extractfile(f"{sdist.name[: -len('.tar.gz')]}/PKG-INFO").read().decode()
    assert {
        "LICENSE",
        "conftest.py",
        "tox.ini",
        "tests/conftest.py",
        "tests/pipelines/test_build_repo.py",
        "tests/plugin/test_readme.py",
        ".ci/oldest-constraints.txt",
        "scripts/gen_reference.py",
    } <= names
    assert not any("__pycache__" in n or n.startswith(".symphony") for n in names)
    license_text = (repo_build["root"] / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0" in license_text
    assert "License-Expression: Apache-2.0" in pkg_info and "License-File: LICENSE" in pkg_info
    assert "Classifier: Programming Language :: Python :: 3.13" in pkg_info
    assert "Project-URL: Source, " in pkg_info
    assert "Requires-Dist: pytest-bdd<10,>=9.0" in pkg_info and "Requires-Dist: pytest<10,>=8.3" in pkg_info
    constraints = (repo_build["root"] / ".ci" / "oldest-constraints.txt").read_text()
    assert "pytest==8.3.0" in constraints and "pytest-bdd==9.0.0" in constraints  # the lower bounds, tested
