"""Fixers that edit specs and the domain registry (JSON or YAML), as proven structural
changes (:mod:`pytest_symphony.remediation.structured`)."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from ...conformity.checks.handler import spec_path_problem
from ...conformity.checks.places import beat_list_key
from ...conformity.violation import Violation
from ...score.model import Sequence
from ...score.source import SPEC_SUFFIXES
from ..context import FixContext
from ..plan import Declined, PlannedFix, from_changes
from ..structured import Change, Document, EditRefused, split_pointer

__all__ = ["FIXERS"]

Offer = Iterator["PlannedFix | Declined"]


def _by_file(violations: Iterable[Violation]) -> dict[str, list[Violation]]:
    out: dict[str, list[Violation]] = {}
    for v in violations:
        out.setdefault(v.place.path, []).append(v)
    return out


def _doc(ctx: FixContext, path: str) -> Document:
    text = ctx.text(path)
    if text is None:
        raise EditRefused(f"{path} is gone")
    return Document(path, text)


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    for suffix in SPEC_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name.rsplit(".", 1)[0]


def _movement_index(pointer: str | None) -> int | None:
    parts = split_pointer(pointer or "")
    return int(parts[1]) if len(parts) >= 2 and parts[0] == "movements" and parts[1].isdigit() else None


def _offer(
    code: str, vs: list[Violation], description: str, safety: str, doc: Document, changes: list[Change], **kw: Any
) -> Offer:
    try:
        yield from_changes(code, vs, description, safety, doc, changes, **kw)
    except EditRefused as exc:
        yield from (Declined(v, str(exc)) for v in vs)


# -- orchestration ---------------------------------------------------------------------------


def sequence_id_missing(violations: list[Violation], ctx: FixContext) -> Offer:
    for path, vs in _by_file(violations).items():
        try:
            doc = _doc(ctx, path)
            base = doc.sequence_parts("")
            data = doc.get(base)
            stem = _stem(path)
            key = "id" if "id" in data else "sequenceId" if "sequenceId" in data else None
            change = doc.set(base + [key], stem) if key else doc.insert(base, "id", stem, first=True)
        except (EditRefused, LookupError) as exc:
            yield from (Declined(v, str(exc)) for v in vs)
            continue
        yield from _offer(vs[0].code, vs, f"set `{key or 'id'}` to '{stem}' (the file stem)", "safe", doc, [change])


def metadata_missing(violations: list[Violation], ctx: FixContext) -> Offer:
    for path, vs in _by_file(violations).items():
        seq = ctx.sequence(path)
        try:
            if seq is None:
                raise EditRefused(f"{path} does not load")
            doc = _doc(ctx, path)
            base = doc.sequence_parts("")
            data = doc.get(base)
            if "name" in data:
                change = doc.set(base + ["name"], seq.id)
            else:
                anchor = next((k for k in ("id", "sequenceId") if k in data), None)
                change = doc.insert(base, "name", seq.id, after=anchor, first=anchor is None)
        except (EditRefused, LookupError) as exc:
            yield from (Declined(v, str(exc)) for v in vs)
            continue
        yield from _offer(vs[0].code, vs, f"set `name` to '{seq.id}'", "safe", doc, [change])


# -- counts and numbering ------------------------------------------------------------------


def beat_count_mismatch(violations: list[Violation], ctx: FixContext) -> Offer:
    for path, vs in _by_file(violations).items():
        seq = ctx.sequence(path)
        if seq is None:
            yield from (Declined(v, f"{path} does not load") for v in vs)
            continue
        try:
            doc = _doc(ctx, path)
            changes = []
            for v in vs:
                index = _movement_index(v.place.pointer)
                count = len(seq.beats) if index is None else len(seq.movements[index].beats)
                changes.append(doc.set(doc.sequence_parts(v.place.pointer or "/beats"), count))
        except (EditRefused, LookupError, IndexError) as exc:
            yield from (Declined(v, str(exc)) for v in vs)
            continue
        yield from _offer(vs[0].code, vs, "set each declared beat count to the number of beats", "safe", doc, changes)


def _renumber(doc: Document, seq: Sequence, index: int, *, allow_repeats: bool) -> list[Change]:
    """Changes renumbering movement ``index``'s beats consecutively from its first number."""
    movement = seq.movements[index]
    key = beat_list_key(movement.raw)
    declared = [b.declared for b in movement.beats]  # as the model reads it, once
    if any(d is None for d in declared):
        raise EditRefused(f"movement {movement.number} has beats without a declared number")
    numbers = [int(d[1]) for d in declared if d is not None]
    if not allow_repeats and len(set(numbers)) != len(numbers):
        raise EditRefused(f"movement {movement.number} repeats beat numbers (DUPLICATE_BEAT_ID, an unsafe fix)")
    changes = []
    for i, (beat, (field, value)) in enumerate(zip(movement.beats, [d for d in declared if d is not None])):
        wanted = numbers[0] + i
        if int(value) != wanted:
            parts = doc.sequence_parts(f"/movements/{index}/{key}/{beat.index}/{field}")
            changes.append(doc.set(parts, str(wanted) if isinstance(beat.raw.get(field), str) else wanted))
    return changes


def beat_numbering_gap(violations: list[Violation], ctx: FixContext, *, allow_repeats: bool = False) -> Offer:
    code = violations[0].code if violations else ""
    for path, vs in _by_file(violations).items():
        seq = ctx.sequence(path)
        try:
            if seq is None:
                raise EditRefused(f"{path} does not load")
            doc = _doc(ctx, path)
            indexes = sorted({i for i in (_movement_index(v.place.pointer) for v in vs) if i is not None})
            changes = [c for i in indexes for c in _renumber(doc, seq, i, allow_repeats=allow_repeats)]
            if not changes:
                raise EditRefused("the beats are already numbered consecutively")
        except (EditRefused, LookupError, IndexError) as exc:
            yield from (Declined(v, str(exc)) for v in vs)
            continue
        what = ", ".join(str(i + 1) for i in indexes)
        yield from _offer(
            code,
            vs,
            f"renumber the beats of movement(s) {what} consecutively in list order",
            "unsafe" if allow_repeats else "safe",
            doc,
            changes,
            expects=frozenset({"BREAKING_CHANGE_DETECTED"}) if allow_repeats else frozenset(),
        )


def duplicate_beat_id(violations: list[Violation], ctx: FixContext) -> Offer:
    numbered = [
        v for v in violations if not v.place.pointer or not v.place.pointer.endswith("/id") or _is_numeric_id(ctx, v)
    ]
    named = [v for v in violations if v not in numbered]
    yield from beat_numbering_gap(numbered, ctx, allow_repeats=True)
    for path, vs in _by_file(named).items():
        seq = ctx.sequence(path)
        try:
            if seq is None:
                raise EditRefused(f"{path} does not load")
            doc = _doc(ctx, path)
            taken = {b.id for b in seq.beats if isinstance(b.id, str)}
            changes = []
            for v in vs:
                parts = doc.sequence_parts(v.place.pointer or "")
                old = doc.get(parts)
                n, new = 2, f"{old}-2"
                while new in taken:
                    n += 1
                    new = f"{old}-{n}"
                taken.add(new)
                changes.append(doc.set(parts, new))
        except (EditRefused, LookupError) as exc:
            yield from (Declined(v, str(exc)) for v in vs)
            continue
        yield from _offer(
            vs[0].code,
            vs,
            "give each repeated beat id a unique suffix",
            "unsafe",
            doc,
            changes,
            expects=frozenset({"BREAKING_CHANGE_DETECTED"}),
        )


def _is_numeric_id(ctx: FixContext, v: Violation) -> bool:
    try:
        doc = _doc(ctx, v.place.path)
        value = doc.get(doc.sequence_parts(v.place.pointer or ""))
    except (EditRefused, LookupError):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


def movement_count_mismatch(violations: list[Violation], ctx: FixContext) -> Offer:
    for path, vs in _by_file(violations).items():
        seq = ctx.sequence(path)
        try:
            if seq is None:
                raise EditRefused(f"{path} does not load")
            doc = _doc(ctx, path)
            changes = []
            for v in vs:
                parts = doc.sequence_parts(v.place.pointer or "")
                index = _movement_index(v.place.pointer)
                old = doc.get(parts)
                wanted: Any = len(seq.movements) if index is None else index + 1
                changes.append(doc.set(parts, str(wanted) if isinstance(old, str) else wanted))
        except (EditRefused, LookupError) as exc:
            yield from (Declined(v, str(exc)) for v in vs)
            continue
        yield from _offer(
            vs[0].code, vs, "set the movement count and numbers to the movements' order", "safe", doc, changes
        )


# -- events and paths ------------------------------------------------------------------------


def invalid_event_reference(violations: list[Violation], ctx: FixContext) -> Offer:
    for path, vs in _by_file(violations).items():
        seq = ctx.sequence(path)
        try:
            if seq is None or seq.events is None:
                raise EditRefused(f"{path}: the sequence declares no `events` list")
            doc = _doc(ctx, path)
            parts = doc.sequence_parts("/events")
            declared = doc.get(parts)
            if not isinstance(declared, list) or not all(isinstance(e, str) for e in declared):
                raise EditRefused(f"{path}: `events` is not a list of names")
            missing: list[str] = []
            for v in vs:
                beat_parts = doc.sequence_parts(v.place.pointer or "")
                event = doc.get(beat_parts)
                if isinstance(event, str) and event not in declared and event not in missing:
                    missing.append(event)
            if not missing:
                raise EditRefused("every event is declared already")
            changes = [doc.append(parts, e) for e in missing]
        except (EditRefused, LookupError) as exc:
            yield from (Declined(v, str(exc)) for v in vs)
            continue
        yield from _offer(
            vs[0].code, vs, f"append {', '.join(repr(e) for e in missing)} to `events`", "safe", doc, changes
        )


def _forward(value: str) -> str | None:
    if "\\" not in value:
        return None
    new = value.replace("\\", "/")
    return new if spec_path_problem(new) is None else None


def hardcoded_path(violations: list[Violation], ctx: FixContext) -> Offer:
    specs = [v for v in violations if v.place.path.lower().endswith(SPEC_SUFFIXES)]
    for v in violations:
        if v not in specs:
            yield Declined(v, "a handler's literal path has no automatic fix: derive it from a fixture or input")
    for path, vs in _by_file(specs).items():
        changes, fixed, seen = [], [], set()
        try:
            doc = _doc(ctx, path)
        except EditRefused as exc:
            yield from (Declined(v, str(exc)) for v in vs)
            continue
        for v in vs:
            try:
                parts = doc.sequence_parts(v.place.pointer or "")
                value = doc.get(parts)
                items = (
                    [(parts + [str(i)], x) for i, x in enumerate(value)]
                    if isinstance(value, list)
                    else [(parts, value)]
                )
                mine = []
                for where, item in items:
                    new = _forward(item) if isinstance(item, str) else None
                    if new is not None and tuple(where) not in seen:
                        seen.add(tuple(where))
                        mine.append(doc.set(where, new))
                if not mine and not any(isinstance(x, str) and "\\" in x for _, x in items):
                    raise EditRefused("the path has no backslash to replace")
                if not mine and not any(tuple(w) in seen for w, _ in items):
                    raise EditRefused("an absolute path stays absolute with forward slashes: make it relative by hand")
                changes += mine
                fixed.append(v)
            except (EditRefused, LookupError) as exc:
                yield Declined(v, str(exc))
        if fixed and changes:
            yield from _offer(fixed[0].code, fixed, "use forward slashes in spec path fields", "safe", doc, changes)


def orphaned_domain_reference(violations: list[Violation], ctx: FixContext) -> Offer:
    for path, vs in _by_file(violations).items():
        try:
            doc = _doc(ctx, path)
            changes = [doc.remove(split_pointer(v.place.pointer or "")) for v in vs]
        except (EditRefused, LookupError) as exc:
            yield from (Declined(v, str(exc)) for v in vs)
            continue
        yield from _offer(
            vs[0].code,
            vs,
            f"remove {len(vs)} reference(s) to missing sequences from the registry (removes registry entries)",
            "unsafe",
            doc,
            changes,
            removes=True,
        )


FIXERS = {
    "SEQUENCE_ID_MISSING": sequence_id_missing,
    "METADATA_MISSING": metadata_missing,
    "BEAT_COUNT_MISMATCH": beat_count_mismatch,
    "MOVEMENT_COUNT_MISMATCH": movement_count_mismatch,
    "BEAT_NUMBERING_GAP": beat_numbering_gap,
    "DUPLICATE_BEAT_ID": duplicate_beat_id,
    "INVALID_EVENT_REFERENCE": invalid_event_reference,
    "HARDCODED_PATH": hardcoded_path,
    "ORPHANED_DOMAIN_REFERENCE": orphaned_domain_reference,
}
