"""One exception hierarchy; every user-facing message names file:line and what to do."""

from __future__ import annotations

from typing import Any, Iterable, Mapping


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

    def __init__(self, message: str, info: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.info = dict(info or {})


def summarize_error(text: str | None, limit: int = 2000) -> str:
    """Reduce an error text (e.g. a traceback) to one paragraph of at most ``limit`` chars.

    Blank lines and trailing spaces are dropped so the result is a single block.
    When the text is too long its start and, with more room, its end (where a
    traceback names the exception) are kept around an ``[... N chars omitted ...]``
    marker.
    """
    if not text:
        return ""
    lines = [line.rstrip() for line in str(text).strip().splitlines()]
    summary = "\n".join(line for line in lines if line.strip())
    if len(summary) <= limit:
        return summary
    if limit < 80:  # no room for a marker
        return summary[: limit - 1] + "…" if limit > 0 else ""
    digits = len(str(len(summary)))
    room = limit - len(f"\n[... {'9' * digits} chars omitted ...]\n")
    head = room // 3
    tail = room - head
    marker = f"\n[... {len(summary) - head - tail} chars omitted ...]\n"
    return summary[:head] + marker + summary[len(summary) - tail :]
