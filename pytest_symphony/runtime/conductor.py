"""The conductor: calls a beat's handlers with fixtures, under timeout and retries.

Timeouts: an ``async def`` handler is cancelled by ``asyncio.wait_for``.  A plain
handler runs in a daemon thread that the conductor stops waiting for when the
timeout passes; Python cannot kill a thread, so a stuck handler keeps running in
the background until the process ends, but the run goes on.  Beats with no
timeout run in the calling thread, as any test does.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from _pytest.outcomes import OutcomeException, Skipped

from ..errors import BeatTimeout
from ..score.model import Beat, Movement, Sequence
from ..telemetry.records import summarize_error, utc_now
from .context import SequenceRun
from .registry import Target
from .timing import format_ms


@dataclass(frozen=True)
class BoundHandler:
    """A resolved handler and how to call it: which parameters are fixtures, which are inputs."""

    name: str
    func: Callable
    fixtures: tuple[str, ...]
    inputs: tuple[str, ...]
    positional: tuple[str, ...] = ()
    is_async: bool = False

    @classmethod
    def bind(cls, name: str, func: Callable, beat_inputs: Mapping[str, Any]) -> "BoundHandler":
        """Split ``func``'s parameters into fixtures and inputs (cached: many beats share a handler)."""
        return _bind(cls, name, func, tuple(sorted(beat_inputs)))

    @classmethod
    def _split(cls, name: str, func: Callable, beat_inputs: tuple[str, ...]) -> "BoundHandler":
        fixtures, inputs, positional = [], [], []
        for param in inspect.signature(func).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if param.name in beat_inputs:
                inputs.append(param.name)
            elif param.default is param.empty:
                fixtures.append(param.name)
            else:
                continue
            if param.kind is param.POSITIONAL_ONLY:
                positional.append(param.name)
        return cls(name, func, tuple(fixtures), tuple(inputs), tuple(positional),
                   inspect.iscoroutinefunction(inspect.unwrap(func)))

    def call_args(self, values: Mapping[str, Any], beat_inputs: Mapping[str, Any]):
        merged = {n: values[n] for n in self.fixtures}
        merged.update({n: beat_inputs[n] for n in self.inputs})
        args = [merged.pop(n) for n in self.positional]
        return args, merged


@functools.lru_cache(maxsize=4096)
def _bind(cls, name: str, func: Callable, beat_inputs: tuple[str, ...]) -> BoundHandler:
    return cls._split(name, func, beat_inputs)


@dataclass(slots=True)
class BeatPlan:
    """Everything the conductor needs for one beat, fixed at collection."""

    sequence: Sequence
    movement: Movement
    beat: Beat
    handlers: tuple[BoundHandler, ...]
    timeout_ms: float | None
    retries: int
    spec_file: str
    nodeid: str
    target: Target | None = None  # set on the items of an expanded beat
    records: list[dict] = field(default_factory=list)

    @property
    def critical(self) -> bool:
        """A failing beat stops its sequence unless the spec says ``critical: false``."""
        return self.beat.raw.get("critical", True) is not False

    @property
    def label(self) -> str:
        return f"{self.movement.number}.{self.beat.number}"

    @property
    def fixture_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for bound in self.handlers:
            names.extend(n for n in bound.fixtures if n not in names)
        return tuple(names)

    def base_record(self, run: SequenceRun | None, run_id: str, dynamic: str) -> dict:
        handler = self.beat.handler
        return {
            "run_id": run_id,
            "correlation_id": run.correlation_id if run else "",
            "sequence": self.sequence.id,
            "movement": self.movement.slug,
            "beat": self.beat.slug,
            "movement_number": self.movement.number,
            "beat_number": self.beat.number,
            "handler": handler.display if handler else None,
            "nodeid": self.nodeid,
            "dynamic": dynamic,
            "spec_file": self.spec_file,
            "spec_line": self.beat.line,
            "spec_hash": self.sequence.content_hash,
            "events": [],
            "metrics": {},
            "error": None,
            "target": self.target.id if self.target else None,
            **({"parent_correlation_id": run.parent.correlation_id, "parent_nodeid": run.parent_nodeid}
               if run is not None and run.parent is not None else {}),
        }


class Conductor:
    """Runs attempts of one beat; plugin hooks are reached through ``hook``."""

    def __init__(self, hook) -> None:
        self.hook = hook

    def perform(self, plan: BeatPlan, run: SequenceRun, values: Mapping[str, Any]) -> None:
        """Run the beat, retrying failed attempts; raise the last failure."""
        attempts = 1 + max(0, plan.retries)
        for attempt in range(1, attempts + 1):
            record = plan.base_record(run, run.run_id, run.dynamic)
            record["attempt"] = attempt
            plan.records.append(record)
            events, metrics = run.begin_attempt(plan.beat, plan.target)
            record["events"], record["metrics"] = events, metrics
            record["started_at"] = utc_now()
            start = time.perf_counter()
            try:
                for bound in plan.handlers:
                    args, kwargs = bound.call_args(values, plan.beat.inputs)
                    self.hook.pytest_symphony_before_beat_call(
                        sequence=plan.sequence, beat=plan.beat, context=run, kwargs=kwargs
                    )
                    result = call(bound, args, kwargs, plan.timeout_ms, plan)
                    if isinstance(result, Mapping):
                        run.state.update(result)
                if plan.beat.event:
                    run.emit(plan.beat.event)
                record["status"] = "passed"
                checkpoint = run.checkpoint()
                if checkpoint is not None:
                    record["checkpoint"] = checkpoint
                return
            except Skipped as exc:
                record["status"] = "skipped"
                record["error"] = summarize_error(str(exc.msg))
                raise
            except (Exception, OutcomeException) as exc:
                record["status"] = "timeout" if isinstance(exc, BeatTimeout) else "failed"
                record["error"] = summarize_error(f"{type(exc).__name__}: {exc}")
                self.hook.pytest_symphony_beat_error(
                    sequence=plan.sequence, beat=plan.beat, context=run, exception=exc, attempt=attempt
                )
                if attempt == attempts:
                    raise
            finally:
                record["ended_at"] = utc_now()
                record["duration_ms"] = round((time.perf_counter() - start) * 1000, 3)
                run.end_attempt()


def call(bound: BoundHandler, args: list, kwargs: dict, timeout_ms: float | None, plan: BeatPlan) -> Any:
    """Call one handler, enforcing ``timeout_ms`` when set."""
    if bound.is_async:
        coro = bound.func(*args, **kwargs)
        if timeout_ms is None:
            return asyncio.run(coro)
        try:
            return asyncio.run(asyncio.wait_for(coro, timeout_ms / 1000))
        except asyncio.TimeoutError:
            raise _timeout(bound, timeout_ms, plan, cancelled=True) from None
    if timeout_ms is None:
        return bound.func(*args, **kwargs)
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = bound.func(*args, **kwargs)
        except BaseException as exc:  # handed to the calling thread below
            outcome["error"] = exc

    worker = threading.Thread(target=target, name=f"symphony-beat-{plan.label}", daemon=True)
    worker.start()
    worker.join(timeout_ms / 1000)
    if worker.is_alive():
        raise _timeout(bound, timeout_ms, plan, cancelled=False)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _timeout(bound: BoundHandler, timeout_ms: float, plan: BeatPlan, *, cancelled: bool) -> BeatTimeout:
    how = "it was cancelled" if cancelled else "it was left running in a background thread"
    return BeatTimeout(
        f"handler '{bound.name}' of beat {plan.label} ({plan.beat.title}) did not finish within "
        f"{format_ms(timeout_ms)} (timeout at {plan.spec_file}:{plan.beat.line}); {how}"
    )
