"""The layering ARCHITECTURE.md states holds: import-linter's contracts in pyproject.toml."""

from __future__ import annotations

from .checks import ROOT, report, run_tool


def test_the_import_contracts_are_kept():
    done = run_tool("lint-imports", "--no-cache", "--config", str(ROOT / "pyproject.toml"))
    assert done.returncode == 0, report(done)
    assert "0 broken" in done.stdout
