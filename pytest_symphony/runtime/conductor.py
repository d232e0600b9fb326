"""The conductor: calls a beat's handlers with fixtures, under timeout and retries.

Each attempt is one telemetry record.  A failed attempt is retried (``retries: N``);
pytest's own outcomes are not failures to retry: ``pytest.skip``, ``pytest.xfail``,
``pytest.fail`` (pytest-timeout's limit among them), ``pytest.exit`` and
``KeyboardInterrupt`` end the beat at once with pytest's meaning.  Timeouts are
enforced by :mod:`.timeouts` (thread, event loop or child process); a retry never starts
beside an abandoned attempt that still runs unless the beat says ``overlapRetries: true``,
and the record's ``notes`` say what happened.  Beats with no timeout run in the calling
thread, as any test does.
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import pluggy
import pytest

from ..errors import BeatTimeout
from ..score.model import Beat, Movement, Sequence
from ..errors import summarize_error
from ..stamps import utc_now
from . import timeouts
from .attempts import Attempt
from .context import SequenceRun
from .registry import Target
from .timing import format_ms

#: The beat field that lets a retry start while an abandoned attempt still runs.
OVERLAP_FIELD = "overlapRetries"


@dataclass(frozen=True)
class BoundHandler:
    """A resolved handler and how to call it: which parameters are fixtures, which are inputs."""

    name: str
    func: Callable[..., Any]
    fixtures: tuple[str, ...]
    inputs: tuple[str, ...]
    positional: tuple[str, ...] = ()
    is_async: bool = False

    @classmethod
    def bind(cls, name: str, func: Callable[..., Any], beat_inputs: Mapping[str, Any]) -> "BoundHandler":
        """Split ``func``'s parameters into fixtures and inputs (cached: many beats share a handler)."""
        return _bind(name, func, tuple(sorted(beat_inputs)))

    @classmethod
    def _split(cls, name: str, func: Callable[..., Any], beat_inputs: tuple[str, ...]) -> "BoundHandler":
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
        return cls(
            name,
            func,
            tuple(fixtures),
            tuple(inputs),
            tuple(positional),
            inspect.iscoroutinefunction(inspect.unwrap(func)),
        )

    def call_args(self, values: Mapping[str, Any], beat_inputs: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        merged = {n: values[n] for n in self.fixtures}
        if self.inputs:
            merged.update({n: beat_inputs[n] for n in self.inputs})
        if not self.positional:
            return [], merged
        return [merged.pop(n) for n in self.positional], merged


@functools.lru_cache(maxsize=4096)
def _bind(name: str, func: Callable[..., Any], beat_inputs: tuple[str, ...]) -> BoundHandler:
    return BoundHandler._split(name, func, beat_inputs)


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
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def critical(self) -> bool:
        """A failing beat stops its sequence unless the spec says ``critical: false``."""
        return self.beat.critical

    @property
    def label(self) -> str:
        return f"{self.movement.number}.{self.beat.number}"

    @property
    def fixture_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for bound in self.handlers:
            names.extend(n for n in bound.fixtures if n not in names)
        return tuple(names)

    def base_record(self, run: SequenceRun | None, run_id: str, dynamic: str) -> dict[str, Any]:
        beat, movement, handler = self.beat, self.movement, self.beat.handler
        record = {
            "run_id": run_id,
            "correlation_id": run.correlation_id if run else "",
            "sequence": self.sequence.id,
            "movement": movement.slug,
            "beat": beat.slug,
            "movement_number": movement.number,
            "beat_number": beat.number,
            "handler": handler.display if handler else None,
            "nodeid": self.nodeid,
            "dynamic": dynamic,
            "spec_file": self.spec_file,
            "spec_line": beat.line,
            "spec_hash": self.sequence.content_hash,
            "events": [],
            "metrics": {},
            "error": None,
            "target": self.target.id if self.target else None,
        }
        if run is not None and run.parent is not None:
            record["parent_correlation_id"] = run.parent.correlation_id
            record["parent_nodeid"] = run.parent_nodeid
        return record


class Conductor:
    """Runs attempts of one beat; plugin hooks are reached through ``hook``."""

    def __init__(self, hook: pluggy.HookRelay) -> None:
        self.hook = hook
        #: The timeout method of beats that do not name one (ini ``symphony_timeout_method``).
        self.timeout_method = "thread"

    def perform(self, plan: BeatPlan, run: SequenceRun, values: Mapping[str, Any]) -> None:
        """Run the beat, retrying failed attempts; raise the last failure.

        pytest's own outcomes keep their meaning: ``pytest.skip``/``xfail``/``fail``/``exit``
        and ``KeyboardInterrupt`` end the beat at once, never retried.
        """
        attempts = 1 + max(0, plan.retries)
        previous: Attempt | None = None
        last_error: Exception | None = None
        for number in range(1, attempts + 1):
            note = None
            if previous is not None and last_error is not None:
                retry, note = self._may_retry(plan, previous)
                if not retry:
                    _note(plan.records[-1], note)
                    raise last_error
            record = plan.base_record(run, run.run_id, run.dynamic)
            record["attempt"] = number
            if note:
                _note(record, note)
            plan.records.append(record)
            attempt = Attempt(plan.label, number)
            try:
                self._attempt(plan, run, values, record, attempt)
                return
            except (pytest.skip.Exception, pytest.fail.Exception, pytest.exit.Exception):
                raise  # recorded by _attempt; pytest decides what they mean
            except Exception as exc:
                if number == attempts:
                    raise
                previous, last_error = attempt, exc

    def _attempt(
        self, plan: BeatPlan, run: SequenceRun, values: Mapping[str, Any], record: dict[str, Any], attempt: Attempt
    ) -> None:
        events, metrics = run.begin_attempt(plan.beat, plan.target, attempt)
        record["events"], record["metrics"] = events, metrics
        record["started_at"] = utc_now()
        start = time.perf_counter()
        try:
            self._call_handlers(plan, run, values, attempt)
            if plan.beat.event:
                run.emit(plan.beat.event)
            record["status"] = "passed"
            checkpoint = run.checkpoint()
            if checkpoint is not None:
                record["checkpoint"] = checkpoint
        except pytest.skip.Exception as exc:
            record["status"] = "skipped"
            record["error"] = summarize_error(str(exc.msg))
            raise
        except pytest.fail.Exception as exc:  # pytest.fail and pytest.xfail (and pytest-timeout's limit)
            xfail = isinstance(exc, pytest.xfail.Exception)
            record["status"] = "skipped" if xfail else "failed"
            record["error"] = summarize_error(f"{'xfail: ' if xfail else ''}{exc.msg}")
            if not xfail:
                self._beat_error(plan, run, exc, attempt.number)
            raise
        except pytest.exit.Exception as exc:  # an Exception subclass: never retried
            record["status"] = "error"
            record["error"] = summarize_error(f"pytest.exit: {exc.msg}")
            raise
        except Exception as exc:
            record["status"] = "timeout" if isinstance(exc, BeatTimeout) else "failed"
            record["error"] = summarize_error(f"{type(exc).__name__}: {exc}")
            if isinstance(exc, BeatTimeout):
                record["timeout"] = exc.info
            self._beat_error(plan, run, exc, attempt.number)
            raise
        except BaseException as exc:  # KeyboardInterrupt, SystemExit: recorded, never retried
            record["status"] = "error"
            record["error"] = summarize_error(f"{type(exc).__name__}: {exc}")
            raise
        finally:
            record["ended_at"] = utc_now()
            record["duration_ms"] = round((time.perf_counter() - start) * 1000, 3)
            run.end_attempt()
            late = run.late.take()
            if late:
                record["late_writes"] = late
                _note(
                    record,
                    "dropped late writes of an abandoned attempt: "
                    + ", ".join(f"{n} {kind}" for kind, n in sorted(late.items())),
                )

    def _call_handlers(self, plan: BeatPlan, run: SequenceRun, values: Mapping[str, Any], attempt: Attempt) -> None:
        """The beat's handlers in order, each under the beat's timeout; a mapping returned goes into the state."""
        for bound in plan.handlers:
            args, kwargs = bound.call_args(values, plan.beat.inputs)
            notify(
                self.hook.pytest_symphony_before_beat_call,
                sequence=plan.sequence,
                beat=plan.beat,
                context=run,
                kwargs=kwargs,
            )
            if plan.timeout_ms is None:
                result = timeouts.untimed(bound.func, args, kwargs, bound.is_async, attempt)
            else:
                result = timeouts.run(
                    self._call(plan, bound, args, kwargs, attempt), plan.timeout_ms, self.method_of(plan), run
                )
            if result is not None and isinstance(result, collections.abc.Mapping):  # (typing's Mapping is slower)
                run.state.update(result)

    def _beat_error(self, plan: BeatPlan, run: SequenceRun, exc: BaseException, number: int) -> None:
        self.hook.pytest_symphony_beat_error(
            sequence=plan.sequence, beat=plan.beat, context=run, exception=exc, attempt=number
        )

    def _call(
        self, plan: BeatPlan, bound: BoundHandler, args: list[Any], kwargs: dict[str, Any], attempt: Attempt
    ) -> timeouts.Call:
        return timeouts.Call(
            bound.func,
            tuple(args),
            kwargs,
            bound.is_async,
            bound.name,
            f"beat {plan.label} ({plan.beat.title})",
            f"{plan.spec_file}:{plan.beat.line}",
            attempt,
        )

    def method_of(self, plan: BeatPlan) -> str:
        """The beat's ``timeout_method`` (or ``timeoutMethod``), else the ini default."""
        method = plan.beat.timeout_method
        return method if method is not None else self.timeout_method

    def _may_retry(self, plan: BeatPlan, previous: Attempt) -> tuple[bool, str | None]:
        """Whether the next attempt may start, and what to note about it.

        A retry never overlaps an abandoned attempt that still runs, unless the beat allows
        it: it waits for that attempt up to one more timeout, else the beat ends there.
        """
        if not previous.still_running:
            return True, None
        if plan.beat.overlap_retries:  # OVERLAP_FIELD: true
            return True, (
                f"attempt {previous.number} still ran when attempt {previous.number + 1} started "
                f"({OVERLAP_FIELD}: true)"
            )
        wait_s = (plan.timeout_ms or 0) / 1000
        started = time.perf_counter()
        if timeouts.wait_for_abandoned(previous, wait_s):
            waited = format_ms(round((time.perf_counter() - started) * 1000, 1))
            return True, f"attempt {previous.number + 1} waited {waited} for attempt {previous.number} to end"
        return False, (
            f"no retry: attempt {previous.number} was still running {format_ms(wait_s * 1000)} after "
            f"its timeout, and a retry never runs beside it; set `{OVERLAP_FIELD}: true` on the beat if "
            "its handler is safe to run twice at once, or use `timeout_method: process`"
        )


def notify(hook: pluggy.HookCaller, **kwargs: Any) -> None:
    """Call a per-beat plugin hook when some plugin implements it: most runs implement none, and
    a call that reaches no one still costs pluggy's dispatch, per beat."""
    if hook.get_hookimpls():
        hook(**kwargs)


def _note(record: dict[str, Any], text: str | None) -> None:
    if text:
        record.setdefault("notes", []).append(text)
