"""The build manifests: one hashed, canonical view of specs, packages, events and handlers.

Written by movement 2 of the build symphony into ``<symphony dir>/manifests/``::

    index.json          schema, commit, and the SHA-256 of every file below
    domains.json        the domain registry regenerated from the specs
    specs/<id>.json     the normalized document of every spec (what the shipped schema describes)
    packages.json       the workspace packages, their pyproject hashes and build order
    sequences.json      every spec: id, path, content hash (of the source file), canonical hash
    topics.json         every event: which sequences declare it, which beats emit it
    handlers.json       every registered handler: module, origin, file:line, file hash
    interactions.json   which beat calls which handler

The conformity engine's MANIFEST_MISMATCH compares ``sequences.json`` with the specs of
the day through :func:`spec_manifest_mismatches`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from pytest_symphony.score.model import HandlerRef, Sequence
from pytest_symphony.score.validate import sequence_document

from ..paths import shown_path
from .files import canonical_json, write_atomic, write_json
from .specs import SpecEntry
from .workspace import DependencyCycle, Package, build_order

__all__ = [
    "INDEX_NAME",
    "MANIFESTS",
    "MANIFEST_SCHEMA",
    "generate_manifests",
    "read_index",
    "spec_manifest_mismatches",
    "validate_manifests",
    "write_canonical_specs",
]

MANIFEST_SCHEMA = 1
INDEX_NAME = "index.json"
MANIFESTS = ("packages", "sequences", "topics", "handlers", "interactions")
SPECS_DIR = "specs"

#: ``resolve(ref, sequence id)`` -> ``{"name", "module", "origin"}`` of the handler a beat of that
#: sequence means by ``ref``, or None.
Resolver = Callable[[HandlerRef, str], "Mapping[str, Any] | None"]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _loaded(entries: Iterable[SpecEntry]) -> list[tuple[SpecEntry, Sequence]]:
    return [(e, e.sequence) for e in entries if e.sequence is not None]


def _canonical_name(seq: Sequence, used: set[str]) -> str:
    name, n = seq.slug or "sequence", 1
    while name in used:  # two ids with one slug ("a.b", "a-b") keep a file each
        n += 1
        name = f"{seq.slug}-{n}"
    used.add(name)
    return f"{SPECS_DIR}/{name}.json"


def write_canonical_specs(out_dir: Path, entries: Iterable[SpecEntry]) -> dict[str, dict[str, str]]:
    """Write ``specs/<slug>.json`` for every loaded spec; remove ones whose spec is gone.

    Returns ``{sequence id: {"file": "specs/<slug>.json", "sha256": ...}}``.  The folder
    belongs to the build: only ``*.json`` files in it are ever removed.
    """
    out_dir = Path(out_dir)
    folder = out_dir / SPECS_DIR
    written: dict[str, dict[str, str]] = {}
    used: set[str] = set()
    for _entry, seq in _loaded(entries):
        name = _canonical_name(seq, used)
        written[seq.id] = {"file": name, "sha256": write_json(out_dir / name, sequence_document(seq))}
    keep = {Path(w["file"]).name for w in written.values()}
    if folder.is_dir():
        for stale in folder.glob("*.json"):
            if stale.name not in keep:
                stale.unlink(missing_ok=True)
    return written


def _packages_manifest(packages: list[Package], root: Path) -> dict[str, Any]:
    try:
        ordered = [p.name for p in build_order(packages)]
        cycle = None
    except DependencyCycle as exc:
        ordered, cycle = None, exc.cycle
    names = {p.name for p in packages}
    return {
        "build_order": ordered,
        "cycle": cycle,
        "packages": [
            {
                "name": p.name,
                "version": p.version,
                "path": shown_path(p.path, root),
                "pyproject": shown_path(p.pyproject, root),
                "pyproject_sha256": _file_sha256(p.pyproject),
                "dependencies": list(p.dependencies),
                "workspace_dependencies": [d for d in p.dependencies if d in names and d != p.name],
            }
            for p in packages
        ],
    }


def _sequences_manifest(entries: list[SpecEntry], canonical: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    rows = []
    for entry, seq in _loaded(entries):
        rows.append(
            {
                "id": seq.id,
                "name": seq.name,
                "version": seq.version,
                "path": entry.display,
                "builtin": entry.builtin,
                "content_hash": seq.content_hash,
                "canonical": canonical.get(seq.id, {}).get("file"),
                "canonical_sha256": canonical.get(seq.id, {}).get("sha256"),
                "domain": seq.domain_id,
                "movements": len(seq.movements),
                "beats": len(seq.beats),
            }
        )
    return {"sequences": sorted(rows, key=lambda r: (r["builtin"], r["id"]))}


def _topics_manifest(entries: list[SpecEntry]) -> dict[str, Any]:
    topics: dict[str, dict[str, Any]] = {}

    def topic(name: str) -> dict[str, Any]:
        return topics.setdefault(name, {"declared_by": [], "emitted_by": []})

    for _entry, seq in _loaded(entries):
        for event in seq.events or ():
            if seq.id not in topic(event)["declared_by"]:
                topic(event)["declared_by"].append(seq.id)
        for movement in seq.movements:
            for beat in movement.beats:
                if beat.event:
                    topic(beat.event)["emitted_by"].append(
                        {"sequence": seq.id, "beat": f"{movement.number}.{beat.number}", "name": beat.title}
                    )
    return {"topics": [{"name": name, **topics[name]} for name in sorted(topics)]}


def _handlers_manifest(handlers: Iterable[Mapping[str, Any]], root: Path) -> dict[str, Any]:
    rows = []
    for h in handlers:
        file = h.get("file")
        rows.append(
            {
                "name": h["name"],
                "module": h.get("module"),
                "origin": h.get("origin"),
                "file": shown_path(file, root) if file else None,
                "line": h.get("line"),
                "file_sha256": _file_sha256(Path(file)) if file else None,
            }
        )
    rows.sort(key=lambda r: (r["name"], r["origin"] or "", r["module"] or ""))
    return {"handlers": rows}


def _interactions_manifest(entries: list[SpecEntry], resolve: Resolver) -> dict[str, Any]:
    rows = []
    for _entry, seq in _loaded(entries):
        for movement in seq.movements:
            for beat in movement.beats:
                resolved = []
                for ref in beat.handlers:
                    hit = resolve(ref, seq.id)
                    resolved.append({"ref": ref.display, **(dict(hit) if hit else {"name": None})})
                rows.append(
                    {
                        "sequence": seq.id,
                        "beat": f"{movement.number}.{beat.number}",
                        "movement": movement.slug,
                        "slug": beat.slug,
                        "event": beat.event,
                        "expand": beat.expand,
                        "handlers": resolved,
                    }
                )
    return {"interactions": rows}


def generate_manifests(
    out_dir: Path,
    *,
    root: Path,
    entries: Iterable[SpecEntry],
    packages: list[Package],
    handlers: Iterable[Mapping[str, Any]],
    resolve: Resolver,
    canonical: Mapping[str, Mapping[str, str]],
    commit: str | None,
) -> dict[str, Any]:
    """Write the five manifests and ``index.json``; returns the index.

    ``canonical`` is what :func:`write_canonical_specs` returned.  Every file the index
    names is hashed as written; ``domains.json`` is indexed when present.
    """
    out_dir = Path(out_dir)
    entries = list(entries)
    bodies = {
        "packages": _packages_manifest(packages, root),
        "sequences": _sequences_manifest(entries, canonical),
        "topics": _topics_manifest(entries),
        "handlers": _handlers_manifest(handlers, root),
        "interactions": _interactions_manifest(entries, resolve),
    }
    files: dict[str, dict[str, Any]] = {}
    for name, body in bodies.items():
        document = {"schema": MANIFEST_SCHEMA, "manifest": name, **body}
        files[name] = {"file": f"{name}.json", "sha256": write_json(out_dir / f"{name}.json", document)}
    domains = out_dir / "domains.json"
    if domains.is_file():
        files["domains"] = {"file": "domains.json", "sha256": _file_sha256(domains)}
    index = {
        "schema": MANIFEST_SCHEMA,
        "generated_at": _now(),
        "generated_by": "pytest-symphony build",
        "commit": commit,
        "manifests": files,
        "specs": {sid: dict(info) for sid, info in canonical.items()},
    }
    write_atomic(out_dir / INDEX_NAME, canonical_json(index))
    return index


def read_index(out_dir: Path) -> dict[str, Any]:
    """``index.json`` of a manifest folder; raises ``FileNotFoundError`` or ``ValueError``."""
    path = Path(out_dir) / INDEX_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
        raise ValueError(f"{path}: not a manifest index of schema {MANIFEST_SCHEMA}; run the build symphony again")
    return data


def _load(out_dir: Path, name: str) -> Any:
    return json.loads((out_dir / f"{name}.json").read_text(encoding="utf-8"))


def validate_manifests(out_dir: Path, *, root: Path) -> list[str]:
    """Problems with the manifests in ``out_dir``; an empty list means they are whole and consistent.

    Checks every file's hash against the index, the canonical spec files, that every spec
    source still has the recorded content hash, and the cross references: interactions
    name known sequences and handlers, beat events appear in topics.
    """
    out_dir = Path(out_dir)
    try:
        index = read_index(out_dir)
    except FileNotFoundError:
        return [f"{out_dir / INDEX_NAME}: missing; the manifests were not generated"]
    except ValueError as exc:
        return [str(exc)]
    problems: list[str] = []
    listed = dict(index.get("manifests", {}))
    for name in MANIFESTS:
        if name not in listed:
            problems.append(f"{out_dir / INDEX_NAME}: does not list the {name} manifest")
    for info in list(listed.values()) + list(index.get("specs", {}).values()):
        path = out_dir / info["file"]
        actual = _file_sha256(path)
        if actual is None:
            problems.append(f"{path}: listed in the index but missing")
        elif actual != info["sha256"]:
            problems.append(
                f"{path}: SHA-256 {actual} differs from the index ({info['sha256']}); it changed after generation"
            )
    if problems:
        return problems
    sequences = _load(out_dir, "sequences")["sequences"]
    handlers = {h["name"] for h in _load(out_dir, "handlers")["handlers"]}
    topics = {t["name"] for t in _load(out_dir, "topics")["topics"]}
    ids = {s["id"] for s in sequences}
    for s in sequences:
        if s["canonical"] is None:
            problems.append(f"sequences.json: sequence '{s['id']}' has no canonical spec file")
        if not s["builtin"]:
            current = _file_sha256(Path(root) / s["path"])
            if current != s["content_hash"]:
                what = "is gone" if current is None else "changed since the manifests were generated"
                problems.append(f"{s['path']}: {what} (sequence '{s['id']}')")
    for row in _load(out_dir, "interactions")["interactions"]:
        where = f"interactions.json: {row['sequence']} beat {row['beat']}"
        if row["sequence"] not in ids:
            problems.append(f"{where}: names a sequence that sequences.json does not list")
        if row["event"] and row["event"] not in topics:
            problems.append(f"{where}: emits '{row['event']}', which topics.json does not list")
        for h in row["handlers"]:
            if h.get("name") is None:
                problems.append(f"{where}: handler '{h['ref']}' resolves to no registered handler")
            elif h["name"] not in handlers:
                problems.append(f"{where}: handler '{h['name']}' is missing from handlers.json")
    return problems


def spec_manifest_mismatches(out_dir: Path, specs: Iterable[tuple[str, str, str]]) -> list[str]:
    """How the project's specs differ from ``sequences.json`` (built-in pipelines aside).

    ``specs`` holds ``(sequence id, path relative to the root, content hash)`` of the specs
    as they are now.  Returns one message per difference (changed hash, spec missing from
    the manifest, manifest entry whose spec is gone); ``[]`` when there is no manifest.
    """
    path = Path(out_dir) / "sequences.json"
    if not path.is_file():
        return []
    recorded = {s["id"]: s for s in json.loads(path.read_text(encoding="utf-8"))["sequences"] if not s["builtin"]}
    current = {sid: (display, digest) for sid, display, digest in specs}
    problems = []
    for sid, (display, digest) in sorted(current.items()):
        row = recorded.get(sid)
        if row is None:
            problems.append(f"{display}: sequence '{sid}' is missing from the build manifest {path}")
        elif row["content_hash"] != digest:
            problems.append(f"{display}: sequence '{sid}' changed since the build manifest {path} was generated")
    for sid in sorted(set(recorded) - set(current)):
        problems.append(f"{path}: lists sequence '{sid}' ({recorded[sid]['path']}), whose spec is gone")
    return problems
