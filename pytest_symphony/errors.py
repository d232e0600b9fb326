"""One exception hierarchy; every user-facing message names file:line and what to do."""

from __future__ import annotations

from typing import Iterable


class SymphonyError(Exception):
    """Base of every error pytest-symphony raises on purpose."""


class SpecError(SymphonyError):
    """A spec file could not be loaded or did not validate; holds every problem found."""

    def __init__(self, problems: Iterable[object]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class HandlerNotFound(SymphonyError):
    """A beat names a handler no registered module provides."""


class DuplicateHandler(SymphonyError):
    """Two project handlers share one name."""


class LinkError(SymphonyError):
    """A scenario's link names no beat, or several; the message says which and what to write."""


class BeatTimeout(SymphonyError):
    """A handler ran past its beat's timeout; ``info`` says how it ended (for the telemetry record)."""

    def __init__(self, message: str, info: dict | None = None):
        super().__init__(message)
        self.info = dict(info or {})
