"""Suppression members in specs (``x-symphony-ignore``) and the part of the spec, and of
the files naming it, each one covers."""

from __future__ import annotations

from typing import Any, Mapping

from ..violation import Place, json_pointer
from .suppression import ALL, SPEC_MEMBER, Suppression, split_codes


def _member_codes(value: Any) -> frozenset[str] | None:
    if isinstance(value, str):
        return split_codes(value)
    if isinstance(value, (list, tuple)) and all(isinstance(c, str) for c in value):
        codes = frozenset(c.strip() for c in value if c.strip())
        return codes or ALL
    return None


def _beat_keys(beat: Mapping[str, Any]) -> set[str]:
    keys = set()
    for k in ("id", "beatId", "number", "beat"):
        v = beat.get(k)
        if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip():
            keys.add(str(v))
    return keys


def _beat_list(movement: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """The key and list a movement's beats are under (``beats``, ``steps`` or ``sequence``,
    the first non-empty list, as the normalizer takes them)."""
    for key in ("beats", "steps", "sequence"):
        value = movement.get(key)
        if isinstance(value, list) and value:
            return key, value
    return "beats", []


def _line_for(pointer: str, lines: Mapping[str, int] | None) -> int:
    if not lines:
        return 1
    for p in (pointer + "/" + SPEC_MEMBER, pointer):
        if p in lines:
            return max(1, int(lines[p]))
    return 1


def spec_suppressions(
    path: str,
    spec: Mapping[str, Any],
    lines: Mapping[str, int] | None = None,
) -> list[Suppression]:
    """``x-symphony-ignore`` members of one spec mapping (its raw, loaded form).

    ``lines`` maps JSON pointers to source lines (the pointer of the member itself, or
    of the object holding it), for reporting a suppression that silences nothing.  A
    member whose value is neither a string nor a list of strings is reported as a
    suppression of the unknown code ``<invalid>``.
    """
    if not isinstance(spec, Mapping):
        return []
    seq_id = spec.get("id") or spec.get("sequenceId")
    seq_id = str(seq_id) if isinstance(seq_id, (str, int)) and str(seq_id) else None
    out: list[Suppression] = []

    def add(obj: Mapping[str, Any], pointer: str, beats: frozenset[str] | None) -> None:
        if SPEC_MEMBER not in obj:
            return
        codes = _member_codes(obj[SPEC_MEMBER])
        if codes is None:
            codes = frozenset({"<invalid>"})
        out.append(
            Suppression(
                kind="spec",
                place=Place(path, _line_for(pointer, lines), 1, pointer=pointer + "/" + SPEC_MEMBER),
                codes=codes,
                pointer=pointer,
                sequence=seq_id,
                beats=beats,
            )
        )

    add(spec, "", None)
    movements = spec.get("movements")
    if isinstance(movements, list):
        for mi, movement in enumerate(movements):
            if not isinstance(movement, Mapping):
                continue
            list_key, beat_list = _beat_list(movement)
            keys: set[str] = set()
            for b in beat_list:
                if isinstance(b, Mapping):
                    keys |= _beat_keys(b)
            add(movement, json_pointer("movements", mi), frozenset(keys))
            for bi, beat in enumerate(beat_list):
                if isinstance(beat, Mapping):
                    add(beat, json_pointer("movements", mi, list_key, bi), frozenset(_beat_keys(beat)))
    # flat specs: top-level beats list
    top_beats = spec.get("beats")
    if isinstance(top_beats, list):
        for bi, beat in enumerate(top_beats):
            if isinstance(beat, Mapping):
                add(beat, json_pointer("beats", bi), frozenset(_beat_keys(beat)))
    return out
