"""Orchestration: spec files load, ids are present and unique, the domain registry, the
build manifest and sub-sequence/package dependencies agree with the specs."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator, Mapping

from ...score.source import SPEC_SUFFIXES
from ..graphs import cycles, workspace_packages
from ..registry import domain_ids, is_file_ref, references, registry_domains
from ..violation import Fix, Place, Violation, json_pointer
from ..workspace import _inside
from ..codes import FixSafety, Severity
from .base import Example, SpecCheck, WorkspaceCheck
from .places import beat_pointer, insert_member, spec_violation, value_edit

H = {"handlers.py": "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    return {'ok': True}\n"}


def _files(**specs: str) -> dict[str, str]:
    out = dict(H)
    for name, text in specs.items():
        out[f"sequences/{name.replace('__', '.')}"] = text
    return out


GOOD = """\
id: release
name: Release
description: Ships it
kind: delivery
status: active
movements:
  - name: Build
    beats:
      - name: Build
        handler: build
"""


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
    VALID = (Example(_files(release__yaml=GOOD)),)
    INVALID = (
        Example(_files(release__json='{\n  "id": "release",\n  "movements": [\n}\n'), at=("sequences/release.json", 4)),
        Example(_files(bad__yaml="id: [unclosed\n"), at=("sequences/bad.yaml", 2)),
        Example(_files(dup__yaml=GOOD + "movements: []\n"), at=("sequences/dup.yaml", 11)),
    )

    def check(self, ws) -> Iterator[Violation]:
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
    VALID = (Example(_files(release__yaml=GOOD)),)
    INVALID = (
        Example(
            _files(release__yaml="id: release\nmovements:\n  - name: Build\n    beats:\n      - name: B\n        handler: build\n        retries: -1\n"),
            at=("sequences/release.yaml", 5),
        ),
    )

    def check(self, ws) -> Iterator[Violation]:
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
    VALID = (Example(_files(release__yaml=GOOD)),)
    INVALID = (
        Example(_files(release__yaml=GOOD.replace("id: release\n", "")), at=("sequences/release.yaml", 1)),
        Example(_files(release__json='{\n  "id": "",\n  "movements": [{"name": "B", "beats": [{"handler": "build"}]}]\n}\n'),
                at=("sequences/release.json", 2)),
    )

    def check(self, ws) -> Iterator[Violation]:
        for spec in ws.specs:
            raw = spec.raw
            if not isinstance(raw, Mapping):
                continue
            stem = _stem(spec.path)
            if spec.sequence is not None and not spec.sequence.id_declared:
                yield spec_violation(
                    self.code, spec, f"the sequence declares no `id`; it runs as '{stem}' (the file stem)",
                    fix=Fix(f"set `id` to '{stem}'", "safe", insert_member(spec, raw, "id", stem)),
                )
            elif _declared_empty_id(raw):
                key = "id" if "id" in raw else "sequenceId"
                yield spec_violation(
                    self.code, spec, f"`{key}` is empty; give the sequence an id", key=key,
                    fix=Fix(f"set `{key}` to '{stem}'", "safe", value_edit(spec, raw, key, json.dumps(stem))),
                )


def _stem(path: Path) -> str:
    name = path.name
    for suffix in SPEC_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


class DuplicateSequenceId(WorkspaceCheck):
    code = "DUPLICATE_SEQUENCE_ID"
    severity = Severity.CRITICAL
    fix = FixSafety.NONE
    summary = (
        "Two or more spec files declare the same sequence id. Reported on each of those files, "
        "naming the others."
    )
    VALID = (Example(_files(a__yaml=GOOD, b__yaml=GOOD.replace("id: release", "id: other"))),)
    INVALID = (Example(_files(a__yaml=GOOD, b__yaml=GOOD), at=("sequences/b.yaml", 1)),)

    def check(self, ws) -> Iterator[Violation]:
        for sid, specs in sorted(ws.sequences.items()):
            if len(specs) < 2:
                continue
            for spec in specs:
                others = ", ".join(s.rel for s in specs if s is not spec)
                key = "id" if "id" in spec.raw else ("sequenceId" if "sequenceId" in spec.raw else None)
                yield spec_violation(
                    self.code, spec, f"sequence id '{sid}' is also declared in {others}; give each spec its own id",
                    key=key,
                )


# -- the domain registry -------------------------------------------------------------------


class DomainNotFound(SpecCheck):
    code = "DOMAIN_NOT_FOUND"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "A spec's `domainId` names no domain in the configured domain registry. Checked only "
        "when a registry is configured."
    )
    REG = '{\n  "domains": {\n    "shop": {"domain_id": "shop", "sequence_files": ["sequences/release.yaml"]}\n  }\n}\n'
    VALID = (Example({**_files(release__yaml=GOOD + "domainId: shop\n"), "DOMAIN_REGISTRY.json": REG}),)
    INVALID = (
        Example({**_files(release__yaml=GOOD + "domainId: shoe\n"), "DOMAIN_REGISTRY.json": REG},
                at=("sequences/release.yaml", 11)),
    )

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        seq = spec.sequence
        if ws.registry is None or seq.domain_id is None:
            return
        ids = domain_ids(ws.registry[1])
        if seq.domain_id not in ids:
            import difflib

            close = sorted(difflib.get_close_matches(str(seq.domain_id), sorted(ids), n=3, cutoff=0.6))
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            yield spec_violation(
                self.code, spec,
                f"domainId '{seq.domain_id}' names no domain of {ws.rel(ws.registry[0])}{hint}",
                key="domainId",
            )


class OrphanedDomainReference(WorkspaceCheck):
    code = "ORPHANED_DOMAIN_REFERENCE"
    severity = Severity.MINOR
    fix = FixSafety.UNSAFE
    summary = (
        "The domain registry lists a sequence, by id or by file path, that no scanned spec "
        "defines. Read from each domain's `sequences`, `sequence_files` and "
        "`orchestration.sequence_files`; a file reference resolves when the file exists (beside "
        "the registry or under the rootdir) or when its file stem is the id or file stem of a "
        "scanned spec (registries often list a spec at its path in another repository layout)."
    )
    fix_summary = (
        "Remove that sequence reference from the registry (unsafe: the registry may name "
        "sequences kept outside the scanned paths)."
    )
    REG = '{\n  "domains": {\n    "shop": {\n      "sequence_files": [\n        "sequences/release.yaml",\n        "sequences/gone.yaml"\n      ]\n    }\n  }\n}\n'
    VALID = (Example({**_files(release__yaml=GOOD), "DOMAIN_REGISTRY.json": REG.replace(',\n        "sequences/gone.yaml"', "")}),)
    INVALID = (
        Example({**_files(release__yaml=GOOD), "DOMAIN_REGISTRY.json": REG}, at=("DOMAIN_REGISTRY.json", 6)),
        Example({**_files(release__yaml=GOOD), "DOMAIN_REGISTRY.json": '{"domains": [{"id": "shop", "sequences": ["release", "refund"]}]}\n'},
                at=("DOMAIN_REGISTRY.json", 1)),
    )

    def check(self, ws) -> Iterator[Violation]:
        if ws.registry is None:
            return
        path, data, text = ws.registry
        rel = ws.rel(path)
        ids = set(ws.sequences)
        stems = ids | {_stem(s.path) for s in ws.specs}
        for key, domain, pointer in registry_domains(data):
            for field, items, at in references(domain, pointer):
                for i, item in enumerate(items):
                    ref = item if isinstance(item, str) else None
                    if isinstance(item, Mapping):
                        ref = next((item[k] for k in ("file", "path", "id", "sequenceId") if isinstance(item.get(k), str)), None)
                    if not ref:
                        continue
                    if is_file_ref(ref):
                        found = (path.parent / ref).exists() or (ws.root / ref).exists() or _stem(PurePosixPath(ref)) in stems
                    else:
                        found = ref in ids
                    if found:
                        continue
                    line = items.item_lines[i] if hasattr(items, "item_lines") and i < len(items.item_lines) else getattr(items, "line", 1)
                    kind = "file" if is_file_ref(ref) else "sequence"
                    yield Violation(
                        self.code,
                        f"domain '{key}' lists {kind} '{ref}', which no scanned spec defines",
                        Place(rel, max(1, line or 1), 1, pointer=json_pointer(*_split(at), field, i)),
                        fix=Fix(f"remove '{ref}' from the registry's {field} of domain '{key}'", "unsafe"),
                    )


def _split(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


# -- dependencies ----------------------------------------------------------------------------


class CircularDependency(WorkspaceCheck):
    code = "CIRCULAR_DEPENDENCY"
    severity = Severity.CRITICAL
    fix = FixSafety.NONE
    summary = (
        "A cycle among sequences invoking sub-sequences, or among the workspace's packages' "
        "declared dependencies (the root pyproject.toml and those matched by "
        "`[tool.symphony.build] packages`). Reported once per cycle, naming its members in order."
    )
    A = "id: a\nmovements:\n  - name: M\n    beats:\n      - name: Call b\n        handler: build\n        subsequence: b\n"
    B = "id: b\nmovements:\n  - name: M\n    beats:\n      - name: Call a\n        handler: build\n        subsequence: a\n"
    VALID = (Example(_files(a__yaml=A, b__yaml=B.replace("subsequence: a", "event: done"))),)
    INVALID = (
        Example(_files(a__yaml=A, b__yaml=B), at=("sequences/a.yaml", 7)),
        Example(
            {
                "pyproject.toml": '[project]\nname = "app"\ndependencies = ["lib"]\n\n[tool.symphony.build]\npackages = ["pkgs/*"]\n',
                "pkgs/lib/pyproject.toml": '[project]\nname = "lib"\ndependencies = ["app>=1"]\n',
                **H,
            },
            at=("pyproject.toml", 3),
        ),
    )

    def check(self, ws) -> Iterator[Violation]:
        yield from self._sequences(ws)
        yield from self._packages(ws)

    def _sequences(self, ws) -> Iterator[Violation]:
        graph: dict[str, set[str]] = {}
        calls: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
        for spec in ws.loaded():
            seq = spec.sequence
            for m in seq.movements:
                for b in m.beats:
                    if isinstance(b.subsequence, str) and b.subsequence in ws.sequences:
                        graph.setdefault(seq.id, set()).add(b.subsequence)
                        calls.setdefault((seq.id, b.subsequence), (spec, m, b))
        for cycle in cycles(graph):
            ring = cycle + [cycle[0]]
            spec, m, b = calls[(ring[0], ring[1])]
            key = next((k for k in ("subsequence", "invokes", "sequence") if k in b.raw), None)
            yield spec_violation(
                self.code, spec, "sub-sequences invoke each other in a cycle: " + " -> ".join(ring),
                node=b.raw, key=key, pointer=beat_pointer(m, b), beat=b,
            )

    def _packages(self, ws) -> Iterator[Violation]:
        packages = workspace_packages(ws)
        names = {name for name, _, _, _ in packages}
        graph = {name: {d for d in deps if d in names and d != name} | ({name} if name in deps else set())
                 for name, _, deps, _ in packages}
        where = {name: (path, line) for name, path, _, line in packages}
        for cycle in cycles(graph):
            ring = cycle + [cycle[0]]
            path, line = where[ring[0]]
            yield Violation(
                self.code,
                "workspace packages depend on each other in a cycle: " + " -> ".join(ring),
                Place(ws.rel(path), line, 1),
            )


# -- manifest and metadata -----------------------------------------------------------------


class ManifestMismatch(WorkspaceCheck):
    code = "MANIFEST_MISMATCH"
    severity = Severity.MAJOR
    fix = FixSafety.SAFE
    summary = (
        "The manifest written by the build symphony exists and no longer matches the specs: a "
        "recorded content hash differs from the spec's current hash, or a spec is missing from "
        "it, or it lists a spec that is gone."
    )
    fix_summary = "Regenerate the manifest from the current specs."
    STALE = '{"sequences": [{"id": "release", "path": "sequences/release.yaml", "content_hash": "0", "builtin": false}]}\n'
    VALID = (
        Example(_files(release__yaml=GOOD)),  # no manifest: nothing to compare
        # the build's own output under the symphony folder is never the truth
        Example({**_files(release__yaml=GOOD), ".symphony/manifests/sequences.json": STALE}),
    )
    INVALID = (
        Example({**_files(release__yaml=GOOD), "manifests/sequences.json": STALE},
                ini={"symphony_manifests": "manifests"}, at=("sequences/release.yaml", 1)),
    )

    def check(self, ws) -> Iterator[Violation]:
        path = ws.settings.manifest_path
        if path is None or not path.is_file():  # only manifests the project commits are compared
            return
        from ...score.source import parse_json

        try:
            data = parse_json(path.read_text(encoding="utf-8"))
            rows = [r for r in data["sequences"] if not r.get("builtin")]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            ws.errors.append((ws.rel(path), 1, 1, f"the build manifest cannot be read: {exc}"))
            return
        recorded = {r["id"]: r for r in rows if isinstance(r, Mapping) and "id" in r}
        fix: Fix | None = Fix("regenerate the build manifest (pytest --symphony=build)", "safe")
        why = ""
        if ws.runtime_registry is None:  # the fix resolves handlers through a pytest session's registry
            fix, why = None, " (no fix outside a pytest session: run pytest --symphony-fix or pytest --symphony=build)"
        elif not _inside(path, ws.root):
            fix, why = None, f" (no fix: the manifests folder {path.parent} is outside the rootdir)"
        for spec in ws.loaded():
            if spec.builtin:
                continue
            seq = spec.sequence
            row = recorded.get(seq.id)
            if row is None:
                yield spec_violation(self.code, spec, f"sequence '{seq.id}' is missing from the build manifest "
                                                      f"{ws.rel(path)}{why}", fix=fix)
            elif row.get("content_hash") != seq.content_hash:
                yield spec_violation(self.code, spec, f"sequence '{seq.id}' changed since the build manifest "
                                                      f"{ws.rel(path)} was generated{why}", fix=fix)
        current = set(ws.sequences)
        for sid, row in sorted(recorded.items()):
            if sid not in current:
                line = getattr(row, "line", 1) or 1
                yield Violation(
                    self.code, f"the build manifest lists sequence '{sid}' ({row.get('path')}), whose spec is gone{why}",
                    Place(ws.rel(path), line, 1), fix=fix, sequence=sid,
                )


class MetadataMissing(SpecCheck):
    code = "METADATA_MISSING"
    severity = Severity.MINOR
    fix = FixSafety.SAFE
    summary = (
        "A sequence lacks `name`, `description`, `kind` or `status` (one violation per missing "
        "field; an empty string counts as missing)."
    )
    fix_summary = (
        "Set `name` from the sequence id; a missing `description`, `kind` or `status` is "
        "reported without a fix."
    )
    VALID = (Example(_files(release__yaml=GOOD)),)
    INVALID = (Example(_files(release__yaml=GOOD.replace("kind: delivery\n", "")), at=("sequences/release.yaml", 1)),)
    FIELDS = ("name", "description", "kind", "status")

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        seq = spec.sequence
        values = {"name": seq.name, "description": seq.description, "kind": seq.kind, "status": seq.status}
        for field in self.FIELDS:
            value = values[field]
            if isinstance(value, str) and value.strip():
                continue
            if value is not None and not isinstance(value, str):
                continue  # the schema judges other types
            fix = None
            if field == "name":
                edits = (value_edit(spec, spec.raw, "name", json.dumps(seq.id)) if "name" in spec.raw
                         else insert_member(spec, spec.raw, "name", seq.id))
                fix = Fix(f"set `name` to '{seq.id}'", "safe", edits)
            yield spec_violation(self.code, spec, f"sequence '{seq.id}' has no `{field}`", fix=fix)


CHECKS = [
    SequenceParseError,
    SchemaViolation,
    SequenceIdMissing,
    DuplicateSequenceId,
    DomainNotFound,
    OrphanedDomainReference,
    CircularDependency,
    ManifestMismatch,
    MetadataMissing,
]
