"""The house style holds: ruff's lint over the package, tests, benchmarks and scripts.

Run by the suite so that `python -m pytest` (README's test command, what CI runs) sees it;
contributors get the same checks from pre-commit (.pre-commit-config.yaml).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TREES = ["pytest_symphony", "tests", "benchmarks", "scripts"]


def _ruff() -> str:
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():  # pragma: no cover - the test extra installs it
        pytest.fail(f"{ruff} is missing: pip install -e '.[test]'")
    return str(ruff)


def test_ruff_lint():
    done = subprocess.run([_ruff(), "check", "--no-cache", *TREES], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
