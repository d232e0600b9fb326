"""The house style holds: ruff's lint over the package, tests, benchmarks and scripts.

Run by the suite so that `python -m pytest` (README's test command, what CI runs) sees it;
contributors get the same checks from pre-commit (.pre-commit-config.yaml).
"""

from __future__ import annotations

from .checks import report, run_tool


def test_ruff_lint():
    done = run_tool("ruff", "check", "--no-cache", "pytest_symphony", "tests", "benchmarks", "scripts")
    assert done.returncode == 0, report(done)
