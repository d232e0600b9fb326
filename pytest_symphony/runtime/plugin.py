"""The runtime area's pytest wiring: ini ``symphony_timeout_method`` (declared in ``options``).

A beat may name its own ``timeout_method``; this ini key sets the method of every other
beat with a timeout (see :mod:`.timeouts`).
"""

from __future__ import annotations

import pytest

from ..options import value
from ..session_key import SEQUENCE_RUNS
from .timing import TIMEOUT_METHODS as METHODS


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    method = (value(config, "symphony_timeout_method") or "thread").strip()
    if method not in METHODS:
        raise pytest.UsageError(f"ini symphony_timeout_method = {method!r}: use one of {', '.join(METHODS)}")
    runs = config.stash.get(SEQUENCE_RUNS, None)
    if runs is not None:
        runs.conductor.timeout_method = method
