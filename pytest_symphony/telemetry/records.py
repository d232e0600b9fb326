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
import re
import secrets
import socket
import sys
import uuid
from datetime import datetime, timezone
from typing import Any, Iterable, Literal, Mapping, TypedDict, Union

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


# --------------------------------------------------------------------------- time / ids


def _format_utc(moment: datetime) -> str:
    # isoformat is several times faster than strftime; this runs twice per beat attempt
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def utc_now() -> str:
    """The current time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return _format_utc(datetime.now(timezone.utc))


def iso_utc(timestamp: float) -> str:
    """An epoch timestamp (pytest's ``CallInfo.start``) in ``utc_now``'s form."""
    return _format_utc(datetime.fromtimestamp(timestamp, timezone.utc))


#: The canonical form ``utc_now`` writes; such text needs no parsing.
_CANONICAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

_ISO = re.compile(
    r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)(?:[.,](\d+))?(Z|z|[+-]\d\d:?\d\d)?$"
)


def normalize_timestamp(value: Any) -> str | None:
    """Bring an ISO 8601 string (or a ``datetime``) to the canonical UTC ``...Z`` form.

    Naive values are taken as UTC.  ``None`` stays ``None``; text that does not
    parse is returned unchanged (history keeps what it was given).
    """
    if value is None:
        return None
    if isinstance(value, str) and _CANONICAL.match(value):
        return value
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value)
        match = _ISO.match(text.strip())
        if not match:
            return text
        date, clock, fraction, zone = match.groups()
        if len(clock) == 5:
            clock += ":00"
        fraction = (fraction or "").ljust(6, "0")[:6]
        if zone in (None, ""):
            zone = ""
        elif zone in ("Z", "z"):
            zone = "+00:00"
        elif ":" not in zone:
            zone = zone[:3] + ":" + zone[3:]
        try:  # rebuilt in the one form datetime.fromisoformat accepts on Python 3.10 too
            moment = datetime.fromisoformat(f"{date}T{clock}.{fraction}{zone}")
        except ValueError:
            return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return _format_utc(moment)


def new_run_id(now: datetime | None = None) -> str:
    """A run id that sorts by start time: ``20261124T031500Z-1a2b3c``."""
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def new_correlation_id() -> str:
    """One id per sequence run (uuid4 hex)."""
    return uuid.uuid4().hex


# --------------------------------------------------------------------------- errors


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
    record: dict[str, Any] = {"events": [], "metrics": {}, "error": None, "kind": "beat", "target": None,
                              "steps": []}
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
