"""One handler call under a time limit, by the method the beat asks for.

- ``thread`` (the default): a plain handler runs in a daemon thread, an ``async def``
  handler in an event loop of its own thread.  At the deadline the loop's task is
  cancelled; whatever does not end then (a thread, a task that swallows the
  cancellation, a loop blocked by ``time.sleep``) is *abandoned*: Python cannot stop a
  thread, so it keeps running, but its later writes are dropped (:mod:`.attempts`) and
  the beat is a timeout at once.  A handler that returns after its deadline (C code
  holding the GIL delays even the timer) is a timeout too, never a pass.
- ``process``: the handler runs in a child process (:mod:`.child`) that is stopped at the
  deadline; the only method that can stop code blocked in C.

Without a timeout a handler runs in the test's own thread, as any test does.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, NoReturn

from ..errors import BeatTimeout, SymphonyError
from .attempts import Attempt, bind, unbind
from .timing import TIMEOUT_METHODS as METHODS, format_ms

#: How long a cancelled async task may take to end before it is abandoned.
CANCEL_GRACE_S = 1.0


@dataclass(frozen=True)
class Call:
    """One handler call: what to call, with what, under which limit, for which attempt."""

    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    is_async: bool
    name: str  # the handler as the spec names it
    where: str  # "beat 1.2 (Title)"
    spec_place: str  # "sequences/x.yaml:12"
    attempt: Attempt

    def timeout(
        self,
        limit_ms: float,
        method: str,
        how: str,
        outcome: str,
        elapsed_s: float | None = None,
        lead: str | None = None,
    ) -> BeatTimeout:
        lead = lead or f"did not finish within {format_ms(limit_ms)}"
        message = f"handler '{self.name}' of {self.where} {lead} (timeout at {self.spec_place}); {how}"
        info = {"method": method, "limit_ms": limit_ms, "outcome": outcome}
        if elapsed_s is not None:
            info["elapsed_ms"] = round(elapsed_s * 1000, 3)
        return BeatTimeout(message, info)


def untimed(func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any], is_async: bool, attempt: Attempt) -> Any:
    """Call a handler that has no timeout, in the calling thread, as a test runs."""
    token = bind(attempt)
    try:
        if is_async:
            import asyncio  # only async handlers need it: importing it costs every start tens of ms

            return asyncio.run(func(*args, **kwargs))
        return func(*args, **kwargs)
    finally:
        unbind(token)


def run(call: Call, timeout_ms: float, method: str = "thread", run_context: Any = None) -> Any:
    """Call the handler; raise :class:`BeatTimeout` when it overruns ``timeout_ms``."""
    if method not in METHODS:
        raise SymphonyError(
            f"{call.spec_place}: {call.where} asks for timeout_method {method!r}; use one of {', '.join(METHODS)}"
        )
    if method == "process":
        from .child import run_in_child  # pickle and subprocess: only this timeout method needs them

        return run_in_child(call, timeout_ms, run_context)
    if call.is_async:
        return _async_in_thread(call, timeout_ms)
    return _in_thread(call, timeout_ms)


def _abandon(call: Call, worker: threading.Thread) -> None:
    call.attempt.abandoned = True
    call.attempt.worker = worker


def _start(call: Call, body: Callable[[dict[str, Any]], None]) -> tuple[threading.Thread, dict[str, Any], float]:
    box: dict[str, Any] = {}
    done = call.attempt.arm()

    def work() -> None:
        token = bind(call.attempt)
        try:
            body(box)
        except BaseException as exc:  # handed to the calling thread
            box["error"] = exc
        finally:
            box.setdefault("ended", time.perf_counter())
            unbind(token)
            done.set()

    worker = threading.Thread(target=work, name=f"symphony-{call.where.split(' (')[0].replace(' ', '-')}", daemon=True)
    start = time.perf_counter()
    worker.start()
    return worker, box, start


def _wait(call: Call, worker: threading.Thread, seconds: float) -> bool:
    """Wait for the attempt to end; an interruption (pytest-timeout, Ctrl-C) abandons it."""
    done = call.attempt.arm()  # armed by _start: the same event
    try:
        return done.wait(seconds)
    except BaseException:
        if not done.is_set():
            _abandon(call, worker)
        raise


def _result(box: dict[str, Any]) -> Any:
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _in_thread(call: Call, timeout_ms: float) -> Any:
    limit = timeout_ms / 1000

    def body(box: dict[str, Any]) -> None:
        box["value"] = call.func(*call.args, **call.kwargs)
        box["ended"] = time.perf_counter()

    worker, box, start = _start(call, body)
    if not _wait(call, worker, limit):
        _abandon(call, worker)
        raise call.timeout(
            timeout_ms,
            "thread",
            "it was abandoned, still running in a background thread (Python "
            "cannot stop a thread): its later events, metrics and state writes are dropped; "
            "`timeout_method: process` stops it for real",
            "abandoned",
            limit,
        )
    elapsed = box["ended"] - start
    if elapsed > limit:
        raise call.timeout(
            timeout_ms,
            "thread",
            "its result is discarded. Code that holds the GIL (a C extension "
            "loop) delays a thread timeout until it ends; `timeout_method: process` stops it on time",
            "finished_late",
            elapsed,
            lead=f"finished after {format_ms(elapsed * 1000)}, past its {format_ms(timeout_ms)} timeout",
        )
    return _result(box)


def _async_in_thread(call: Call, timeout_ms: float) -> Any:
    import asyncio  # only async handlers need it

    limit = timeout_ms / 1000

    def body(box: dict[str, Any]) -> None:
        loop = asyncio.new_event_loop()
        try:
            task = loop.create_task(call.func(*call.args, **call.kwargs))
            box["loop"], box["task"] = loop, task
            box["value"] = loop.run_until_complete(task)
            box["ended"] = time.perf_counter()
        finally:
            loop.close()

    worker, box, start = _start(call, body)
    if _wait(call, worker, limit):
        elapsed = box["ended"] - start
        if elapsed > limit:
            raise call.timeout(
                timeout_ms,
                "async",
                "its result is discarded (it blocked its event loop, so it could not be cancelled on time)",
                "finished_late",
                elapsed,
                lead=f"finished after {format_ms(elapsed * 1000)}, past its {format_ms(timeout_ms)} timeout",
            )
        return _result(box)
    _cancel_async(call, worker, box, start, timeout_ms)


def _cancel_async(
    call: Call, worker: threading.Thread, box: dict[str, Any], start: float, timeout_ms: float
) -> NoReturn:
    """An async handler past its timeout: cancel its task, give it a grace period, raise what became of it."""
    import asyncio  # only async handlers need it

    limit = timeout_ms / 1000
    cancel_seen = threading.Event()

    def cancel() -> None:
        cancel_seen.set()
        box["task"].cancel()

    loop = box.get("loop")
    if loop is not None and "task" in box and not loop.is_closed():
        try:
            loop.call_soon_threadsafe(cancel)
        except RuntimeError:  # closed in between: it just ended
            pass
    grace = min(CANCEL_GRACE_S, max(limit, 0.05))
    if not _wait(call, worker, grace):
        _abandon(call, worker)
        if cancel_seen.is_set():
            how = (
                "it was cancelled, but caught the cancellation and kept running: abandoned, its later events, "
                "metrics and state writes are dropped"
            )
        else:
            how = (
                "its event loop is blocked (synchronous code such as time.sleep in an async handler), so it "
                "could not even be cancelled: abandoned, its later writes are dropped; use await "
                "asyncio.sleep, or `timeout_method: process`"
            )
        raise call.timeout(timeout_ms, "async", how, "abandoned", time.perf_counter() - start)
    if isinstance(box.get("error"), asyncio.CancelledError):
        raise call.timeout(timeout_ms, "async", "it was cancelled", "cancelled", box["ended"] - start)
    late = box["ended"] - start
    raise call.timeout(
        timeout_ms,
        "async",
        f"it was cancelled but caught the cancellation and ended "
        f"{format_ms((late - limit) * 1000)} after its timeout; its result is discarded",
        "finished_late",
        late,
    )


def wait_for_abandoned(attempt: Attempt, seconds: float) -> bool:
    """Wait (at most ``seconds``) for an abandoned attempt to end; True when it has."""
    return attempt.arm().wait(max(0.0, seconds))


__all__ = ["CANCEL_GRACE_S", "METHODS", "Call", "run", "untimed", "wait_for_abandoned"]
