"""--symphony-fix-commit: one commit per kept phase, naming the phase and the codes; it
refuses to start when other changes are staged, and never commits work that is not the fix's."""

from __future__ import annotations

import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SPEC = """\
id: release
name: Release
beats: 3
events: [built]
movements:
  - name: Build
    beats:
      - name: Build
        handler: build
        event: built
      - name: Pack
        handler: pack
        event: packed
"""

HANDLERS = """
@handler
def build():
    return {"ok": True}


def pack():
    return {"ok": True}
"""


def git(root, *args):
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(project, pytester, monkeypatch):
    for key, value in (
        ("GIT_AUTHOR_NAME", "t"),
        ("GIT_AUTHOR_EMAIL", "t@example.com"),
        ("GIT_COMMITTER_NAME", "t"),
        ("GIT_COMMITTER_EMAIL", "t@example.com"),
    ):
        monkeypatch.setenv(key, value)
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    (pytester.path / ".gitignore").write_text(".symphony/\n.pytest_cache/\n__pycache__/\n")
    git(pytester.path, "init", "-q")
    git(pytester.path, "add", ".")
    git(pytester.path, "commit", "-q", "-m", "start")
    return project


def test_each_kept_phase_becomes_one_commit(repo, pytester):
    result = repo.run("-p", "no:randomly", "--symphony-fix", "--symphony-fix-commit")
    assert result.ret == 0, result.stdout.str()
    log = git(pytester.path, "log", "--format=%s", "-n", "3").splitlines()
    assert log == [
        "symphony fix: phase 3 handler & BDD (TELEMETRY_NOT_INSTRUMENTED x1)",
        "symphony fix: phase 2 sequence (BEAT_COUNT_MISMATCH x1, INVALID_EVENT_REFERENCE x1)",
        "start",
    ]
    assert git(pytester.path, "show", "--name-only", "--format=", "HEAD~1").split() == ["sequences/release.yaml"]
    body = git(pytester.path, "log", "-1", "--format=%b", "HEAD~1")
    assert "pytest --symphony-rollback=" in body and "- BEAT_COUNT_MISMATCH: " in body
    assert git(pytester.path, "status", "--porcelain") == ""
    result.stdout.fnmatch_lines(["phase 2 sequence: kept * [[]snapshot *[]] [[]commit *[]]"])


def test_it_refuses_to_start_when_changes_are_staged(repo, pytester):
    (pytester.path / "notes.txt").write_text("mine\n")
    git(pytester.path, "add", "notes.txt")
    before = (pytester.path / "sequences" / "release.yaml").read_text()
    result = repo.run("-p", "no:randomly", "--symphony-fix", "--symphony-fix-commit")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*other changes are staged (notes.txt)*"])
    assert (pytester.path / "sequences" / "release.yaml").read_text() == before


def test_uncommitted_work_in_a_fixed_file_is_never_committed(repo, pytester):
    spec = pytester.path / "sequences" / "release.yaml"
    spec.write_text(spec.read_text() + "# my unfinished thought\n")
    result = repo.run("-p", "no:randomly", "--symphony-fix", "--symphony-fix-commit")
    assert result.ret == 1
    assert "held uncommitted changes before the fix" in result.stdout.str()
    assert "beats: 2" in spec.read_text(), "the phase stays fixed in the work tree, for review"
    assert git(pytester.path, "log", "--format=%s", "-n", "1").strip().startswith("symphony fix: phase 3")


def test_it_refuses_outside_a_work_tree(project, pytester):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    result = project.run("-p", "no:randomly", "--symphony-fix", "--symphony-fix-commit")
    if result.ret == pytest.ExitCode.USAGE_ERROR:
        result.stderr.fnmatch_lines(["*is not inside a git work tree*"])
    else:  # the temporary folder sits inside some other work tree: nothing to prove here
        pytest.skip("the test folder is inside a git work tree")
