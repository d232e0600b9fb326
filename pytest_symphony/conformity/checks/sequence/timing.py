"""Timing, dynamics and musical metadata: durations that parse and hold, known dynamics,
a tempo, key and time signature that make sense."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from ....runtime.timing import KEYWORDS, format_ms, parse_duration_ms
from ....score.levels import DYNAMICS
from ....score.model import Beat
from ...codes import FixSafety, Severity
from ...violation import Fix, Violation
from ..base import Example, SpecCheck, WorkspaceCheck
from ..places import beat_pointer, movement_pointer, spec_violation, value_edit
from .examples import B1, seq, ws

if TYPE_CHECKING:
    from ...sources import LoadedSpec
    from ...workspace import Workspace


class TimingConstraintViolated(WorkspaceCheck):
    code = "TIMING_CONSTRAINT_VIOLATED"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "In the last recorded run of the sequence, a beat's longest attempt exceeded its "
        '`timeout` or a duration-valued `timing` ("< 500ms"). Quiet when there is no run '
        "history."
    )
    RUN = [{"sequence": "release", "beat": "build", "duration_ms": 40.0, "status": "passed"}]
    VALID = (Example(ws(seq(B1 + "        timing: < 500ms\n")), history=RUN),)
    INVALID = (Example(ws(seq(B1 + "        timing: < 5ms\n")), history=RUN, at=("sequences/release.yaml", 8)),)

    def check(self, ws: Workspace) -> Iterator[Violation]:
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
                                self.code,
                                spec,
                                f"beat {m.number}.{b.number} '{b.title}' took {format_ms(took)} in run {run_id}, "
                                f"over its {key} {b.raw.get(key)!r}",
                                node=b.raw,
                                key=key,
                                pointer=beat_pointer(m, b),
                                beat=b,
                                span=True,
                            )
                            break


class InvalidTiming(SpecCheck):
    code = "INVALID_TIMING"
    severity = Severity.MINOR
    fix = FixSafety.NONE
    summary = (
        "A beat's `timing` or `timeout` is neither a duration (a number of milliseconds such as "
        '1500, or text such as "2s", "500ms", "< 500ms"), nor a known keyword (immediate, '
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

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
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
                    what = (
                        'a duration (1500, "2s", "< 500ms")'
                        if key == "timeout"
                        else "a duration, a timing keyword (immediate, deferred, ...) or a cadence listed in ini symphony_cadences"
                    )
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat {m.number}.{b.number} '{b.title}' {key} {value!r} is not {what}",
                        node=b.raw,
                        key=key,
                        pointer=beat_pointer(m, b),
                        beat=b,
                        span=True,
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

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        seq = spec.sequence
        places: list[tuple[Mapping[str, Any], str, Beat | None, str]] = [(spec.raw, "", None, "the sequence")]
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
                self.code,
                spec,
                f"{what} has dynamics {value!r}; use one of {', '.join(DYNAMICS)}",
                node=node,
                key="dynamics",
                pointer=pointer,
                beat=beat,
                span=True,
                fix=Fix(
                    f"replace it with '{fixed}'",
                    FixSafety.UNSAFE,
                    value_edit(spec, node, "dynamics", json.dumps(fixed)),
                ),
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
        'minor key (such as "C Major" or "F# minor"), or a time signature that is not N/M '
        "with N >= 1 and M a power of two."
    )
    fix_summary = 'Replace each invalid value with its default: tempo 120, key "C Major", time signature "4/4".'
    VALID = (Example(ws(seq(B1, head='tempo: 120\nkey: "F# minor"\ntimeSignature: "6/8"\n'))),)
    INVALID = (
        Example(ws(seq(B1, head="tempo: 900\n")), at=("sequences/release.yaml", 3)),
        Example(ws(seq(B1, head='key: "H Major"\ntimeSignature: "4/5"\n')), at=("sequences/release.yaml", 3)),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        seq = spec.sequence
        nodes = [(spec.raw, "")] + [(m.raw, movement_pointer(m)) for m in seq.movements]
        for node, pointer in nodes:
            yield from self._node(spec, node, pointer)

    def _node(self, spec: LoadedSpec, node: Mapping[str, Any], pointer: str) -> Iterator[Violation]:
        checks = (
            ("tempo", _bad_tempo, "120", "a tempo between 20 and 300 BPM"),
            ("key", _bad_key, '"C Major"', 'a major or minor key such as "C Major" or "F# minor"'),
            ("timeSignature", _bad_time, '"4/4"', "a time signature N/M (M a power of two)"),
        )
        for key, bad, default, what in checks:
            if key in node and node[key] is not None and bad(node[key]):
                yield spec_violation(
                    self.code,
                    spec,
                    f"`{key}` {node[key]!r} is not {what}",
                    node=node,
                    key=key,
                    pointer=pointer,
                    span=True,
                    fix=Fix(f"set `{key}` to {default}", FixSafety.SAFE, value_edit(spec, node, key, default)),
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
