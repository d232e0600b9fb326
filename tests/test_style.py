"""The house style holds: ruff's lint and format over the package, tests, benchmarks and scripts.

Run by the suite so that `python -m pytest` (README's test command, what CI runs) sees it;
contributors get the same checks from pre-commit (.pre-commit-config.yaml).
"""

from __future__ import annotations

from .checks import report, run_tool


TREES = ("pytest_symphony", "tests", "benchmarks", "scripts")


def test_ruff_lint():
    done = run_tool("ruff", "check", "--no-cache", *TREES)
    assert done.returncode == 0, report(done)


def test_ruff_format():
    done = run_tool("ruff", "format", "--check", "--no-cache", *TREES)
    assert done.returncode == 0, report(done) + "\nrun: ruff format " + " ".join(TREES)
