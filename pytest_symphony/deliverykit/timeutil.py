"""Timestamps and durations in delivery records: ISO 8601 in, aware UTC datetimes out.

A timestamp without a zone is refused rather than guessed: "2024-05-01T10:00" could be
any of 24 instants, and every metric here subtracts timestamps.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

__all__ = ["iso", "parse_days", "parse_time", "utc_now"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|day|days|w|week|weeks|h|hours?)?\s*$", re.IGNORECASE)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_time(value: object) -> datetime:
    """An aware UTC datetime from an ISO 8601 string (``Z`` or an offset), a datetime or a date.

    A date means its midnight UTC.  Raises ValueError naming what is wrong.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value.isoformat()} has no time zone; add Z or an offset like +02:00")
        return value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a timestamp; write ISO 8601 like 2024-05-01T10:00:00Z")
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return parse_time(date.fromisoformat(text))
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 timestamp; write it like 2024-05-01T10:00:00Z") from None
    return parse_time(parsed)


def iso(moment: datetime) -> str:
    """``2024-05-01T10:00:00Z`` (seconds; microseconds only when present)."""
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


def parse_days(value: object) -> float:
    """Days from ``14``, ``"14d"``, ``"2w"`` or ``"36h"``; ValueError otherwise (or when not positive)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number of days")
    if isinstance(value, (int, float)):
        days = float(value)
    elif isinstance(value, timedelta):
        days = value.total_seconds() / 86400
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not a duration; write days like 14, '14d', '2w' or '36h'")
        amount, unit = float(m.group(1)), (m.group(2) or "d").lower()
        days = amount * 7 if unit.startswith("w") else amount / 24 if unit.startswith("h") else amount
    if days <= 0:
        raise ValueError(f"{value!r} is not a positive duration")
    return days
