"""``timeout_method: process``: a handler run in a child process that is stopped at its deadline.

The only way to stop a handler blocked in C code (or one that ignores every request) is
to run it in a process of its own.  The parent pickles the handler (by reference: it
must live in an importable module, such as one listed in ini ``symphony_handlers``) and
its arguments: fixture values that pickle, the beat, and a :class:`ChildRun` standing
for ``symphony``.  The child runs it and sends back the result, or the exception with
its traceback, and what it did to the run (events, metrics, state), which the parent
applies only when the attempt finished in time.  At the deadline the child is
terminated (then killed), so nothing of it outlives the attempt.

The deadline starts when the child has loaded the handler (its interpreter start and
imports do not count against the beat's timeout; they are bounded by
:data:`STARTUP_LIMIT_S`).  Protocol: ``python -c BOOT <fd>``; the first stdin line is the
parent's ``sys.path`` (JSON), then one pickle; on ``<fd>`` the child writes ``R`` once the
call is loaded, then the answer as one pickle.
"""

from __future__ import annotations

import copyreg
import io
import json
import os
import pickle
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import SymphonyError
from ..stamps import utc_now

BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.stdin.buffer.readline()); "
    "from pytest_symphony.runtime.child import main; main(int(sys.argv[1]))"
)

#: Seconds a terminated child gets before it is killed.
KILL_AFTER_S = 1.0

#: Seconds a child may take to start and import the handler's module.
STARTUP_LIMIT_S = 60.0

READY = b"R"


class ChildProcessFailure(SymphonyError):
    """The handler raised in its child process (the message holds the child's traceback)."""


def _mapping_proxy(data: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(data)


def _dumps(obj: Any) -> bytes:
    """Pickle, with read-only mappings (the spec model's) as what they wrap."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[MappingProxyType] = lambda m: (_mapping_proxy, (dict(m),))
    pickler.dump(obj)
    return buffer.getvalue()


class ChildRun:
    """What ``symphony`` is in the child: the run's state and identity; writes are sent back."""

    def __init__(self, run: Any) -> None:
        self.state: dict[str, Any] = dict(run.state)
        self.run_id = run.run_id
        self.correlation_id = run.correlation_id
        self.dynamic = run.dynamic
        self.sequence = run.sequence
        self.beat = run.beat
        self.target = run.target
        self._artifact_dir = str(run._run_dir / "artifacts" / run.sequence.slug)
        self.events: list[dict[str, Any]] = []
        self.metrics: dict[str, float] = {}

    @property
    def artifact_dir(self) -> Path:
        path = Path(self._artifact_dir)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def emit(self, event: str, **payload: Any) -> None:
        self.events.append({"name": str(event), "payload": payload, "at": utc_now()})

    def metric(self, name: str, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}")
        try:
            self.metrics[str(name)] = float(value)
        except OverflowError:
            self.metrics[str(name)] = value


# ------------------------------------------------------------------------------ parent


def _payload(call: Any, run: Any) -> bytes:
    """The pickled call; a value that cannot go to the child is named in the error."""
    stub = ChildRun(run) if run is not None else None
    args = tuple(stub if a is run and run is not None else a for a in call.args)
    kwargs = {k: (stub if v is run and run is not None else v) for k, v in call.kwargs.items()}
    for name, value in [*((f"argument {i + 1}", a) for i, a in enumerate(args)), *kwargs.items()]:
        try:
            _dumps(value)
        except Exception as exc:
            raise SymphonyError(
                f"{call.spec_place}: {call.where} runs with `timeout_method: process`, but its handler's "
                f"parameter '{name}' ({type(value).__name__}) cannot be sent to a child process ({exc}); take "
                "only fixtures whose values pickle, or use `timeout_method: thread`"
            ) from None
    return _dumps({"func": call.func, "args": args, "kwargs": kwargs, "is_async": call.is_async, "stub": stub})


def run_in_child(call: Any, timeout_ms: float, run: Any) -> Any:
    """Run ``call`` in a child process; stop it at ``timeout_ms``; apply its writes to ``run``."""
    if os.name != "posix":
        raise SymphonyError(
            f"{call.spec_place}: {call.where}: `timeout_method: process` needs a POSIX system; "
            "use `timeout_method: thread` here"
        )
    payload = _payload(call, run)
    read_fd, write_fd = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", BOOT, str(write_fd)], stdin=subprocess.PIPE, pass_fds=(write_fd,), cwd=os.getcwd()
        )
    except OSError:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    box: dict[str, Any] = {}
    call.attempt.arm()
    ready = threading.Event()
    reader = threading.Thread(target=_read_answer, args=(read_fd, box, ready, call.attempt), daemon=True)
    reader.start()
    try:
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(sys.path).encode() + b"\n" + payload)
        proc.stdin.close()
    except OSError:  # the child died at once; its answer (or its absence) says why
        pass
    try:
        if not ready.wait(STARTUP_LIMIT_S):
            raise SymphonyError(
                f"{call.spec_place}: {call.where}: the child process for handler '{call.name}' did "
                f"not load it within {STARTUP_LIMIT_S:g}s"
            )
        start = time.perf_counter()
        finished = call.attempt.done.wait(timeout_ms / 1000)
    finally:
        if not call.attempt.done.is_set():
            _stop(proc)
    elapsed = time.perf_counter() - start
    if not finished:
        call.attempt.done.set()
        raise call.timeout(timeout_ms, "process", "its child process was stopped", "killed", elapsed)
    proc.wait()
    return _apply(call, box.get("answer"), run, proc.returncode)


def _read_answer(fd: int, box: dict[str, Any], ready: threading.Event, attempt: Any) -> None:
    with os.fdopen(fd, "rb") as pipe:
        first = pipe.read(1)
        ready.set()
        data = pipe.read() if first == READY else first + pipe.read()
    try:
        box["answer"] = pickle.loads(data) if data else None
    except Exception as exc:  # an answer cut short or not unpicklable here
        box["answer"] = ("broken", f"{type(exc).__name__}: {exc}")
    attempt.done.set()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(KILL_AFTER_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _apply(call: Any, answer: Any, run: Any, returncode: int) -> Any:
    if answer is None:
        raise ChildProcessFailure(
            f"{call.spec_place}: {call.where}: the child process running handler '{call.name}' ended "
            f"(exit status {returncode}) without an answer"
        )
    kind = answer[0]
    if kind in ("ok", "error", "outcome") and run is not None:
        _apply_writes(run, answer[-1])
    if kind == "ok":
        return answer[1]
    if kind == "outcome":
        import pytest

        _, outcome, message, _writes = answer
        if outcome == "skip":  # shown at the beat's line, as a skip raised in the handler would be
            raise pytest.skip.Exception(message, _use_item_location=True)
        if outcome == "xfail":
            pytest.xfail(message)
        if outcome == "exit":
            pytest.exit(message)
        pytest.fail(message, pytrace=False)
    if kind == "error":
        _, exc, text, _writes = answer
        if exc is not None and not isinstance(exc, SymphonyError):
            raise ChildProcessFailure(text) from exc
        raise ChildProcessFailure(text)
    raise ChildProcessFailure(
        f"{call.spec_place}: {call.where}: handler '{call.name}' could not run in a child process: {answer[1]}"
    )


def _apply_writes(run: Any, writes: dict[str, Any]) -> None:
    for event in writes.get("events", ()):
        run.emit(event["name"], **event["payload"])
    for name, value in writes.get("metrics", {}).items():
        run.metric(name, value)
    state = writes.get("state")
    if state is not None and state != dict(run.state):
        for key in [k for k in run.state if k not in state]:
            del run.state[key]
        run.state.update(state)


# ------------------------------------------------------------------------------- child


def main(fd: int) -> None:
    """The child: load the call, say ready, run it, answer on ``fd``."""
    with os.fdopen(fd, "wb", buffering=0) as out:
        out.write(_dumps(_answer(sys.stdin.buffer.read(), out)))


def _answer(data: bytes, out: Any) -> tuple[Any, ...]:
    try:
        request = pickle.loads(data)
    except Exception as exc:
        return (
            "setup",
            f"{type(exc).__name__}: {exc} (a handler run in a child process must live in an "
            "importable module, such as one listed in ini symphony_handlers)",
        )
    out.write(READY)
    stub: ChildRun | None = request["stub"]
    try:
        result = request["func"](*request["args"], **request["kwargs"])
        if request["is_async"]:
            import asyncio

            result = asyncio.run(result)
        answer: tuple[Any, ...] = ("ok", result, _writes(stub))
        _dumps(answer)
        return answer
    except BaseException as exc:
        outcome = _outcome(exc)
        if outcome is not None:
            return ("outcome", outcome, str(getattr(exc, "msg", exc)), _writes(stub))
        text = "".join(traceback.format_exception(exc)).rstrip()
        try:
            _dumps(exc)
        except Exception:
            exc = None  # type: ignore[assignment]
        return ("error", exc, f"in the child process:\n{text}", _writes(stub))


def _outcome(exc: BaseException) -> str | None:
    """ "skip", "xfail", "fail" or "exit" for pytest's outcome exceptions (pytest is loaded only if raised)."""
    pytest = sys.modules.get("pytest")
    if pytest is None:
        return None
    for name, kind in (("skip", "skip"), ("xfail", "xfail"), ("fail", "fail"), ("exit", "exit")):
        if isinstance(exc, getattr(pytest, name).Exception):
            return kind
    return None


def _writes(stub: ChildRun | None) -> dict[str, Any]:
    if stub is None:
        return {}
    return {"events": stub.events, "metrics": stub.metrics, "state": stub.state}


__all__ = ["BOOT", "ChildProcessFailure", "ChildRun", "main", "run_in_child"]
