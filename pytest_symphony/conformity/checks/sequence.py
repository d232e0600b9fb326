"""Sequence: counts and numbering, handlers and sub-sequences that resolve, events,
timing, dynamics and musical metadata of each sequence."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any, Iterable, Iterator, Mapping

from ...runtime.timing import KEYWORDS, format_ms, parse_duration_ms
from ...score.model import DYNAMICS
from ..violation import Fix, Violation, json_pointer
from ..codes import FixSafety, Severity
from .base import Example, SpecCheck, WorkspaceCheck
from .places import beat_pointer, movement_pointer, spec_violation, value_edit

HANDLERS = (
    "from pytest_symphony import handler\n\n\n"
    "@handler\ndef build():\n    return {'ok': True}\n\n\n"
    "@handler\ndef pack():\n    return {'ok': True}\n"
)


def ws(spec: str, name: str = "release.yaml", **extra: str) -> dict[str, str]:
    return {"handlers.py": HANDLERS, f"sequences/{name}": spec, **extra}


def seq(beats: str, head: str = "", movement: str = "") -> str:
    """A one-movement YAML sequence; ``beats`` are indented list items (8 spaces)."""
    return f"id: release\nname: Release\n{head}movements:\n  - name: Build\n{movement}    beats:\n{beats}"


B1 = "      - name: Build\n        handler: build\n"
B2 = "      - name: Pack\n        handler: pack\n"


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
    VALID = (Example(ws(seq(B1 + B2, head="beats: 2\n"))),
             Example(ws("id: release\nname: Release\nbeats: 4\nmovements:\n  - name: Build\n    beats: 3\n"
                        "    beatDetails:\n" + B1 + B2 + "  - name: Ship\n    beats:\n" + B1)),
             Example(ws("id: release\nname: Release\nbeats: 9\nmovements:\n  - name: Build\n    beats: []\n"),
                     note="no beat at all: EMPTY_MOVEMENT and the loader say so; no count to compare"))
    UNREAD = ("id: release\nname: Release\nbeats: 9\nmovements:\n  - name: Build\n    beats: 3\n"
              "    beatDetails:\n" + B1 + B2 + "  - name: Ship\n    beats:\n" + B1)
    INVALID = (
        Example(ws(seq(B1 + B2, head="beats: 3\n")), at=("sequences/release.yaml", 3)),
        Example(ws("id: release\nname: Release\nmovements:\n  - name: Build\n    beats: 1\n    steps:\n"
                   + B1 + B2), at=("sequences/release.yaml", 5)),
        Example(ws(UNREAD), at=("sequences/release.yaml", 3), note="9 declared, 1 read + 3 unread: reported, no fix"),
    )

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        seq = spec.sequence
        total = len(seq.beats)
        # movements that declare beats the loader did not read (a list under another key, or
        # a count alone): the true number is unknown, so the declared total is never "fixed";
        # a spec that read no beat at all is the loader's and EMPTY_MOVEMENT's to report
        unread = [m for m in seq.movements if not m.beats and isinstance(m.declared_beats, int) and m.declared_beats > 0]
        declared = seq.declared_beats
        counted = isinstance(declared, int) and not isinstance(declared, bool) and total > 0
        if counted and not unread and declared != total:
            yield spec_violation(
                self.code, spec, f"declares {declared} beats, has {total}", key="beats", span=True,
                fix=Fix(f"set `beats` to {total}", "safe", value_edit(spec, spec.raw, "beats", str(total))),
            )
        elif counted and unread and declared != total + sum(m.declared_beats for m in unread):
            names = ", ".join(f"{m.number} '{m.title}'" for m in unread)
            yield spec_violation(
                self.code, spec,
                f"declares {declared} beats; {total} were read, and movement(s) {names} declare "
                f"{sum(m.declared_beats for m in unread)} more that were not (no fix: the true count is unknown)",
                key="beats", span=True,
            )
        for m in seq.movements:
            declared = m.declared_beats
            if isinstance(declared, int) and m.beats and declared != len(m.beats):
                yield spec_violation(
                    self.code, spec, f"movement {m.number} '{m.title}' declares {declared} beats, has {len(m.beats)}",
                    node=m.raw, key="beats", pointer=movement_pointer(m), span=True,
                    fix=Fix(f"set the movement's `beats` to {len(m.beats)}", "safe",
                            value_edit(spec, m.raw, "beats", str(len(m.beats)))),
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
        "Set the declared count to the actual number of movements, or renumber the movements "
        "1..n in list order."
    )
    COUNT_KEYS = ("movementCount", "movementsCount", "totalMovements")
    VALID = (Example(ws(seq(B1, head="movementCount: 1\n"))),)
    INVALID = (
        Example(ws(seq(B1, head="movementCount: 2\n")), at=("sequences/release.yaml", 3)),
        Example(ws(seq(B1, movement="    movement: 2\n")), at=("sequences/release.yaml", 5)),
    )

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        seq = spec.sequence
        n = len(seq.movements)
        for key in self.COUNT_KEYS:
            value = spec.raw.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value != n:
                yield spec_violation(
                    self.code, spec, f"`{key}` declares {value} movements, the sequence has {n}", key=key, span=True,
                    fix=Fix(f"set `{key}` to {n}", "safe", value_edit(spec, spec.raw, key, str(n))),
                )
        for m in seq.movements:
            declared = m.declared
            if declared is None:
                continue
            key, number = declared
            if number != m.index + 1:
                yield spec_violation(
                    self.code, spec,
                    f"movement '{m.title}' is numbered {number} but is movement {m.index + 1} in list order",
                    node=m.raw, key=key, pointer=movement_pointer(m), span=True,
                    fix=Fix(f"renumber it {m.index + 1}", "safe", value_edit(spec, m.raw, key, str(m.index + 1))),
                )


class EmptyMovement(SpecCheck):
    code = "EMPTY_MOVEMENT"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = "A movement has no beats (its beat list is missing or empty)."
    VALID = (Example(ws(seq(B1))),)
    INVALID = (
        Example(ws("id: release\nmovements:\n  - name: Build\n    beats: []\n  - name: Ship\n    beats:\n" + B1),
                at=("sequences/release.yaml", 3)),
    )

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        for m in spec.sequence.movements:
            if not m.beats:
                yield spec_violation(
                    self.code, spec, f"movement {m.number} '{m.title}' has no beats",
                    node=m.raw, pointer=movement_pointer(m),
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
        Example(ws(seq("      - beat: 1\n        handler: build\n      - beat: 1\n        handler: pack\n")),
                at=("sequences/release.yaml", 8)),
        Example(ws("id: release\nmovements:\n  - name: A\n    beats:\n      - id: go\n        handler: build\n"
                   "  - name: B\n    beats:\n      - id: go\n        handler: pack\n"),
                at=("sequences/release.yaml", 9)),
    )

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
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

    def _repeat(self, spec, m, b, key, what, first) -> Violation:
        return spec_violation(
            self.code, spec,
            f"beat '{b.title}' repeats the {what} of beat '{first.title}' (line {first.line})",
            node=b.raw, key=key, pointer=beat_pointer(m, b), beat=b,
            fix=Fix("renumber the repeated beats", "unsafe"),
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
        Example(ws(seq("      - beat: 1\n        handler: build\n      - beat: 3\n        handler: pack\n")),
                at=("sequences/release.yaml", 8)),
    )

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        for m in spec.sequence.movements:
            declared = [(b, b.declared) for b in m.beats]
            if not declared or any(d is None for _, d in declared):
                continue
            seen: set[int] = set()
            firsts = []
            for b, (key, number) in declared:  # type: ignore[misc]
                if number not in seen:
                    seen.add(number)
                    firsts.append((b, key, number))
            start = firsts[0][2]
            for i, (b, key, number) in enumerate(firsts):
                if number != start + i:
                    yield spec_violation(
                        self.code, spec,
                        f"beat '{b.title}' is numbered {number}; movement {m.number} numbers its beats "
                        f"from {start}, so it should be {start + i}",
                        node=b.raw, key=key, pointer=beat_pointer(m, b), beat=b, span=True,
                        fix=Fix(f"renumber movement {m.number}'s beats from {start} in list order", "safe"),
                    )
                    break


class HandlerNotFound(SpecCheck):
    code = "HANDLER_NOT_FOUND"
    severity = Severity.CRITICAL
    fix = FixSafety.UNSAFE
    summary = (
        "A beat names no handler, or a handler it names resolves to no registered handler "
        "(resolved as the runtime resolves it: registered names first, then `module#func` and "
        "plain functions of the registered modules). The message names the closest registered "
        "names (\"did you mean\")."
    )
    fix_summary = (
        "When exactly one registered name is close, rename the reference in the spec to it; "
        "otherwise scaffold a stub handler in the configured handler module (unsafe: either "
        "changes what the beat runs)."
    )
    VALID = (Example(ws(seq(B1))),)
    INVALID = (
        Example(ws(seq("      - name: Build\n        handler: biuld\n")), at=("sequences/release.yaml", 7)),
        Example(ws(seq("      - name: Nothing\n")), at=("sequences/release.yaml", 6)),
    )

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        index = ws.handlers
        for m in spec.sequence.movements:
            for b in m.beats:
                key = "handler" if "handler" in b.raw else ("handlers" if "handlers" in b.raw else None)
                if not b.handlers:
                    yield spec_violation(
                        self.code, spec, f"beat {m.number}.{b.number} '{b.title}' names no handler",
                        node=b.raw, pointer=beat_pointer(m, b), beat=b,
                        fix=Fix("scaffold a stub handler in the configured handler module", "unsafe"),
                    )
                    continue
                for ref in b.handlers:
                    if index.resolve(ref, spec) is not None:
                        continue
                    close = index.suggestions(ref, spec)  # the run's own "did you mean" (score.resolve)
                    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                    if len(close) == 1 and isinstance(b.raw.get("handler"), str):
                        fix = Fix(f"rename the reference to '{close[0]}'", "unsafe",
                                  value_edit(spec, b.raw, "handler", json.dumps(close[0])))
                    elif len(close) == 1:
                        fix = Fix(f"rename the reference to '{close[0]}'", "unsafe")
                    else:
                        fix = Fix(f"scaffold a stub handler '{ref.name}' in the configured handler module", "unsafe")
                    yield spec_violation(
                        self.code, spec,
                        f"beat {m.number}.{b.number} '{b.title}' names handler '{ref.display}', "
                        f"which no registered module provides{hint}",
                        node=b.raw, key=key, pointer=beat_pointer(m, b), beat=b, fix=fix,
                    )


class SubsequenceNotFound(SpecCheck):
    code = "SUBSEQUENCE_NOT_FOUND"
    severity = Severity.CRITICAL
    fix = FixSafety.NONE
    summary = "A beat invokes a sub-sequence id that no scanned spec and no built-in pipeline defines."
    VALID = (Example(ws(seq(B1 + "        subsequence: release\n"))),
             Example(ws(seq(B1 + "        subsequence: build\n"))))  # a built-in pipeline
    INVALID = (Example(ws(seq(B1 + "        subsequence: refund\n")), at=("sequences/release.yaml", 8)),)

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        for m in spec.sequence.movements:
            for b in m.beats:
                sub = b.subsequence
                if isinstance(sub, str) and sub and sub not in ws.sequences and sub not in ws.builtin_sequence_ids:
                    key = next((k for k in ("subsequence", "invokes", "sequence") if k in b.raw), None)
                    yield spec_violation(
                        self.code, spec, f"beat {m.number}.{b.number} '{b.title}' invokes sub-sequence '{sub}', "
                        "which no scanned spec and no built-in pipeline defines",
                        node=b.raw, key=key, pointer=beat_pointer(m, b), beat=b,
                    )


class InvalidEventReference(SpecCheck):
    code = "INVALID_EVENT_REFERENCE"
    severity = Severity.MAJOR
    fix = FixSafety.SAFE
    summary = (
        "A beat's event is missing from its sequence's declared `events`. Checked only where the "
        "sequence declares `events`."
    )
    fix_summary = "Append the event to the sequence's `events`."
    VALID = (Example(ws(seq(B1 + "        event: built\n", head="events: [built]\n"))),)
    INVALID = (Example(ws(seq(B1 + "        event: biult\n", head="events: [built]\n")),
                       at=("sequences/release.yaml", 9)),)

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        seq = spec.sequence
        if not isinstance(seq.events, tuple):
            return
        declared = set(seq.events)
        for m in seq.movements:
            for b in m.beats:
                if isinstance(b.event, str) and b.event not in declared:
                    yield spec_violation(
                        self.code, spec,
                        f"beat {m.number}.{b.number} '{b.title}' emits '{b.event}', which the sequence's `events` does not declare",
                        node=b.raw, key="event", pointer=beat_pointer(m, b), beat=b, span=True,
                        fix=Fix(f"append '{b.event}' to `events`", "safe"),
                    )


class UnusedEvent(SpecCheck):
    code = "UNUSED_EVENT"
    severity = Severity.INFO
    fix = FixSafety.NONE
    summary = (
        "An event declared in the sequence's `events` is neither a beat's `event` nor emitted by "
        "a literal `symphony.emit(\"<event>\")` statement in a handler of one of its beats."
    )
    VALID = (Example(ws(seq(B1 + "        event: built\n", head="events: [built]\n"))),)
    INVALID = (Example(ws(seq(B1 + "        event: built\n", head="events:\n  - built\n  - shipped\n")),
                       at=("sequences/release.yaml", 5)),)

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        seq = spec.sequence
        if not isinstance(seq.events, tuple):
            return
        emitted = {b.event for b in seq.beats if isinstance(b.event, str)}
        for b in seq.beats:  # a literal symphony.emit("<event>") in a beat's handler counts
            for ref in b.handlers:
                d = ws.handlers.resolve(ref, spec)
                if d is not None and d.facts:
                    emitted.update(d.facts.get("emits", ()))
        raw_events = spec.raw.get("events")
        lines = getattr(raw_events, "item_lines", [])
        for i, event in enumerate(seq.events):
            if isinstance(event, str) and event not in emitted:
                line = lines[i] if i < len(lines) else 0
                v = spec_violation(self.code, spec, f"event '{event}' is declared but no beat emits it",
                                   key="events", pointer="")
                if line:
                    v = _at_line(v, line, json_pointer("events", i))
                yield v


def _at_line(v: Violation, line: int, pointer: str) -> Violation:
    from dataclasses import replace

    from ..violation import Place

    return replace(v, place=Place(v.place.path, line, 1, pointer=pointer))


class TimingConstraintViolated(WorkspaceCheck):
    code = "TIMING_CONSTRAINT_VIOLATED"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "In the last recorded run of the sequence, a beat's longest attempt exceeded its "
        "`timeout` or a duration-valued `timing` (\"< 500ms\"). Quiet when there is no run "
        "history."
    )
    RUN = [{"sequence": "release", "beat": "build", "duration_ms": 40.0, "status": "passed"}]
    VALID = (Example(ws(seq(B1 + "        timing: < 500ms\n")), history=RUN),)
    INVALID = (Example(ws(seq(B1 + "        timing: < 5ms\n")), history=RUN, at=("sequences/release.yaml", 8)),)

    def check(self, ws) -> Iterator[Violation]:
        history = ws.history
        if history is None:
            return
        for spec in ws.loaded():
            seq = spec.sequence
            run_id = history.last_run_id(seq.id)
            if run_id is None:
                continue
            longest: dict[str, float] = {}
            for a in history.attempts(run_id=run_id, sequence=seq.id):
                if (a.get("attempt") or 0) > 0 and a.get("duration_ms") is not None:
                    longest[a["beat"]] = max(longest.get(a["beat"], 0.0), float(a["duration_ms"]))
            for m in seq.movements:
                for b in m.beats:
                    took = longest.get(b.slug)
                    if took is None:
                        continue
                    for key in ("timeout", "timing"):
                        bound = parse_duration_ms(b.raw.get(key))
                        if bound is not None and took > bound:
                            yield spec_violation(
                                self.code, spec,
                                f"beat {m.number}.{b.number} '{b.title}' took {format_ms(took)} in run {run_id}, "
                                f"over its {key} {b.raw.get(key)!r}",
                                node=b.raw, key=key, pointer=beat_pointer(m, b), beat=b, span=True,
                            )
                            break


class InvalidTiming(SpecCheck):
    code = "INVALID_TIMING"
    severity = Severity.MINOR
    fix = FixSafety.NONE
    summary = (
        "A beat's `timing` or `timeout` is neither a duration (a number of milliseconds such as "
        "1500, or text such as \"2s\", \"500ms\", \"< 500ms\"), nor a known keyword (immediate, "
        "deferred, after-beat, after-movement, async, sync, on-demand, parallel, sequential), "
        "nor a cadence the project declares as free text (glob patterns in ini "
        "`symphony_cadences`, such as `per *`). A `timeout` must be a duration: the runtime "
        "cannot apply anything else."
    )
    VALID = (
        Example(ws(seq(B1 + "        timing: immediate\n        timeout: 2s\n"))),
        Example(ws(seq(B1 + "        timing: Per sprint\n")), ini={"symphony_cadences": "per *"}),
    )
    INVALID = (
        Example(ws(seq(B1 + "        timing: soonish\n")), at=("sequences/release.yaml", 8)),
        Example(ws(seq(B1 + "        timeout: immediate\n")), at=("sequences/release.yaml", 8)),
    )

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        cadences = [c.lower() for c in ws.cadences]
        for m in spec.sequence.movements:
            for b in m.beats:
                for key in ("timing", "timeout"):
                    if key not in b.raw or b.raw[key] is None:
                        continue
                    value = b.raw[key]
                    if parse_duration_ms(value) is not None:
                        continue
                    if key == "timing" and isinstance(value, str):
                        text = value.strip().lower()
                        if text in KEYWORDS or any(fnmatch.fnmatchcase(text, c) for c in cadences):
                            continue
                    what = ("a duration (1500, \"2s\", \"< 500ms\")" if key == "timeout"
                            else "a duration, a timing keyword (immediate, deferred, ...) or a cadence listed in ini symphony_cadences")
                    yield spec_violation(
                        self.code, spec, f"beat {m.number}.{b.number} '{b.title}' {key} {value!r} is not {what}",
                        node=b.raw, key=key, pointer=beat_pointer(m, b), beat=b, span=True,
                    )


class InvalidDynamics(SpecCheck):
    code = "INVALID_DYNAMICS"
    severity = Severity.MINOR
    fix = FixSafety.UNSAFE
    summary = (
        "A dynamics marking (sequence, movement or beat `dynamics`) is not one of pp, p, mf, f, "
        "ff. A mapping or list under `dynamics` is a legend of the levels, not a marking."
    )
    fix_summary = (
        "Replace it with the marking it equals ignoring case and spaces, else with mf (unsafe: "
        "changes which runs select the beat)."
    )
    VALID = (Example(ws(seq(B1 + "        dynamics: f\n"))),)
    INVALID = (Example(ws(seq(B1 + "        dynamics: loud\n")), at=("sequences/release.yaml", 8)),)

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        seq = spec.sequence
        places = [(spec.raw, "", None, "the sequence")]
        for m in seq.movements:
            places.append((m.raw, movement_pointer(m), None, f"movement {m.number} '{m.title}'"))
            for b in m.beats:
                places.append((b.raw, beat_pointer(m, b), b, f"beat {m.number}.{b.number} '{b.title}'"))
        for node, pointer, beat, what in places:
            if "dynamics" not in node:
                continue
            value = node["dynamics"]
            if value is None or isinstance(value, (Mapping, list)) or value in DYNAMICS:
                continue  # a mapping or list is a legend of the levels, not a marking
            fixed = _dynamics_fix(value)
            yield spec_violation(
                self.code, spec, f"{what} has dynamics {value!r}; use one of {', '.join(DYNAMICS)}",
                node=node, key="dynamics", pointer=pointer, beat=beat, span=True,
                fix=Fix(f"replace it with '{fixed}'", "unsafe", value_edit(spec, node, "dynamics", json.dumps(fixed))),
            )


def _dynamics_fix(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value)).lower()
    return text if text in DYNAMICS else "mf"


_KEY = re.compile(r"^[A-G](?:#|b|♯|♭)?\s*(?:major|minor|maj|min)$", re.I)
_TIME = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class MusicalMetadataInvalid(SpecCheck):
    code = "MUSICAL_METADATA_INVALID"
    severity = Severity.MINOR
    fix = FixSafety.SAFE
    summary = (
        "Musical metadata out of range: tempo outside 20-300 BPM, a key that is not a major or "
        "minor key (such as \"C Major\" or \"F# minor\"), or a time signature that is not N/M "
        "with N >= 1 and M a power of two."
    )
    fix_summary = (
        "Replace each invalid value with its default: tempo 120, key \"C Major\", time signature "
        "\"4/4\"."
    )
    VALID = (Example(ws(seq(B1, head='tempo: 120\nkey: "F# minor"\ntimeSignature: "6/8"\n'))),)
    INVALID = (
        Example(ws(seq(B1, head="tempo: 900\n")), at=("sequences/release.yaml", 3)),
        Example(ws(seq(B1, head='key: "H Major"\ntimeSignature: "4/5"\n')), at=("sequences/release.yaml", 3)),
    )

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        seq = spec.sequence
        nodes = [(spec.raw, "")] + [(m.raw, movement_pointer(m)) for m in seq.movements]
        for node, pointer in nodes:
            yield from self._node(spec, node, pointer)

    def _node(self, spec, node, pointer) -> Iterator[Violation]:
        checks = (
            ("tempo", _bad_tempo, "120", "a tempo between 20 and 300 BPM"),
            ("key", _bad_key, '"C Major"', 'a major or minor key such as "C Major" or "F# minor"'),
            ("timeSignature", _bad_time, '"4/4"', "a time signature N/M (M a power of two)"),
        )
        for key, bad, default, what in checks:
            if key in node and node[key] is not None and bad(node[key]):
                yield spec_violation(
                    self.code, spec, f"`{key}` {node[key]!r} is not {what}",
                    node=node, key=key, pointer=pointer, span=True,
                    fix=Fix(f"set `{key}` to {default}", "safe", value_edit(spec, node, key, default)),
                )


def _bad_tempo(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    try:
        number = float(value)
    except (TypeError, ValueError):
        return True
    return not 20 <= number <= 300


def _bad_key(value: Any) -> bool:
    return not (isinstance(value, str) and _KEY.match(value.strip()))


def _bad_time(value: Any) -> bool:
    m = _TIME.match(str(value)) if isinstance(value, str) else None
    if m is None:
        return True
    top, bottom = int(m.group(1)), int(m.group(2))
    return top < 1 or bottom < 1 or bottom & (bottom - 1) != 0


CHECKS = [
    BeatCountMismatch,
    MovementCountMismatch,
    EmptyMovement,
    DuplicateBeatId,
    BeatNumberingGap,
    HandlerNotFound,
    SubsequenceNotFound,
    InvalidEventReference,
    UnusedEvent,
    TimingConstraintViolated,
    InvalidTiming,
    InvalidDynamics,
    MusicalMetadataInvalid,
]
