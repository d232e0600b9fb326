"""Sequences across files and packages: no circular dependency, a manifest that matches
the sequences, the metadata a sequence needs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from ....score.source import parse_json
from ...codes import FixSafety, Severity
from ...graphs import cycles, workspace_packages
from ...sources import inside
from ...violation import Fix, Place, Violation
from ..base import Example, SpecCheck, WorkspaceCheck
from ..places import beat_pointer, insert_member, spec_violation, value_edit
from .examples import GOOD, H, workspace

if TYPE_CHECKING:
    from ...sources import LoadedSpec
    from ...workspace import Workspace

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
    VALID = (Example(workspace(a__yaml=A, b__yaml=B.replace("subsequence: a", "event: done"))),)
    INVALID = (
        Example(workspace(a__yaml=A, b__yaml=B), at=("sequences/a.yaml", 7)),
        Example(
            {
                "pyproject.toml": '[project]\nname = "app"\ndependencies = ["lib"]\n\n[tool.symphony.build]\npackages = ["pkgs/*"]\n',
                "pkgs/lib/pyproject.toml": '[project]\nname = "lib"\ndependencies = ["app>=1"]\n',
                **H,
            },
            at=("pyproject.toml", 3),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        yield from self._sequences(ws)
        yield from self._packages(ws)

    def _sequences(self, ws: Workspace) -> Iterator[Violation]:
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
                self.code,
                spec,
                "sub-sequences invoke each other in a cycle: " + " -> ".join(ring),
                node=b.raw,
                key=key,
                pointer=beat_pointer(m, b),
                beat=b,
            )

    def _packages(self, ws: Workspace) -> Iterator[Violation]:
        packages = workspace_packages(ws)
        names = {name for name, _, _, _ in packages}
        graph = {
            name: {d for d in deps if d in names and d != name} | ({name} if name in deps else set())
            for name, _, deps, _ in packages
        }
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
    STALE = (
        '{"sequences": [{"id": "release", "path": "sequences/release.yaml", "content_hash": "0", "builtin": false}]}\n'
    )
    VALID = (
        Example(workspace(release__yaml=GOOD)),  # no manifest: nothing to compare
        # the build's own output under the symphony folder is never the truth
        Example({**workspace(release__yaml=GOOD), ".symphony/manifests/sequences.json": STALE}),
    )
    INVALID = (
        Example(
            {**workspace(release__yaml=GOOD), "manifests/sequences.json": STALE},
            ini={"symphony_manifests": "manifests"},
            at=("sequences/release.yaml", 1),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        path = ws.settings.manifest_path
        if path is None or not path.is_file():  # only manifests the project commits are compared
            return

        try:
            data = parse_json(path.read_text(encoding="utf-8"))
            rows = [r for r in data["sequences"] if not r.get("builtin")]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            ws.errors.append((ws.rel(path), 1, 1, f"the build manifest cannot be read: {exc}"))
            return
        recorded = {r["id"]: r for r in rows if isinstance(r, Mapping) and "id" in r}
        fix: Fix | None = Fix("regenerate the build manifest (pytest --symphony=build)", FixSafety.SAFE)
        why = ""
        if ws.runtime_registry is None:  # the fix resolves handlers through a pytest session's registry
            fix, why = None, " (no fix outside a pytest session: run pytest --symphony-fix or pytest --symphony=build)"
        elif not inside(path, ws.root):
            fix, why = None, f" (no fix: the manifests folder {path.parent} is outside the rootdir)"
        for spec in ws.loaded():
            if spec.builtin:
                continue
            seq = spec.sequence
            row = recorded.get(seq.id)
            if row is None:
                yield spec_violation(
                    self.code,
                    spec,
                    f"sequence '{seq.id}' is missing from the build manifest {ws.rel(path)}{why}",
                    fix=fix,
                )
            elif row.get("content_hash") != seq.content_hash:
                yield spec_violation(
                    self.code,
                    spec,
                    f"sequence '{seq.id}' changed since the build manifest {ws.rel(path)} was generated{why}",
                    fix=fix,
                )
        current = set(ws.sequences)
        for sid, row in sorted(recorded.items()):
            if sid not in current:
                line = getattr(row, "line", 1) or 1
                yield Violation(
                    self.code,
                    f"the build manifest lists sequence '{sid}' ({row.get('path')}), whose spec is gone{why}",
                    Place(ws.rel(path), line, 1),
                    fix=fix,
                    sequence=sid,
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
        "Set `name` from the sequence id; a missing `description`, `kind` or `status` is reported without a fix."
    )
    VALID = (Example(workspace(release__yaml=GOOD)),)
    INVALID = (
        Example(workspace(release__yaml=GOOD.replace("kind: delivery\n", "")), at=("sequences/release.yaml", 1)),
    )
    FIELDS = ("name", "description", "kind", "status")

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
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
                edits = (
                    value_edit(spec, spec.raw, "name", json.dumps(seq.id))
                    if "name" in spec.raw
                    else insert_member(spec, spec.raw, "name", seq.id)
                )
                fix = Fix(f"set `name` to '{seq.id}'", FixSafety.SAFE, edits)
            yield spec_violation(self.code, spec, f"sequence '{seq.id}' has no `{field}`", fix=fix)
