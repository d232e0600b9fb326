"""Spec files: each loads, matches the schema, and carries an id no other file uses."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from ....score.source import SPEC_SUFFIXES
from ...codes import FixSafety, Severity
from ...violation import Fix, Place, Violation
from ..base import Example, WorkspaceCheck
from ..places import insert_member, spec_violation, value_edit
from .examples import GOOD, workspace

if TYPE_CHECKING:
    from ...workspace import Workspace


class SequenceParseError(WorkspaceCheck):
    code = "SEQUENCE_PARSE_ERROR"
    severity = Severity.CRITICAL
    fix = FixSafety.NONE
    summary = (
        "A spec file is not valid JSON or YAML, or is not UTF-8, or holds what a parser accepts "
        "but a spec must not: a key repeated in one mapping (one violation per repeat, naming "
        "the line of the first), a lone surrogate, an integer beyond 64 bits. Reported at the "
        "line and column of the parser's first error (for undecodable bytes, the line and column "
        "of the first bad byte)."
    )
    VALID = (Example(workspace(release__yaml=GOOD)),)
    INVALID = (
        Example(
            workspace(release__json='{\n  "id": "release",\n  "movements": [\n}\n'), at=("sequences/release.json", 4)
        ),
        Example(workspace(bad__yaml="id: [unclosed\n"), at=("sequences/bad.yaml", 2)),
        Example(workspace(dup__yaml=GOOD + "movements: []\n"), at=("sequences/dup.yaml", 11)),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        for spec in ws.specs:
            if spec.sequence is not None:
                continue
            for problem in spec.result.problems:
                if problem.pointer is None:  # one syntax error, or every duplicate key
                    yield Violation(
                        self.code,
                        problem.message,
                        Place(spec.rel, max(1, problem.line), max(1, problem.column)),
                    )


class SchemaViolation(WorkspaceCheck):
    code = "SCHEMA_VIOLATION"
    severity = Severity.CRITICAL
    fix = FixSafety.NONE
    summary = (
        "The normalized spec fails the shipped sequence JSON Schema (or has a structural problem "
        "the loader reports, such as a beat that is not a mapping). One violation per schema "
        "error, placed at the failing member's JSON pointer and its source line. A spec that "
        "fails the schema is checked for nothing else until it passes."
    )
    VALID = (Example(workspace(release__yaml=GOOD)),)
    INVALID = (
        Example(
            workspace(
                release__yaml="id: release\nmovements:\n  - name: Build\n    beats:\n      - name: B\n        handler: build\n        retries: -1\n"
            ),
            at=("sequences/release.yaml", 5),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        for spec in ws.specs:
            if spec.sequence is not None:
                continue
            empty_id = _declared_empty_id(spec.raw)
            for problem in spec.result.problems:
                if problem.pointer is None:
                    continue
                if empty_id and problem.pointer in ("/id", "/slug"):
                    continue  # SEQUENCE_ID_MISSING says it
                sequence = None
                if isinstance(spec.raw, Mapping):
                    sid = spec.raw.get("id") or spec.raw.get("sequenceId")
                    sequence = sid if isinstance(sid, str) and sid else None
                yield Violation(
                    self.code,
                    problem.message,
                    Place(spec.rel, max(1, problem.line), max(1, problem.column), pointer=problem.pointer),
                    sequence=sequence,
                )


def _declared_empty_id(raw: Any) -> bool:
    if not isinstance(raw, Mapping):
        return False
    for key in ("id", "sequenceId"):
        if key in raw:
            value = raw[key]
            if not (isinstance(value, str) and not value.strip()) and value is not None:
                return False
    return any(key in raw for key in ("id", "sequenceId"))


class SequenceIdMissing(WorkspaceCheck):
    code = "SEQUENCE_ID_MISSING"
    severity = Severity.CRITICAL
    fix = FixSafety.SAFE
    summary = "A spec declares neither `id` nor `sequenceId`, or declares them empty."
    fix_summary = "Set `id` to the spec file's stem (its name without extensions)."
    VALID = (Example(workspace(release__yaml=GOOD)),)
    INVALID = (
        Example(workspace(release__yaml=GOOD.replace("id: release\n", "")), at=("sequences/release.yaml", 1)),
        Example(
            workspace(
                release__json='{\n  "id": "",\n  "movements": [{"name": "B", "beats": [{"handler": "build"}]}]\n}\n'
            ),
            at=("sequences/release.json", 2),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        for spec in ws.specs:
            raw = spec.raw
            if not isinstance(raw, Mapping):
                continue
            stem = spec_stem(spec.path)
            if spec.sequence is not None and not spec.sequence.id_declared:
                yield spec_violation(
                    self.code,
                    spec,
                    f"the sequence declares no `id`; it runs as '{stem}' (the file stem)",
                    fix=Fix(f"set `id` to '{stem}'", FixSafety.SAFE, insert_member(spec, raw, "id", stem)),
                )
            elif _declared_empty_id(raw):
                key = "id" if "id" in raw else "sequenceId"
                yield spec_violation(
                    self.code,
                    spec,
                    f"`{key}` is empty; give the sequence an id",
                    key=key,
                    fix=Fix(f"set `{key}` to '{stem}'", FixSafety.SAFE, value_edit(spec, raw, key, json.dumps(stem))),
                )


def spec_stem(path: PurePath) -> str:
    name = path.name
    for suffix in SPEC_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


class DuplicateSequenceId(WorkspaceCheck):
    code = "DUPLICATE_SEQUENCE_ID"
    severity = Severity.CRITICAL
    fix = FixSafety.NONE
    summary = "Two or more spec files declare the same sequence id. Reported on each of those files, naming the others."
    VALID = (Example(workspace(a__yaml=GOOD, b__yaml=GOOD.replace("id: release", "id: other"))),)
    INVALID = (Example(workspace(a__yaml=GOOD, b__yaml=GOOD), at=("sequences/b.yaml", 1)),)

    def check(self, ws: Workspace) -> Iterator[Violation]:
        for sid, specs in sorted(ws.sequences.items()):
            if len(specs) < 2:
                continue
            for spec in specs:
                others = ", ".join(s.rel for s in specs if s is not spec)
                key = "id" if "id" in spec.raw else ("sequenceId" if "sequenceId" in spec.raw else None)
                yield spec_violation(
                    self.code,
                    spec,
                    f"sequence id '{sid}' is also declared in {others}; give each spec its own id",
                    key=key,
                )
