"""Checkpoints: what a passed beat changed in ``symphony.state``, as JSON, for ``--symphony-resume``.

After each passed beat the sequence run compares its state with what the last checkpoint
saw, key by key (a value's JSON text, so a list grown in place counts as changed), and
hands the difference to telemetry.  A value that does not serialize is named instead,
with the beat that produced it: a resumed run re-runs that beat rather than pretend.
A value may serialize itself: what its ``to_checkpoint()`` returns is stored (the build's
``BuildRun``); its owner rebuilds it from that JSON on restore.
A run whose state stays empty pays one truth test per beat.
"""

from __future__ import annotations

import json
from typing import Any, Mapping


class StateTracker:
    """The JSON text (or, for a value that does not serialize, the identity) each key had last."""

    def __init__(self) -> None:
        self._seen: dict[str, str | int] = {}

    def checkpoint(self, state: Mapping[str, Any]) -> dict[str, Any] | None:
        """What changed since the last call: ``{"set": {key: json}, "unset": [...], "unserializable": [...]}``."""
        if not state and not self._seen:
            return None
        changed: dict[str, str] = {}
        opaque: list[str] = []
        for key, value in state.items():
            key = str(key)
            text = _json(value)
            if text is None:
                if self._seen.get(key) != id(value):
                    self._seen[key] = id(value)
                    opaque.append(key)
            elif self._seen.get(key) != text:
                self._seen[key] = text
                changed[key] = text
        gone = [key for key in self._seen if key not in state]
        for key in gone:
            del self._seen[key]
        if not (changed or opaque or gone):
            return None
        return {"set": changed, "unset": gone, "unserializable": opaque}


def _json(value: Any) -> str | None:
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False, separators=(",", ":"), default=_own_form)
    except (TypeError, ValueError, RecursionError):
        return None


def _own_form(value: Any) -> Any:
    """What a value that serializes itself (``to_checkpoint()``) stores; any other value does not serialize."""
    to_checkpoint = getattr(type(value), "to_checkpoint", None)
    if to_checkpoint is None:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    return to_checkpoint(value)


def replay(checkpoints: list[Mapping[str, Any]]) -> tuple[dict[str, Any], dict[str, int]]:
    """The state after ``checkpoints`` (in beat order), and which checkpoint made each opaque key.

    Returns ``(state, opaque)``: ``opaque`` maps a key whose last value did not serialize
    to the index of the checkpoint that produced it.
    """
    state: dict[str, Any] = {}
    opaque: dict[str, int] = {}
    for index, point in enumerate(checkpoints):
        for key, text in (point.get("set") or {}).items():
            state[key] = json.loads(text)
            opaque.pop(key, None)
        for key in point.get("unset") or ():
            state.pop(key, None)
            opaque.pop(key, None)
        for key in point.get("unserializable") or ():
            state.pop(key, None)
            opaque[key] = index
    return state, opaque
