"""Repository-wide test setup: the plugin is tested through real pytest runs (pytester).

``SYMPHONY_SHARED`` names the shared folder (the corpus of real specs and features, the
conformity guide); by default ``../shared`` beside this checkout.  Tests that read it skip
where it is absent, except under CI, which must run them.
"""

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SHARED = Path(os.environ.setdefault("SYMPHONY_SHARED", str(Path(__file__).resolve().parent.parent / "shared")))


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI") and not (SHARED / "corpus").is_dir():
        raise pytest.UsageError(f"CI runs the corpus tests: put shared/ beside the checkout (looked in {SHARED})")
