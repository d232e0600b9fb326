"""The domain registry: a spec's domain exists, and what a domain lists exists."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping

from ...codes import FixSafety, Severity
from ...registry import domain_ids, is_file_ref, references, registry_domains
from ...violation import Fix, Place, Violation, json_pointer
from ..base import Example, SpecCheck, WorkspaceCheck
from ..places import spec_violation
from .examples import GOOD, workspace
from .files import spec_stem

if TYPE_CHECKING:
    from ...sources import LoadedSpec
    from ...workspace import Workspace

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
    VALID = (Example({**workspace(release__yaml=GOOD + "domainId: shop\n"), "DOMAIN_REGISTRY.json": REG}),)
    INVALID = (
        Example(
            {**workspace(release__yaml=GOOD + "domainId: shoe\n"), "DOMAIN_REGISTRY.json": REG},
            at=("sequences/release.yaml", 11),
        ),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        seq = spec.sequence
        if ws.registry is None or seq.domain_id is None:
            return
        ids = domain_ids(ws.registry[1])
        if seq.domain_id not in ids:
            import difflib

            close = sorted(difflib.get_close_matches(str(seq.domain_id), sorted(ids), n=3, cutoff=0.6))
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            yield spec_violation(
                self.code,
                spec,
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
    VALID = (
        Example(
            {
                **workspace(release__yaml=GOOD),
                "DOMAIN_REGISTRY.json": REG.replace(',\n        "sequences/gone.yaml"', ""),
            }
        ),
    )
    INVALID = (
        Example({**workspace(release__yaml=GOOD), "DOMAIN_REGISTRY.json": REG}, at=("DOMAIN_REGISTRY.json", 6)),
        Example(
            {
                **workspace(release__yaml=GOOD),
                "DOMAIN_REGISTRY.json": '{"domains": [{"id": "shop", "sequences": ["release", "refund"]}]}\n',
            },
            at=("DOMAIN_REGISTRY.json", 1),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        if ws.registry is None:
            return
        path, data, text = ws.registry
        rel = ws.rel(path)
        ids = set(ws.sequences)
        stems = ids | {spec_stem(s.path) for s in ws.specs}
        for key, domain, pointer in registry_domains(data):
            for field, items, at in references(domain, pointer):
                for i, item in enumerate(items):
                    ref = item if isinstance(item, str) else None
                    if isinstance(item, Mapping):
                        ref = next(
                            (item[k] for k in ("file", "path", "id", "sequenceId") if isinstance(item.get(k), str)),
                            None,
                        )
                    if not ref:
                        continue
                    if is_file_ref(ref):
                        found = (
                            (path.parent / ref).exists()
                            or (ws.root / ref).exists()
                            or spec_stem(PurePosixPath(ref)) in stems
                        )
                    else:
                        found = ref in ids
                    if found:
                        continue
                    line = (
                        items.item_lines[i]
                        if hasattr(items, "item_lines") and i < len(items.item_lines)
                        else getattr(items, "line", 1)
                    )
                    kind = "file" if is_file_ref(ref) else "sequence"
                    yield Violation(
                        self.code,
                        f"domain '{key}' lists {kind} '{ref}', which no scanned spec defines",
                        Place(rel, max(1, line or 1), 1, pointer=json_pointer(*_split(at), field, i)),
                        fix=Fix(f"remove '{ref}' from the registry's {field} of domain '{key}'", FixSafety.UNSAFE),
                    )


def _split(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
