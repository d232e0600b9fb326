"""Where the session's symphony state lives on the pytest config."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .session import SymphonySession

SESSION_KEY = pytest.StashKey["SymphonySession"]()


def state(config: pytest.Config) -> "SymphonySession":
    return config.stash[SESSION_KEY]
