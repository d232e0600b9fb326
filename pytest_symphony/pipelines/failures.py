"""Short failures for built-in beats: the check that failed and the frames that matter.

A built-in handler lives inside the plugin, so pytest would show its failure through
every frame of pytest, pluggy and the conductor (some 250 lines).  Built-in handlers are
registered with :func:`builtin_handler` instead of ``@handler``: a :class:`SymphonyError`
they raise is already a clear message and passes as it is; any other exception becomes a
:class:`BuiltinBeatFailed` that carries its type, message and only the frames from the
handler down (the user's code it called among them), which the beat prints as its
failure.
"""

from __future__ import annotations

import functools
import traceback
from typing import Any, Callable, TypeVar, cast, overload

from pytest_symphony.errors import SymphonyError
from pytest_symphony.runtime.registry import handler

__all__ = ["MAX_FRAMES", "BuiltinBeatFailed", "builtin_handler"]

#: The innermost frames a failure shows (the place it broke is the last one).
MAX_FRAMES = 12


class BuiltinBeatFailed(SymphonyError):
    """An unexpected exception in a built-in beat, with the frames from the handler down."""


def _short(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[1:]  # the first frame is the wrapper below
    cut = len(frames) > MAX_FRAMES
    lines = ["Traceback (innermost frames):" if cut else "Traceback (most recent call last):"]
    lines += [line.rstrip("\n") for line in traceback.format_list(frames[-MAX_FRAMES:])]
    lines += [line.rstrip("\n") for line in traceback.format_exception_only(type(exc), exc)]
    return "\n".join(lines)


F = TypeVar("F", bound=Callable[..., Any])


@overload
def builtin_handler(name_or_func: str) -> Callable[[F], F]: ...
@overload
def builtin_handler(name_or_func: F) -> F: ...
def builtin_handler(name_or_func: str | F) -> Callable[[F], F] | F:
    """``@handler`` / ``@handler(name)`` for the built-in pipelines, with failures kept short."""
    if callable(name_or_func):
        return builtin_handler(name_or_func.__name__)(name_or_func)
    name = name_or_func

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except SymphonyError:
                raise
            except Exception as exc:
                raise BuiltinBeatFailed(f"built-in handler '{name}' failed: {_short(exc)}") from exc

        return cast(F, handler(name)(run))

    return decorate
