"""References that must resolve: handlers, sub-sequences and events (and events nothing uses)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Iterable

from ...codes import FixSafety, Severity
from ...violation import Fix, Place, Violation, json_pointer
from ..base import Example, SpecCheck
from ..places import beat_pointer, spec_violation, value_edit
from .examples import B1, seq, ws

if TYPE_CHECKING:
    from ...sources import LoadedSpec
    from ...workspace import Workspace


class HandlerNotFound(SpecCheck):
    code = "HANDLER_NOT_FOUND"
    severity = Severity.CRITICAL
    fix = FixSafety.UNSAFE
    summary = (
        "A beat names no handler, or a handler it names resolves to no registered handler "
        "(resolved as the runtime resolves it: registered names first, then `module#func` and "
        "plain functions of the registered modules). The message names the closest registered "
        'names ("did you mean").'
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

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        index = ws.handlers
        for m in spec.sequence.movements:
            for b in m.beats:
                key = "handler" if "handler" in b.raw else ("handlers" if "handlers" in b.raw else None)
                if not b.handlers:
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat {m.number}.{b.number} '{b.title}' names no handler",
                        node=b.raw,
                        pointer=beat_pointer(m, b),
                        beat=b,
                        fix=Fix("scaffold a stub handler in the configured handler module", FixSafety.UNSAFE),
                    )
                    continue
                for ref in b.handlers:
                    if index.resolve(ref, spec) is not None:
                        continue
                    close = index.suggestions(ref, spec)  # the run's own "did you mean" (score.resolve)
                    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                    if len(close) == 1 and isinstance(b.raw.get("handler"), str):
                        fix = Fix(
                            f"rename the reference to '{close[0]}'",
                            FixSafety.UNSAFE,
                            value_edit(spec, b.raw, "handler", json.dumps(close[0])),
                        )
                    elif len(close) == 1:
                        fix = Fix(f"rename the reference to '{close[0]}'", FixSafety.UNSAFE)
                    else:
                        fix = Fix(
                            f"scaffold a stub handler '{ref.name}' in the configured handler module", FixSafety.UNSAFE
                        )
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat {m.number}.{b.number} '{b.title}' names handler '{ref.display}', "
                        f"which no registered module provides{hint}",
                        node=b.raw,
                        key=key,
                        pointer=beat_pointer(m, b),
                        beat=b,
                        fix=fix,
                    )


class SubsequenceNotFound(SpecCheck):
    code = "SUBSEQUENCE_NOT_FOUND"
    severity = Severity.CRITICAL
    fix = FixSafety.NONE
    summary = "A beat invokes a sub-sequence id that no scanned spec and no built-in pipeline defines."
    VALID = (
        Example(ws(seq(B1 + "        subsequence: release\n"))),
        Example(ws(seq(B1 + "        subsequence: build\n"))),
    )  # a built-in pipeline
    INVALID = (Example(ws(seq(B1 + "        subsequence: refund\n")), at=("sequences/release.yaml", 8)),)

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        for m in spec.sequence.movements:
            for b in m.beats:
                sub = b.subsequence
                if isinstance(sub, str) and sub and sub not in ws.sequences and sub not in ws.builtin_sequence_ids:
                    key = next((k for k in ("subsequence", "invokes", "sequence") if k in b.raw), None)
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat {m.number}.{b.number} '{b.title}' invokes sub-sequence '{sub}', "
                        "which no scanned spec and no built-in pipeline defines",
                        node=b.raw,
                        key=key,
                        pointer=beat_pointer(m, b),
                        beat=b,
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
    INVALID = (
        Example(ws(seq(B1 + "        event: biult\n", head="events: [built]\n")), at=("sequences/release.yaml", 9)),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        seq = spec.sequence
        if not isinstance(seq.events, tuple):
            return
        declared = set(seq.events)
        for m in seq.movements:
            for b in m.beats:
                if isinstance(b.event, str) and b.event not in declared:
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat {m.number}.{b.number} '{b.title}' emits '{b.event}', which the sequence's `events` does not declare",
                        node=b.raw,
                        key="event",
                        pointer=beat_pointer(m, b),
                        beat=b,
                        span=True,
                        fix=Fix(f"append '{b.event}' to `events`", FixSafety.SAFE),
                    )


class UnusedEvent(SpecCheck):
    code = "UNUSED_EVENT"
    severity = Severity.INFO
    fix = FixSafety.NONE
    summary = (
        "An event declared in the sequence's `events` is neither a beat's `event` nor emitted by "
        'a literal `symphony.emit("<event>")` statement in a handler of one of its beats.'
    )
    VALID = (Example(ws(seq(B1 + "        event: built\n", head="events: [built]\n"))),)
    INVALID = (
        Example(
            ws(seq(B1 + "        event: built\n", head="events:\n  - built\n  - shipped\n")),
            at=("sequences/release.yaml", 5),
        ),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
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
                v = spec_violation(
                    self.code, spec, f"event '{event}' is declared but no beat emits it", key="events", pointer=""
                )
                if line:
                    v = _at_line(v, line, json_pointer("events", i))
                yield v


def _at_line(v: Violation, line: int, pointer: str) -> Violation:

    return replace(v, place=Place(v.place.path, line, 1, pointer=pointer))
