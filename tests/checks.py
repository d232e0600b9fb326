"""Running the house checks (ruff, mypy, import-linter) installed beside this Python, as the suite does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``name`` from this environment's scripts, run in the checkout; fails the test when it is missing."""
    tool = Path(sys.executable).with_name(name)
    if not tool.exists():  # pragma: no cover - the test extra installs every one
        pytest.fail(f"{tool} is missing: pip install -e '.[test]'")
    return subprocess.run([str(tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def report(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout[-4000:] + done.stderr[-2000:]
