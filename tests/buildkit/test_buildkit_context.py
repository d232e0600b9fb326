"""The build context, with real git repositories."""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_symphony.buildkit import WorkspaceError, load_build_context

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # keep git from finding a repository above tmp_path, and from reading user config
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_outside_git(tmp_path: Path, ws):
    root = tmp_path / "proj"
    ws.add_package(root, ".", "Plain_Proj", "plain", version="2.3.4")
    ctx = load_build_context(root)
    json.dumps(ctx)  # JSON-able
    assert ctx["root"] == str(root.resolve())
    assert ctx["project"] == {"name": "Plain_Proj", "version": "2.3.4", "dynamic": []}
    assert ctx["pyproject_files"] == ["pyproject.toml"]
    assert {ctx["git"][k] for k in ("commit", "branch", "dirty", "toplevel")} == {None}
    assert ctx["python"]["version"] == platform.python_version()
    assert ctx["platform"]["system"] == platform.system()


def test_without_pyproject(tmp_path: Path):
    ctx = load_build_context(tmp_path)
    assert ctx["pyproject"] is None and ctx["project"] is None and ctx["pyproject_files"] == []


def test_broken_root_pyproject(tmp_path: Path, ws):
    ws.write(tmp_path / "pyproject.toml", "[project\n")
    with pytest.raises(WorkspaceError, match="pyproject.toml:1"):
        load_build_context(tmp_path)


@needs_git
def test_git_state(tmp_path: Path, ws, chain_workspace: Path):
    root = chain_workspace
    git(root, "init", "-q", "-b", "trunk")
    ctx = load_build_context(root)
    assert ctx["git"]["branch"] == "trunk" and ctx["git"]["commit"] is None  # no commit yet
    assert ctx["pyproject_files"] == [
        "packages/alpha/pyproject.toml",
        "packages/mid/pyproject.toml",
        "packages/zeta/pyproject.toml",
    ]
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    head = git(root, "rev-parse", "HEAD")
    ctx = load_build_context(root)
    assert ctx["git"]["commit"] == head and ctx["git"]["short_commit"] == head[:12]
    assert ctx["git"]["dirty"] is False and ctx["git"]["untracked"] == 0
    assert ctx["git"]["toplevel"] == str(root.resolve())
    (root / "new.txt").write_text("untracked")
    ctx = load_build_context(root)
    assert ctx["git"]["dirty"] is False and ctx["git"]["untracked"] == 1
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + "\n# edited\n")
    assert load_build_context(root)["git"]["dirty"] is True
    # a package directory inside the repository sees the same commit
    assert load_build_context(root / "packages" / "mid")["git"]["commit"] == head
    git(root, "checkout", "-q", "--detach")
    ctx = load_build_context(root)
    assert ctx["git"]["branch"] is None and ctx["git"]["detached"] is True and ctx["git"]["commit"] == head


def test_git_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    ctx = load_build_context(tmp_path)
    assert ctx["git"]["available"] is False and ctx["git"]["commit"] is None
