"""Time stamps and ids of runs, in the one form every part writes (``...T03:15:00.000000Z``).

A leaf module: the runtime, telemetry, reports and the built-in pipelines all take their
clock from here, so none needs another's module for it.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime, timezone
from typing import Any


def _format_utc(moment: datetime) -> str:
    # isoformat is several times faster than strftime; this runs twice per beat attempt
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def utc_now() -> str:
    """The current time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")[:-6] + "Z"  # drops "+00:00"


def iso_utc(timestamp: float) -> str:
    """An epoch timestamp (pytest's ``CallInfo.start``) in ``utc_now``'s form."""
    return _format_utc(datetime.fromtimestamp(timestamp, timezone.utc))


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
