"""The item that stands for a feature file that cannot become scenarios: it errors, it never vanishes."""

from __future__ import annotations

import pytest

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import SymphonyError
from .availability import INSTALLED


class FeatureErrorItem(pytest.Item):
    """A ``.feature`` file that did not parse (or cannot run here): one failing item at the bad line."""

    def __init__(self, *, message: str, line: int = 1, **kw: Any) -> None:
        super().__init__(**kw)
        self.message = message
        self.line = max(int(line or 1), 1)

    def setup(self) -> None:
        pytest.fail(self.message, pytrace=False)

    def runtest(self) -> None:  # never reached: setup fails
        raise SymphonyError("unreachable")

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"{self.path.name}: feature error"

    def mentions(self, sequence_ids: Iterable[str]) -> bool:
        """Whether the file links to one of these sequences (``--symphony`` keeps it then)."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return any(f"@beat:{seq}/" in text for seq in sequence_ids)


class UnavailableFeatureFile(pytest.File):
    """A ``.feature`` file in a run without pytest-bdd: one error that says what to do."""

    def collect(self) -> Iterator[FeatureErrorItem]:
        if INSTALLED:
            why = (
                "pytest-bdd's plugin is disabled (-p no:pytest-bdd or PYTEST_DISABLE_PLUGIN_AUTOLOAD); "
                "enable it, or add -p pytest_bdd.plugin"
            )
        else:
            why = "pytest-bdd is not installed (pip install pytest-bdd)"
        message = f"{self.nodeid}: features need pytest-bdd: {why}"
        yield FeatureErrorItem.from_parent(self, name="feature", message=message)
