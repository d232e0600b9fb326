"""Every warning pytest-symphony issues, in one place.

All are :class:`pytest.PytestWarning` subclasses, so pytest shows them in its warnings
summary and ``-W error::pytest_symphony.warning_types.SymphonyStorageWarning`` (or
``filterwarnings`` in the ini) can make a class of them fatal, as pytest's own
``PytestCacheWarning`` can be.

- :class:`SymphonySpecWarning`: a spec loads, but part of it yields no beat.
- :class:`SymphonyStorageWarning` and its subclasses: telemetry or history could not be
  stored as usual; the tests ran and their outcome is unchanged, and the message says
  what was kept, what was lost and what to type next.
- :class:`DeliveryTargetWarning`: below the ``f`` dynamic, a delivery gate that judges a
  metric against a target (Release on Demand) missed it; at ``f`` the beat fails instead.
- :class:`DeliveryGovernanceWarning`: a delivery governance policy could not be judged
  (no measurement run yet, no complete run of a movement).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest


class SymphonyWarning(pytest.PytestWarning):
    """Base of every pytest-symphony warning."""


class SymphonySpecWarning(SymphonyWarning):
    """A spec loaded, but something in it will not run (a movement without beats)."""


class SymphonyStorageWarning(SymphonyWarning):
    """Telemetry or history could not be stored as usual; the run's outcome is unchanged."""


class HistoryCorruptWarning(SymphonyStorageWarning):
    """The history file was unusable: it was moved aside and a new one started."""


class HistoryBusyWarning(SymphonyStorageWarning):
    """Another process held the history's write lock too long: records wait in the JSONL."""


class TelemetryWriteWarning(SymphonyStorageWarning):
    """A telemetry file (JSONL, history, run folder) could not be written."""


class DeliveryTargetWarning(SymphonyWarning):
    """A delivery metric missed its target below the ``f`` dynamic: the beat passed and recorded its numbers."""


class DeliveryGovernanceWarning(SymphonyWarning):
    """A delivery governance policy could not be judged for want of data; nothing failed."""


def warn_spec(problem: object, path: str | Path) -> None:
    """Issue a :class:`SymphonySpecWarning` for a spec finding, located at its file and line."""
    line = getattr(problem, "line", 0) or 1
    warnings.warn_explicit(SymphonySpecWarning(str(problem)), SymphonySpecWarning, str(path), line)


def warn_storage(warning: SymphonyStorageWarning) -> None:
    """Issue a storage warning from the code that stores (the caller's frame is not the point)."""
    warnings.warn(warning, stacklevel=2)


__all__ = [
    "DeliveryGovernanceWarning",
    "DeliveryTargetWarning",
    "HistoryBusyWarning",
    "HistoryCorruptWarning",
    "SymphonySpecWarning",
    "SymphonyStorageWarning",
    "SymphonyWarning",
    "TelemetryWriteWarning",
    "warn_spec",
    "warn_storage",
]
