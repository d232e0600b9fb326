"""Which attempt a handler's writes belong to, so an abandoned attempt can write nothing.

A timed-out handler in a thread cannot be stopped; when it goes on to ``emit``, record a
``metric`` or write ``symphony.state``, those writes once landed on whatever beat was
running then.  Every attempt now has an :class:`Attempt` token, bound (through a context
variable) to the thread or task that runs the handler.  :class:`~.context.SequenceRun`
accepts a write when it comes from the open attempt, or from code outside any attempt
(fixtures, hooks, BDD steps); a write from any other attempt is dropped and counted, and
the count goes into the next telemetry record the sequence makes (``late_writes``).
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any, Callable

_current: contextvars.ContextVar["Attempt | None"] = contextvars.ContextVar("symphony_attempt", default=None)


class Attempt:
    """One attempt at one beat: its label for messages, and whether it was abandoned."""

    __slots__ = ("label", "number", "abandoned", "done", "worker")

    def __init__(self, label: str, number: int) -> None:
        self.label = label
        self.number = number
        self.abandoned = False
        self.done: threading.Event | None = None  # set up by a timed call: set when the handler ended
        self.worker: Any = None  # the thread still running it, once abandoned

    def arm(self) -> threading.Event:
        """The event a timed call sets when the handler really ended (made before any thread starts)."""
        if self.done is None:
            self.done = threading.Event()
        return self.done

    @property
    def still_running(self) -> bool:
        """Abandoned at its timeout and not ended since."""
        return self.abandoned and self.done is not None and not self.done.is_set()

    def __repr__(self) -> str:
        return f"<Attempt {self.label}#{self.number}{' abandoned' if self.abandoned else ''}>"


def bind(attempt: Attempt | None) -> contextvars.Token[Attempt | None]:
    """Make ``attempt`` the one the current thread or task works for."""
    return _current.set(attempt)


def unbind(token: contextvars.Token[Attempt | None]) -> None:
    _current.reset(token)


def current() -> Attempt | None:
    """The attempt the calling code runs for; None outside any handler."""
    return _current.get()


def running_in(attempt: Attempt, func: Callable[..., Any], *args: Any) -> Any:
    """Call ``func`` with ``attempt`` bound (the body of a worker thread)."""
    token = bind(attempt)
    try:
        return func(*args)
    finally:
        unbind(token)


class LateWrites:
    """Writes dropped because they came from an attempt that is no longer the open one."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] = self._counts.get(kind, 0) + 1

    def take(self) -> dict[str, int]:
        """The counts since the last call, then zero."""
        if not self._counts:  # the usual case, without the lock
            return {}
        with self._lock:
            counts, self._counts = self._counts, {}
        return counts


class GuardedState(dict[Any, Any]):
    """``symphony.state``: a dict whose writes from an abandoned attempt are dropped and counted."""

    __slots__ = ("_allowed", "_late")

    def __init__(self, allowed: Callable[[], bool], late: LateWrites) -> None:
        super().__init__()
        self._allowed = allowed
        self._late = late

    def _ok(self) -> bool:
        if self._allowed():
            return True
        self._late.add("state")
        return False

    def __setitem__(self, key: Any, value: Any) -> None:
        if self._ok():
            super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        if self._ok():
            super().__delitem__(key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        if self._ok():
            super().update(*args, **kwargs)

    # dict.__ior__ would write past the guard; mypy cannot match any __ior__ override against
    # typeshed's overloaded dict.__or__ (a gap of the stubs, not of this method)
    def __ior__(self, other: Any) -> "GuardedState":  # type: ignore[misc]
        self.update(other)
        return self

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key in self or self._ok():
            return super().setdefault(key, default)
        return default

    def pop(self, key: Any, *default: Any) -> Any:
        if self._ok():
            return super().pop(key, *default)
        return self[key] if key in self else (default[0] if default else super().pop(key))

    def popitem(self) -> tuple[Any, Any]:
        if self._ok():
            return super().popitem()
        return next(reversed(self.items()))

    def clear(self) -> None:
        if self._ok():
            super().clear()

    def __reduce__(self) -> Any:  # copies and pickles are plain dicts
        return (dict, (dict(self),))


__all__ = ["Attempt", "GuardedState", "LateWrites", "bind", "current", "running_in", "unbind"]
