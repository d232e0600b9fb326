"""The manifests of a project as its run sees it: every handler the specs resolve to, each
spec in its scope, by the run's own registry (``score/resolve.py``'s rule).

The build's beat 2 (``generateManifests``) and the MANIFEST_MISMATCH fix both write through
:func:`generate_project_manifests`, so a fixed folder is what the build would commit.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol

from pytest_symphony.errors import DuplicateHandler, HandlerNotFound
from pytest_symphony.score.model import HandlerRef

from .manifests import generate_manifests
from .specs import SpecEntry
from .workspace import discover_packages

__all__ = ["Handler", "Registry", "generate_project_manifests", "handler_info"]


class Handler(Protocol):
    """A registered handler, as the run's registry holds it."""

    @property
    def name(self) -> str: ...

    @property
    def module(self) -> str: ...

    @property
    def origin(self) -> str: ...

    @property
    def func(self) -> Callable[..., Any]: ...


class Registry(Protocol):
    """The run's handler registry: the one resolution rule (``score/resolve.py``) and every entry."""

    def resolve(self, ref: HandlerRef, scope: frozenset[str]) -> Handler: ...

    def entries(self) -> Iterable[Handler]: ...


def handler_info(entry: Handler) -> dict[str, Any]:
    """A handler as the handlers manifest lists it: its names and where its code is."""
    func = inspect.unwrap(entry.func)
    code = getattr(func, "__code__", None)
    return {
        "name": entry.name,
        "module": entry.module,
        "origin": entry.origin,
        "file": code.co_filename if code else None,
        "line": code.co_firstlineno if code else None,
    }


def generate_project_manifests(
    out_dir: Path,
    *,
    root: Path,
    entries: list[SpecEntry],
    registry: Registry,
    canonical: Mapping[str, Mapping[str, str]],
    commit: str | None,
    builtin_handlers: bool,
) -> dict[str, Any]:
    """:func:`generate_manifests` with every handler the specs resolve to, as the run resolves
    them (each spec in its scope): the build's beat 2 and the MANIFEST_MISMATCH fix write alike.

    ``builtin_handlers``: list the built-in pipelines' handlers too (not in committed manifests).
    """
    packages = discover_packages(root) if (root / "pyproject.toml").is_file() else []
    resolved: dict[tuple[str, str, str], dict[str, Any]] = {}
    scopes = {e.sequence.id: e.scope for e in entries if e.sequence is not None}

    def resolve(ref: HandlerRef, sequence_id: str) -> dict[str, str] | None:
        try:
            hit = registry.resolve(ref, scopes.get(sequence_id, frozenset()))
        except (HandlerNotFound, DuplicateHandler):
            return None
        resolved[(hit.name, hit.module, hit.origin)] = handler_info(hit)
        return {"name": hit.name, "module": hit.module, "origin": hit.origin}

    for entry in entries:  # resolve first: undecorated handlers join the handlers manifest
        seq = entry.sequence
        if seq is None:
            continue
        for beat in seq.beats:
            for ref in beat.handlers:
                resolve(ref, seq.id)
    infos = {
        (e.name, e.module, e.origin): handler_info(e)
        for e in registry.entries()
        if builtin_handlers or e.origin != "builtin"
    }
    infos.update(resolved)
    return generate_manifests(
        out_dir,
        root=root,
        entries=entries,
        packages=packages,
        handlers=infos.values(),
        resolve=resolve,
        canonical=canonical,
        commit=commit,
    )
