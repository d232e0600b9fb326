"""Counts and numbering: declared counts agree, every movement has beats, beat ids are
unique and beat numbers leave no gap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from ....score.model import Beat, Movement
from ...codes import FixSafety, Severity
from ...violation import Fix, Violation
from ..base import Example, SpecCheck
from ..places import beat_pointer, movement_pointer, spec_violation, value_edit
from .examples import B1, B2, seq, ws

if TYPE_CHECKING:
    from ...sources import LoadedSpec
    from ...workspace import Workspace


class BeatCountMismatch(SpecCheck):
    code = "BEAT_COUNT_MISMATCH"
    severity = Severity.MAJOR
    fix = FixSafety.SAFE
    summary = (
        "A declared beat count differs from the actual number of beats: a top-level `beats` "
        "integer against all beats of the sequence, or a movement's `beats` integer beside its "
        "beat list against that list. Where a movement declares beats the loader did not read (a "
        "count alone, or its list under a key it does not know), the top-level count is compared "
        "with the beats read plus that movement's count, and reported without a fix; a spec that "
        "read no beat at all is not compared (the loader and EMPTY_MOVEMENT report it)."
    )
    fix_summary = (
        "Set the declared count to the actual number of beats, only when every beat was read; "
        "beat lists are never touched."
    )
    VALID = (
        Example(ws(seq(B1 + B2, head="beats: 2\n"))),
        Example(
            ws(
                "id: release\nname: Release\nbeats: 4\nmovements:\n  - name: Build\n    beats: 3\n"
                "    beatDetails:\n" + B1 + B2 + "  - name: Ship\n    beats:\n" + B1
            )
        ),
        Example(
            ws("id: release\nname: Release\nbeats: 9\nmovements:\n  - name: Build\n    beats: []\n"),
            note="no beat at all: EMPTY_MOVEMENT and the loader say so; no count to compare",
        ),
    )
    UNREAD = (
        "id: release\nname: Release\nbeats: 9\nmovements:\n  - name: Build\n    beats: 3\n"
        "    beatDetails:\n" + B1 + B2 + "  - name: Ship\n    beats:\n" + B1
    )
    INVALID = (
        Example(ws(seq(B1 + B2, head="beats: 3\n")), at=("sequences/release.yaml", 3)),
        Example(
            ws("id: release\nname: Release\nmovements:\n  - name: Build\n    beats: 1\n    steps:\n" + B1 + B2),
            at=("sequences/release.yaml", 5),
        ),
        Example(ws(UNREAD), at=("sequences/release.yaml", 3), note="9 declared, 1 read + 3 unread: reported, no fix"),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        seq = spec.sequence
        total = len(seq.beats)
        # movements that declare beats the loader did not read (a list under another key, or
        # a count alone): the true number is unknown, so the declared total is never "fixed";
        # a spec that read no beat at all is the loader's and EMPTY_MOVEMENT's to report
        unread = [
            m for m in seq.movements if not m.beats and isinstance(m.declared_beats, int) and m.declared_beats > 0
        ]
        declared = seq.declared_beats
        counted = isinstance(declared, int) and not isinstance(declared, bool) and total > 0
        if counted and not unread and declared != total:
            yield spec_violation(
                self.code,
                spec,
                f"declares {declared} beats, has {total}",
                key="beats",
                span=True,
                fix=Fix(f"set `beats` to {total}", FixSafety.SAFE, value_edit(spec, spec.raw, "beats", str(total))),
            )
        elif counted and unread and declared != total + sum(m.declared_beats or 0 for m in unread):
            names = ", ".join(f"{m.number} '{m.title}'" for m in unread)
            yield spec_violation(
                self.code,
                spec,
                f"declares {declared} beats; {total} were read, and movement(s) {names} declare "
                f"{sum(m.declared_beats or 0 for m in unread)} more that were not (no fix: the true count is unknown)",
                key="beats",
                span=True,
            )
        for m in seq.movements:
            declared = m.declared_beats
            if isinstance(declared, int) and m.beats and declared != len(m.beats):
                yield spec_violation(
                    self.code,
                    spec,
                    f"movement {m.number} '{m.title}' declares {declared} beats, has {len(m.beats)}",
                    node=m.raw,
                    key="beats",
                    pointer=movement_pointer(m),
                    span=True,
                    fix=Fix(
                        f"set the movement's `beats` to {len(m.beats)}",
                        FixSafety.SAFE,
                        value_edit(spec, m.raw, "beats", str(len(m.beats))),
                    ),
                )


class MovementCountMismatch(SpecCheck):
    code = "MOVEMENT_COUNT_MISMATCH"
    severity = Severity.MINOR
    fix = FixSafety.SAFE
    summary = (
        "A declared movements count (`movementCount`, `movementsCount` or `totalMovements`; an "
        "integer `movements` is a schema violation) differs from the number of movements, or "
        "declared movement numbers (`movement`, `number` or a numeric `id`) are not 1, 2, 3, ... "
        "in list order."
    )
    fix_summary = (
        "Set the declared count to the actual number of movements, or renumber the movements 1..n in list order."
    )
    COUNT_KEYS = ("movementCount", "movementsCount", "totalMovements")
    VALID = (Example(ws(seq(B1, head="movementCount: 1\n"))),)
    INVALID = (
        Example(ws(seq(B1, head="movementCount: 2\n")), at=("sequences/release.yaml", 3)),
        Example(ws(seq(B1, movement="    movement: 2\n")), at=("sequences/release.yaml", 5)),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        seq = spec.sequence
        n = len(seq.movements)
        for key in self.COUNT_KEYS:
            value = spec.raw.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value != n:
                yield spec_violation(
                    self.code,
                    spec,
                    f"`{key}` declares {value} movements, the sequence has {n}",
                    key=key,
                    span=True,
                    fix=Fix(f"set `{key}` to {n}", FixSafety.SAFE, value_edit(spec, spec.raw, key, str(n))),
                )
        for m in seq.movements:
            declared = m.declared
            if declared is None:
                continue
            key, number = declared
            if number != m.index + 1:
                yield spec_violation(
                    self.code,
                    spec,
                    f"movement '{m.title}' is numbered {number} but is movement {m.index + 1} in list order",
                    node=m.raw,
                    key=key,
                    pointer=movement_pointer(m),
                    span=True,
                    fix=Fix(
                        f"renumber it {m.index + 1}", FixSafety.SAFE, value_edit(spec, m.raw, key, str(m.index + 1))
                    ),
                )


class EmptyMovement(SpecCheck):
    code = "EMPTY_MOVEMENT"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = "A movement has no beats (its beat list is missing or empty)."
    VALID = (Example(ws(seq(B1))),)
    INVALID = (
        Example(
            ws("id: release\nmovements:\n  - name: Build\n    beats: []\n  - name: Ship\n    beats:\n" + B1),
            at=("sequences/release.yaml", 3),
        ),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        for m in spec.sequence.movements:
            if not m.beats:
                yield spec_violation(
                    self.code,
                    spec,
                    f"movement {m.number} '{m.title}' has no beats",
                    node=m.raw,
                    pointer=movement_pointer(m),
                )


class DuplicateBeatId(SpecCheck):
    code = "DUPLICATE_BEAT_ID"
    severity = Severity.MAJOR
    fix = FixSafety.UNSAFE
    summary = (
        "Two beats of one sequence share a string id, or two beats of one movement share a "
        "declared number (real specs number beats from 1 in every movement). Reported on every "
        "repeat after the first, naming the first."
    )
    fix_summary = (
        "Renumber the repeated beats (unsafe: scenario links, test names and history keyed by "
        "the old id change meaning)."
    )
    VALID = (Example(ws(seq("      - beat: 1\n        handler: build\n      - beat: 2\n        handler: pack\n"))),)
    INVALID = (
        Example(
            ws(seq("      - beat: 1\n        handler: build\n      - beat: 1\n        handler: pack\n")),
            at=("sequences/release.yaml", 8),
        ),
        Example(
            ws(
                "id: release\nmovements:\n  - name: A\n    beats:\n      - id: go\n        handler: build\n"
                "  - name: B\n    beats:\n      - id: go\n        handler: pack\n"
            ),
            at=("sequences/release.yaml", 9),
        ),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        ids: dict[str, Any] = {}
        for m in spec.sequence.movements:
            numbers: dict[int, Any] = {}
            for b in m.beats:
                if isinstance(b.id, str) and b.id:
                    first = ids.get(b.id)
                    if first is None:
                        ids[b.id] = b
                    else:
                        yield self._repeat(spec, m, b, "id", f"id '{b.id}'", first)
                declared = b.declared
                if declared is not None:
                    key, number = declared
                    first = numbers.get(number)
                    if first is None:
                        numbers[number] = b
                    else:
                        yield self._repeat(spec, m, b, key, f"number {number}", first)

    def _repeat(self, spec: LoadedSpec, m: Movement, b: Beat, key: str, what: str, first: Beat) -> Violation:
        return spec_violation(
            self.code,
            spec,
            f"beat '{b.title}' repeats the {what} of beat '{first.title}' (line {first.line})",
            node=b.raw,
            key=key,
            pointer=beat_pointer(m, b),
            beat=b,
            fix=Fix("renumber the repeated beats", FixSafety.UNSAFE),
        )


class BeatNumberingGap(SpecCheck):
    code = "BEAT_NUMBERING_GAP"
    severity = Severity.MINOR
    fix = FixSafety.SAFE
    summary = (
        "Beat numbers within a movement where every beat declares one are not contiguous and "
        "ascending in list order (for example 1, 2, 4 or 2, 1); reported at the first beat out "
        "of place. Repeated numbers are DUPLICATE_BEAT_ID instead."
    )
    fix_summary = "Renumber the movement's beats consecutively from its first beat's number, in list order."
    VALID = (Example(ws(seq("      - beat: 1\n        handler: build\n      - beat: 2\n        handler: pack\n"))),)
    INVALID = (
        Example(
            ws(seq("      - beat: 1\n        handler: build\n      - beat: 3\n        handler: pack\n")),
            at=("sequences/release.yaml", 8),
        ),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        for m in spec.sequence.movements:
            declared = [(b, b.declared) for b in m.beats if b.declared is not None]
            if not declared or len(declared) < len(m.beats):
                continue
            seen: set[int] = set()
            firsts = []
            for b, (key, number) in declared:
                if number not in seen:
                    seen.add(number)
                    firsts.append((b, key, number))
            start = firsts[0][2]
            for i, (b, key, number) in enumerate(firsts):
                if number != start + i:
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat '{b.title}' is numbered {number}; movement {m.number} numbers its beats "
                        f"from {start}, so it should be {start + i}",
                        node=b.raw,
                        key=key,
                        pointer=beat_pointer(m, b),
                        beat=b,
                        span=True,
                        fix=Fix(f"renumber movement {m.number}'s beats from {start} in list order", FixSafety.SAFE),
                    )
                    break
