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
#: This project's own pipelines (sequences/release.yaml): collected only when a run names them.
SEQUENCES = Path(__file__).resolve().parent / "sequences"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI") and not (SHARED / "corpus").is_dir():
        raise pytest.UsageError(f"CI runs the corpus tests: put shared/ beside the checkout (looked in {SHARED})")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A plain ``pytest`` (testpaths) never collects sequences/: our release pipeline builds the
    project and reads the history, so it runs only when named (``pytest --symphony=release``) or
    given as a path."""
    inside = collection_path == SEQUENCES or SEQUENCES in collection_path.parents
    if inside and not config.getoption("symphony", None) and config.args_source != pytest.Config.ArgsSource.ARGS:
        return True
    return None
