"""The build symphony inside the delivery symphony: a failing build rolls back the build first
(``dist/`` as it was), then the delivery, and the beats after it never start."""

from __future__ import annotations

import json

#: flit_core, except that building the wheel fails (after the sdist is built).
FAILING_BACKEND = '''
"""flit_core, except that the wheel build fails."""
from flit_core.buildapi import *  # noqa: F401,F403


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("deliberate wheel failure MARKER-15")
'''

ROLLBACK_ORDER = """
from pathlib import Path


def pytest_symphony_rollback(sequence, failed_beat, context):
    with Path("rollbacks.log").open("a") as log:
        log.write(f"{sequence.id} {failed_beat.title}\\n")
"""


def test_a_failing_build_rolls_back_the_build_then_the_delivery(shop, pytester):
    pyproject = shop.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'build-backend = "flit_core.buildapi"', 'build-backend = "failing_backend"\nbackend-path = ["."]'
        )
        + '\n[tool.flit.sdist]\ninclude = ["failing_backend.py"]\n'
    )
    shop.write("failing_backend.py", FAILING_BACKEND)
    shop.write("dist/tinyshop-1.1.0.tar.gz", "the previous release\n")
    pytester.makeconftest(ROLLBACK_ORDER)
    result = pytester.runpytest("--symphony=delivery", "-v", "-k", "exploration or develop or build-automate")
    result.stdout.fnmatch_lines(
        [
            "*::develop-stories PASSED*",
            "*::build-automate::build::package-building::build-package::tinyshop FAILED*",
            "*::build-automate::conclude SKIPPED*",
            "*MARKER-15*",
        ]
    )
    rollbacks = (shop.root / "rollbacks.log").read_text().splitlines()
    assert rollbacks == ["build Build package", "delivery Build & Automate"]  # the sub-pipeline's first
    assert [p.name for p in (shop.root / "dist").iterdir()] == ["tinyshop-1.1.0.tar.gz"]  # the sdist went again
    rollback = json.loads((shop.root / ".symphony/delivery/1.2.0/rollback.json").read_text())
    assert rollback == {"failed_beat": "2.2 Build & Automate", "actions": []}  # nothing deployed or released yet
    assert not (shop.root / ".symphony/delivery/1.2.0/build.json").exists()
