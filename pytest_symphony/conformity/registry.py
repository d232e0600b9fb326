"""The domain registry: its domains and the sequences they reference.

Two shapes are read: ``{"domains": {"<id>": {...}}}`` (the RenderX registry: each
domain lists files under ``sequence_files`` or ``orchestration.sequence_files``) and
``{"domains": [{"id": ..., "sequences": [...]}]}``.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from ..score.source import SPEC_SUFFIXES
from .violation import json_pointer

__all__ = ["registry_domains", "domain_ids", "references", "is_file_ref"]


def registry_domains(data: Any) -> list[tuple[str, Mapping[str, Any], str]]:
    """(domain key, domain mapping, JSON pointer) of each domain.

    Accepts ``{"domains": {"<id>": {...}}}`` (the RenderX registry) and
    ``{"domains": [{"id": ..., "sequences": [...]}]}``.
    """
    if not isinstance(data, Mapping):
        return []
    domains = data.get("domains")
    out = []
    if isinstance(domains, Mapping):
        for key, value in domains.items():
            if isinstance(value, Mapping):
                out.append((str(key), value, json_pointer("domains", key)))
    elif isinstance(domains, list):
        for i, value in enumerate(domains):
            if isinstance(value, Mapping):
                key = value.get("id") or value.get("domain_id") or value.get("domainId") or str(i)
                out.append((str(key), value, json_pointer("domains", i)))
    return out


def domain_ids(data: Any) -> set[str]:
    ids: set[str] = set()
    for key, domain, _ in registry_domains(data):
        ids.add(key)
        for field in ("id", "domain_id", "domainId"):
            if isinstance(domain.get(field), str):
                ids.add(domain[field])
        aliases = domain.get("aliases")
        if isinstance(aliases, list):
            ids.update(a for a in aliases if isinstance(a, str))
    return ids


def references(domain: Mapping[str, Any], pointer: str) -> Iterator[tuple[str, Any, str]]:
    for field in ("sequences", "sequence_files", "sequenceFiles"):
        if isinstance(domain.get(field), list):
            yield field, domain[field], pointer
    orchestration = domain.get("orchestration")
    if isinstance(orchestration, Mapping):
        for field in ("sequence_files", "sequenceFiles"):
            if isinstance(orchestration.get(field), list):
                yield field, orchestration[field], pointer + "/orchestration"


def is_file_ref(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.lower().endswith(SPEC_SUFFIXES)
