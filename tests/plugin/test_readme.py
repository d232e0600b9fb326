"""The README's quick start works as written: its files, run, give what it shows, and pass every built-in."""

import os
import re
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
#: A file of the quick start: a line naming it in backticks, then (after its prose) its code block.
FILE_BLOCK = re.compile(r"^`([^`\s]+)`[^\n]*\n(?:[^\n]+\n)*?\n```\w+\n(.*?)```", re.S | re.M)


def write_quick_start(root: Path) -> list[str]:
    text = README.read_text(encoding="utf-8")
    quick = text[text.index("## Quick start") : text.index("## The spec, field by field")]
    written = []
    for name, body in FILE_BLOCK.findall(quick):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        written.append(name)
    return written


def test_quick_start_names_its_files(tmp_path):
    assert write_quick_start(tmp_path) == [
        "pyproject.toml",
        "README.md",
        "sequences/release.yaml",
        "handlers.py",
        "features/release.feature",
        "step_defs/release_steps.py",
    ]


def test_quick_start_runs_as_the_readme_shows(pytester):
    write_quick_start(pytester.path)
    result = pytester.runpytest("-v", "-p", "no:randomly")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "sequences/release.yaml::release::build::compile PASSED*",
            "features/release.feature::the-sources-are-compiled PASSED*",
            "sequences/release.yaml::release::build::pack PASSED*",
            "features/release.feature::a-wheel-is-packed PASSED*",
            "release: 2 passed, 0 failed, 0 skipped in *s; slowest beat 1.* (* ms)*",
        ]
    )


def _git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(["git", *args], cwd=root, check=True, env=env, capture_output=True, text=True).stdout


def test_quick_start_passes_every_built_in_pipeline(pytester, monkeypatch):
    pytest.importorskip("build", reason="the build symphony builds the quick start with PyPA build")
    setuptools = pytest.importorskip("setuptools", reason="the quick start builds with setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"setuptools {setuptools.__version__} is installed; the quick start asks for >= 77")
    monkeypatch.setenv("SYMPHONY_BUILD_NO_ISOLATION", "1")  # offline: the installed setuptools builds it
    write_quick_start(pytester.path)
    _git(pytester.path, "init", "-q", "-b", "main")
    _git(pytester.path, "add", "-A")
    _git(pytester.path, "commit", "-q", "-m", "quick start")
    run = ("-p", "no:randomly", "-p", "no:cacheprovider")

    conformity = pytester.runpytest("--symphony=conformity", *run)
    assert conformity.ret == 0, conformity.stdout.str()
    conformity.stdout.fnmatch_lines(["violations: CRITICAL 0, MAJOR 0, MINOR 0, INFO 0; 0 at or above MAJOR"])

    build = pytester.runpytest("--symphony=build", "-rs", *run)
    assert build.ret == 0, build.stdout.str()
    assert sorted(p.name for p in (pytester.path / "dist").iterdir()) == [
        "artifact-manifest.json",
        "release_demo-0.1.0-py3-none-any.whl",
        "release_demo-0.1.0.tar.gz",
    ]

    report = pytester.runpytest("--symphony=report", *run)
    assert report.ret == 0, report.stdout.str()
    assert (pytester.path / ".symphony" / "reports" / "symphony-report.md").is_file()

    status = _git(pytester.path, "status", "--porcelain", "--untracked-files=all", "--ignored").splitlines()
    # Python's own bytecode of the imported handlers is no output of the pipelines
    assert [
        line for line in status if not line[3:].startswith(("dist/", ".symphony/")) and "__pycache__/" not in line
    ] == []
