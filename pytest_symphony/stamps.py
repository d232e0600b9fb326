"""Time stamps and ids of runs, in the one form every part writes (``...T03:15:00.000000Z``).

A leaf module: the runtime, telemetry, reports and the built-in pipelines all take their
clock from here, so none needs another's module for it.
"""

from __future__ import annotations

import math
import re
import secrets
import time
import uuid
from datetime import datetime, timezone
from typing import Any


def _format_utc(moment: datetime) -> str:
    # isoformat is several times faster than strftime (normalize_timestamp runs it per stored stamp)
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


#: The last whole second formatted, and its text up to the seconds: beats start many times a
#: second, so a stamp is that text and six digits (a tuple, replaced whole: safe across threads).
_second: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """The current time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return iso_utc(time.time())


def iso_utc(timestamp: float) -> str:
    """An epoch timestamp (``time.time()``, pytest's ``CallInfo.start``) in ``utc_now``'s form."""
    global _second
    fraction, seconds = math.modf(timestamp)  # rounded as datetime.fromtimestamp rounds
    whole, micros = int(seconds), round(fraction * 1e6)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    elif micros < 0:
        whole, micros = whole - 1, micros + 1_000_000
    second, head = _second
    if whole != second:
        head = datetime.fromtimestamp(whole, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
        _second = (whole, head)
    return f"{head}{micros:06d}Z"


#: The canonical form ``utc_now`` writes; such text needs no parsing.
_CANONICAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

_ISO = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)(?:[.,](\d+))?(Z|z|[+-]\d\d:?\d\d)?$")


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
