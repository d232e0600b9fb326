"""mypy passes on the modules pyproject.toml's ``[tool.mypy] files`` lists (the parts typed so far)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(pytest.version_tuple < (9,), reason="the types are checked against the newest pytest (9); "
                    "the oldest supported one's annotations differ (CI's tox env `oldest`)")
def test_mypy(tmp_path_factory: pytest.TempPathFactory):
    mypy = Path(sys.executable).with_name("mypy")
    if not mypy.exists():  # pragma: no cover - the test extra installs it
        pytest.fail(f"{mypy} is missing: pip install -e '.[test]'")
    cache = tmp_path_factory.mktemp("mypy-cache")  # nothing written into the checkout
    done = subprocess.run([str(mypy), "--python-executable", sys.executable, "--cache-dir", str(cache)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
