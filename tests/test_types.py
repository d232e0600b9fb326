"""mypy passes, strict, on the modules pyproject.toml's ``[tool.mypy] files`` lists (the whole package)."""

from __future__ import annotations

import sys

import pytest

from .checks import report, run_tool


@pytest.mark.skipif(
    pytest.version_tuple < (9,),
    reason="the types are checked against the newest pytest (9); "
    "the oldest supported one's annotations differ (CI's tox env `oldest`)",
)
def test_mypy(tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("mypy-cache")  # nothing written into the checkout
    done = run_tool("mypy", "--python-executable", sys.executable, "--cache-dir", str(cache))
    assert done.returncode == 0, report(done)
