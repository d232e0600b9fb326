"""Real workspaces of flit_core packages for the build symphony, built offline (no isolation)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_symphony.buildkit import NO_ISOLATION_ENV

CHECKOUT = Path(__file__).resolve().parents[2]

pytest.importorskip("build", reason="PyPA build runs the package builds")
pytest.importorskip("flit_core", reason="flit_core is the backend of the generated packages (no isolation)")

#: flit_core, except that building the wheel fails (after the sdist is built) with a marker.
FAILING_BACKEND = '''
"""flit_core, except that the wheel build fails after some output."""
from flit_core.buildapi import *  # noqa: F401,F403


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    for i in range(80):
        print(f"compiling part {i}", flush=True)
    raise RuntimeError("deliberate wheel failure MARKER-77")
'''


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def add_package(root: Path, directory: str, name: str, *, deps: tuple[str, ...] = (), failing: bool = False) -> Path:
    """A minimal flit_core project ``name`` (module ``name`` with ``-`` as ``_``) under ``root/directory``."""
    module = name.replace("-", "_")
    pkg = root / directory
    backend = (
        'build-backend = "failing_backend"\nbackend-path = ["."]' if failing else 'build-backend = "flit_core.buildapi"'
    )
    dependencies = ", ".join(f'"{d}"' for d in deps)
    write(
        pkg / "pyproject.toml",
        f"""
        [build-system]
        requires = ["flit_core>=3.4,<5"]
        {backend}

        [project]
        name = "{name}"
        version = "0.1.0"
        description = "test package {name}"
        readme = "README.md"
        dependencies = [{dependencies}]
    """,
    )
    write(pkg / "README.md", f"# {name}\n\nA test package.\n")
    if failing:  # in the sdist too: the wheel is built from it
        write(pkg / "failing_backend.py", FAILING_BACKEND)
        with (pkg / "pyproject.toml").open("a", encoding="utf-8") as fh:
            fh.write('\n[tool.flit.sdist]\ninclude = ["failing_backend.py"]\n')
    write(pkg / module / "__init__.py", f'"""{name}."""\nNAME = {name!r}\n')
    return pkg


def make_workspace(
    root: Path, packages: dict[str, tuple[str, ...]], *, failing: tuple[str, ...] = (), extra: str = ""
) -> Path:
    """A root pyproject.toml whose ``packages/*`` are the given name -> dependencies."""
    write(root / "pyproject.toml", '[tool.symphony.build]\npackages = ["packages/*"]\n' + textwrap.dedent(extra))
    for name, deps in packages.items():
        add_package(root, f"packages/{name}", name, deps=deps, failing=name in failing)
    return root


def make_single(root: Path, extra: str = "") -> Path:
    """The root project itself is one flit package, ``solo``."""
    add_package(root, ".", "solo")
    with (root / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n[tool.symphony.build]\n" + textwrap.dedent(extra))
    return root


def git_commit(root: Path) -> str:
    """A fresh repository with everything committed; returns the commit."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *cmd], cwd=root, check=True, env=env, capture_output=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


def run_pytest_subprocess(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m pytest`` in ``root``, offline builds, as a user types it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(CHECKOUT)  # this checkout's plugin, whatever else is installed
    env[NO_ISOLATION_ENV] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds without isolation: no network, and no time spent creating build environments."""
    monkeypatch.setenv(NO_ISOLATION_ENV, "1")


@pytest.fixture
def build_run(pytester: pytest.Pytester, offline):
    """``pytest --symphony=build -v -rs`` in the pytester directory (in process)."""

    def run(*args: str):
        return pytester.runpytest("--symphony=build", "-v", "-rs", "-p", "no:randomly", *args)

    return run
