"""The project's specs as the build sees them, and the domain registry that indexes them.

Specs are every ``*.json``/``*.yaml``/``*.yml`` file under the spec folders (ini
``symphony_paths``) plus the built-in pipelines the run names.  The domain registry is the
project's index of domains and their sequences; two shapes are read::

    {"domains": [{"id": "billing", "sequences": ["invoice", "sequences/refund.yaml"]}]}
    {"domains": {"billing": {"domain_id": "billing", "sequence_files": ["sequences/invoice.json"]}}}

(the second is the shape of RenderX's DOMAIN_REGISTRY.json; ``sequences`` and
``sequence_files`` may hold sequence ids or spec paths relative to the project root).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from pytest_symphony.score.loader import DEFAULT_MAX_BYTES, SPEC_SUFFIXES, load_spec
from pytest_symphony.score.model import LoadResult, Sequence

from .workspace import WorkspaceError

__all__ = [
    "Domain",
    "RegistryCheck",
    "SpecEntry",
    "check_registry",
    "find_spec_files",
    "load_specs",
    "read_domain_registry",
    "regenerate_registry",
    "spec_problems",
]

_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})


@dataclass(frozen=True)
class SpecEntry:
    """One spec file and what loading it gave."""

    path: Path
    display: str  #: relative to the root, or ``builtin:<alias>`` for a built-in pipeline
    builtin: bool
    result: LoadResult
    #: built-in handler modules this spec may use (its own pipeline's); empty for project specs
    scope: frozenset[str] = frozenset()

    @property
    def sequence(self) -> Sequence | None:
        return self.result.sequence


@dataclass(frozen=True)
class Domain:
    id: str
    sequences: tuple[str, ...]  #: sequence ids or spec paths, as the registry writes them


@dataclass
class RegistryCheck:
    errors: list[str]  #: the registry and the specs disagree: the build must stop
    warnings: list[str]  #: worth reading, not worth stopping for (stale references)


def find_spec_files(roots: Iterable[Path]) -> list[Path]:
    """Spec files under ``roots`` (recursively, hidden folders skipped), sorted, each once."""
    found: dict[Path, None] = {}
    for root in roots:
        root = Path(root)
        if root.is_file():
            found[root.resolve()] = None
            continue
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).parts
            if any(p.startswith(".") or p in _SKIPPED_DIRS for p in rel[:-1]):
                continue
            if path.is_file() and path.suffix in SPEC_SUFFIXES:  # as collection decides
                found[path.resolve()] = None
    return sorted(found)


def load_specs(
    files: Iterable[tuple[Path, str, frozenset[str] | None]], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[SpecEntry]:
    """Load ``(path, display, scope)`` triples; never raises for a bad spec (see ``result.problems``).

    ``scope`` is ``None`` for a project spec, else the built-in handler modules the
    (built-in) spec may use.
    """
    return [
        SpecEntry(
            Path(path),
            display,
            scope is not None,
            load_spec(path, display_path=display, max_bytes=max_bytes),
            frozenset(scope or ()),
        )
        for path, display, scope in files
    ]


def spec_problems(entries: Iterable[SpecEntry]) -> list[str]:
    """Every reason a spec cannot be used: load and schema problems, then duplicate ids."""
    problems: list[str] = []
    first: dict[str, str] = {}
    for entry in entries:
        problems.extend(str(p) for p in entry.result.problems)
        seq = entry.sequence
        if seq is None:
            continue
        if seq.id in first:
            problems.append(
                f"{entry.display}:{seq.line}: sequence id '{seq.id}' is already declared in "
                f"{first[seq.id]}; give one of the two files another id"
            )
        else:
            first[seq.id] = entry.display
    return problems


def _read_data(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkspaceError(
            f"{path}: the domain registry does not exist; create it or fix ini symphony_domain_registry"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{path}: cannot read the domain registry: {exc}") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorkspaceError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}; fix the registry") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise WorkspaceError(f"{where}: invalid YAML in the domain registry: {exc}") from None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def read_domain_registry(path: Path) -> list[Domain]:
    """The domains of a registry file in either accepted shape; raises :class:`WorkspaceError`."""
    path = Path(path)
    data = _read_data(path)
    domains = data.get("domains") if isinstance(data, dict) else None
    if isinstance(domains, dict):
        items = [(key, value) for key, value in domains.items()]
    elif isinstance(domains, list):
        items = [(None, value) for value in domains]
    else:
        raise WorkspaceError(
            f"{path}: a domain registry needs a 'domains' list ([{{id, sequences}}]) or mapping "
            "(id -> {domain_id, sequence_files})"
        )
    found: list[Domain] = []
    for index, (key, value) in enumerate(items):
        if not isinstance(value, dict):
            raise WorkspaceError(f"{path}: domains[{key if key is not None else index}] must be an object")
        ident = value.get("id") or value.get("domain_id") or key
        if not isinstance(ident, str) or not ident:
            raise WorkspaceError(f"{path}: domains[{index}] has no id; give it an 'id'")
        refs = _strings(value.get("sequences")) + _strings(value.get("sequence_files"))
        found.append(Domain(ident, tuple(dict.fromkeys(refs))))
    return found


def _is_file_ref(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.lower().endswith(SPEC_SUFFIXES)


def check_registry(domains: Iterable[Domain], entries: Iterable[SpecEntry], registry: Path) -> RegistryCheck:
    """Does the registry agree with the specs?

    Errors: a spec's ``domainId`` names no registered domain.  Warnings: the registry
    names a sequence id or spec file that no loaded spec is.
    """
    domains = list(domains)
    known = {d.id for d in domains}
    loaded = [e for e in entries if e.sequence is not None and not e.builtin]
    ids = {e.sequence.id for e in loaded}  # type: ignore[union-attr]
    files = {e.display.replace("\\", "/") for e in loaded}
    errors, warnings = [], []
    for entry in loaded:
        seq = entry.sequence
        assert seq is not None
        if seq.domain_id and seq.domain_id not in known:
            errors.append(
                f"{entry.display}:{seq.line}: sequence '{seq.id}' names domain '{seq.domain_id}', which "
                f"{registry} does not register; add the domain or fix domainId"
            )
    for domain in domains:
        for ref in domain.sequences:
            norm = ref.replace("\\", "/").removeprefix("./")
            if (norm in files) if _is_file_ref(ref) else (ref in ids):
                continue
            kind = "spec file" if _is_file_ref(ref) else "sequence id"
            warnings.append(f"{registry}: domain '{domain.id}' lists {kind} '{ref}', which no scanned spec is")
    return RegistryCheck(errors, warnings)


def regenerate_registry(entries: Iterable[SpecEntry], *, generated_at: str) -> dict[str, Any]:
    """A domain registry (the simple shape) rebuilt from the specs' ``domainId`` fields."""
    by_domain: dict[str, list[SpecEntry]] = {}
    without: list[str] = []
    for entry in entries:
        seq = entry.sequence
        if seq is None:
            continue
        if seq.domain_id:
            by_domain.setdefault(seq.domain_id, []).append(entry)
        else:
            without.append(seq.id)
    return {
        "schema": 1,
        "generated_at": generated_at,
        "generated_by": "pytest-symphony build",
        "domains": [
            {
                "id": domain,
                "sequences": sorted(e.sequence.id for e in members),  # type: ignore[union-attr]
                "sequence_files": sorted(e.display for e in members),
            }
            for domain, members in sorted(by_domain.items())
        ],
        "sequences_without_domain": sorted(without),
    }
