"""Telemetry records: plain JSON-able dicts that travel on pytest reports.

An :class:`AttemptRecord` describes one attempt at running one beat; a
:class:`RunRecord` describes one pytest session.  Both are ``TypedDict`` so that
they stay ordinary dicts: they cross pytest-xdist inside ``TestReport`` objects
(``user_properties`` / ``sections`` / attributes serialized by xdist) and are
written as-is to ``telemetry.jsonl``.

Timestamps are UTC ISO 8601 strings with microseconds and a ``Z`` suffix
(``2026-11-24T03:15:00.123456Z``); :func:`normalize_timestamp` brings any
ISO 8601 string (``+00:00``, other offsets, no fraction) to that form so that
timestamps sort correctly as text.
"""

from __future__ import annotations

import getpass
import os
import platform as _platform
import socket
import sys
from typing import Any, Iterable, Literal, Mapping, TypedDict, Union

# Time stamps, run ids and error summaries live in the leaf modules ``stamps`` and ``errors``;
# named here for this module's users.
# re-exported: the telemetry package's names (the "X as X" form says so to type checkers)
from ..errors import summarize_error as summarize_error
from ..stamps import new_correlation_id as new_correlation_id
from ..stamps import new_run_id as new_run_id
from ..stamps import normalize_timestamp as normalize_timestamp
from ..stamps import utc_now as utc_now

Status = Literal["passed", "failed", "skipped", "error", "timeout"]

#: Every status an attempt can end with.
STATUSES: tuple[str, ...] = ("passed", "failed", "skipped", "error", "timeout")

Number = Union[int, float]


class EventRecord(TypedDict):
    """One event emitted while a beat ran."""

    name: str
    payload: dict[str, Any]
    at: str


class StepRecord(TypedDict, total=False):
    """One step of a BDD scenario attempt."""

    text: str
    status: str
    duration_ms: float


class AttemptRecord(TypedDict, total=False):
    """One attempt at running one beat (or, with ``kind="scenario"``, one BDD scenario).

    ``attempt`` is 1-based; 0 marks a beat that never ran (e.g. skipped).
    """

    run_id: str
    correlation_id: str  # one per sequence run
    sequence: str  # sequence id
    movement: str  # movement slug
    beat: str  # beat slug
    beat_number: int
    movement_number: int
    handler: str | None
    started_at: str
    ended_at: str
    duration_ms: float
    status: Status
    attempt: int
    events: list[EventRecord]
    metrics: dict[str, Number]
    error: str | None  # one-paragraph summary, see summarize_error
    dynamic: str  # pp / p / mf / f / ff
    spec_file: str
    spec_line: int
    spec_hash: str  # sha256 hex of the spec file
    nodeid: str
    kind: str  # "beat" (default) or "scenario"
    target: str | None  # the target id of an expanded beat
    steps: list[StepRecord]  # scenario steps, in order


class RunRecord(TypedDict, total=False):
    """One pytest session."""

    run_id: str
    started_at: str
    ended_at: str | None
    dynamic: str | None
    rootdir: str
    argv: list[str]
    user: str
    host: str
    python: str
    platform: str
    git_commit: str | None
    exit_status: int | None
    selected: list[str]  # sequence ids
    resumed_from: str | None  # the run whose checkpoints --symphony-resume restored


# --------------------------------------------------------------------------- constructors


def make_event(name: str, payload: Mapping[str, Any] | None = None, at: str | None = None) -> EventRecord:
    """An event record stamped now unless ``at`` is given."""
    return {"name": str(name), "payload": dict(payload or {}), "at": at or utc_now()}


def make_attempt(**fields: Any) -> AttemptRecord:
    """An attempt record with empty ``events``/``metrics``/``steps``, ``error=None``,
    ``kind="beat"`` and ``target=None`` filled in.

    Unknown keys are rejected (a typo would otherwise silently vanish from history);
    ``status`` must be one of :data:`STATUSES`.
    """
    unknown = set(fields) - set(AttemptRecord.__annotations__)
    if unknown:
        raise TypeError(f"unknown attempt field(s): {', '.join(sorted(unknown))}")
    status = fields.get("status")
    if status is not None and status not in STATUSES:
        raise ValueError(f"attempt status {status!r} is not one of {', '.join(STATUSES)}")
    record: dict[str, Any] = {"events": [], "metrics": {}, "error": None, "kind": "beat", "target": None, "steps": []}
    record.update(fields)
    record["events"] = list(record["events"] or [])
    record["metrics"] = dict(record["metrics"] or {})
    record["steps"] = list(record["steps"] or [])
    return record  # type: ignore[return-value]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry / no env vars, e.g. in some containers
        return str(os.getuid()) if hasattr(os, "getuid") else ""


def make_run(
    run_id: str | None = None,
    *,
    started_at: str | None = None,
    dynamic: str | None = None,
    rootdir: str = "",
    argv: Iterable[str] | None = None,
    git_commit: str | None = None,
    selected: Iterable[str] = (),
) -> RunRecord:
    """A run record for this process: user, host, python and platform filled in."""
    return {
        "run_id": run_id or new_run_id(),
        "started_at": started_at or utc_now(),
        "ended_at": None,
        "dynamic": dynamic,
        "rootdir": str(rootdir),
        "argv": [str(a) for a in (sys.argv if argv is None else argv)],
        "user": _user(),
        "host": socket.gethostname(),
        "python": _platform.python_version(),
        "platform": _platform.platform(),
        "git_commit": git_commit,
        "exit_status": None,
        "selected": [str(s) for s in selected],
    }
