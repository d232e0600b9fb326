"""What can go wrong with the history file, as exceptions the writer turns into warnings."""

from __future__ import annotations

from ..errors import SymphonyError


class HistoryError(SymphonyError):
    """The history file could not be opened, migrated, read or written."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message  #: the failure without the advice on what to do


class HistoryCorruptError(HistoryError):
    """The file is not a usable history: not SQLite, damaged, a directory, tables missing."""


class HistoryVersionError(HistoryCorruptError):
    """The history file was written by a newer pytest-symphony."""


class HistoryBusyError(HistoryError):
    """Another process held the write lock longer than the busy timeout."""


__all__ = ["HistoryBusyError", "HistoryCorruptError", "HistoryError", "HistoryVersionError"]
