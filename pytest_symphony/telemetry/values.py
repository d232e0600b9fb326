"""Record values as SQLite and JSON Lines can hold them, whatever a handler or spec put there.

A record is data from the user's world: an event payload, an error text, a metric.
SQLite binds only 64-bit integers, doubles and UTF-8 text, and ``json.dumps`` writes
strings that UTF-8 cannot encode.  So, at the storage boundary, every value is made
storable: a lone surrogate becomes its ``\\udxxx`` escape, a value JSON cannot hold its
``repr``, and a number beyond what a numeric column holds the nearest double (``inf``
beyond 1.8e308; SQLite itself turns out-of-range integer text into a double).  The JSONL
line keeps every number exactly.  Nothing here raises for a value: one odd record never
costs the run its history.
"""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring_ascii
from typing import Any, Callable

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_PROBE = {"a": [1, 2.5, None, True], "b": "\u00e9\udc80", "c": {"d": float("inf")}}


def _ascii_encoder(make: Any) -> Callable[[Any, int], Any]:
    """An encoder as ``json.dumps(value, default=str)`` builds one (ASCII, ``", "``/``": "``, no
    sorting), from ``make``; a new one per value: its circular-reference marks are its own."""
    return make({}, str, encode_basestring_ascii, None, ": ", ", ", False, False, True)  # type: ignore[no-any-return]


def _c_encoder(make: Any) -> Callable[..., Any] | None:
    """``make``, ``json``'s C encoder (what ``json.dumps`` runs underneath; undocumented), when this
    interpreter has it and it writes what ``json.dumps`` writes; else None (``json.dumps`` then)."""
    try:
        return make if "".join(_ascii_encoder(make)(_PROBE, 0)) == json.dumps(_PROBE, default=str) else None
    except Exception:  # absent, or a signature this code does not know
        return None


_C_ENCODER = _c_encoder(getattr(json.encoder, "c_make_encoder", None))


def text(value: Any) -> Any:
    """A value SQLite binds as is (None, int in range, float, UTF-8 str); anything else as text."""
    kind = value.__class__
    if kind is str:  # the common case first: most columns are text
        return value if value.isascii() else utf8(value)
    if value is None or kind is float:
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return int(value) if INT_MIN <= value <= INT_MAX else _digits(value)
    if isinstance(value, float):
        return float(value)
    return utf8(str(value))


def utf8(value: str) -> str:
    """``value``, with lone surrogates (which no UTF-8 file or database holds) as escapes."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def integer(value: Any) -> Any:
    """An integer column: an int in range, the nearest double of a larger one, else None."""
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if not isinstance(value, int):
        try:
            value = int(value)
        except (TypeError, ValueError, OverflowError):
            return None
    return value if INT_MIN <= value <= INT_MAX else _double(value)


def real(value: Any) -> Any:
    """A float column: the value as a double (``inf`` beyond the largest), else None."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _double(value)
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _double(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """JSON text of ``value`` that always encodes as UTF-8 (escapes only where it must).

    A value JSON cannot hold (a circular payload) is written as ``{"unserializable": repr}``.
    """
    try:
        out = json.dumps(value, default=str, ensure_ascii=False, sort_keys=sort_keys)
    except (ValueError, TypeError, RecursionError):
        return json.dumps({"unserializable": _repr(value)})
    try:
        out.encode("utf-8")
    except UnicodeEncodeError:
        out = json.dumps(value, default=str, ensure_ascii=True, sort_keys=sort_keys)
    return out


def record_line(record: dict[str, Any]) -> str:
    """One JSON line for a telemetry record; a field JSON cannot hold is kept as its repr."""
    try:
        return dumps_strict(record)
    except (ValueError, TypeError, RecursionError):
        return dumps_strict({k: (v if _plain(v) else {"unserializable": _repr(v)}) for k, v in record.items()})


def dumps_strict(value: Any) -> str:
    """ASCII JSON (non-ASCII as ``\\u`` escapes): always encodable, lone surrogates included, and the
    fastest form of ``json.dumps``: its C encoder called directly, as ``json.dumps(value, default=str)``
    calls it, without the encoder object built per call (a quarter of the cost of a record's line)."""
    if _C_ENCODER is None:
        return json.dumps(value, default=str)
    return "".join(_ascii_encoder(_C_ENCODER)(value, 0))


def _plain(value: Any) -> bool:
    try:
        json.dumps(value, default=str)
    except (ValueError, TypeError, RecursionError):
        return False
    return True


def _repr(value: Any) -> str:
    try:
        return utf8(repr(value))[:2000]
    except Exception:  # a repr that raises
        return f"<{type(value).__name__}>"


def _digits(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # over Python's 4,300-digit limit for str(int)
        return f"{'-' if value < 0 else ''}0x{abs(value):x}"


__all__ = ["INT_MAX", "INT_MIN", "dumps", "integer", "real", "record_line", "text", "utf8"]
