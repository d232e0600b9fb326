"""No dead code: vulture over the package finds nothing beyond what pyproject.toml's ``[tool.vulture]`` ignores.

The families pytest, pluggy and libcst find by name are ignored there by pattern or decorator,
single names vulture cannot see used are in scripts/vulture_whitelist.py, each with why; so a
new unused function, method, class or constant fails here.  Run it yourself: ``vulture``.
"""

from __future__ import annotations

import textwrap

from .checks import report, run_tool


def test_no_dead_code():
    done = run_tool("vulture")
    assert done.returncode == 0, report(done) + "\nremove the dead code (or, if it is used by name, see [tool.vulture])"


def test_new_dead_code_is_found(tmp_path):
    """The settings still let vulture see an unused helper beside the names they ignore."""
    module = tmp_path / "module.py"
    module.write_text(
        textwrap.dedent(
            """
            import pytest


            def pytest_configure(config):
                pass


            @pytest.fixture
            def thing():
                return 1


            def _forgotten_helper():
                return 2
            """
        )
    )
    done = run_tool("vulture", str(module), "scripts/vulture_whitelist.py")
    assert done.returncode == 3, report(done)
    assert "_forgotten_helper" in done.stdout, report(done)
    assert "pytest_configure" not in done.stdout and "thing" not in done.stdout, report(done)
