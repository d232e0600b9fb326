"""The handlers a workspace registers, read from source (and from the live registry when
the engine runs inside pytest), resolved the way the runtime resolves beat references.

Static reading finds every ``@handler`` function of the registered handler modules and
conftest.py files, with its place and parameters; the live registry adds what plugins
registered through ``pytest_symphony_register_handlers`` and the built-in handlers.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..runtime.registry import BUILTIN
from ..score.model import HandlerRef
from .workspace import PyInput, Workspace, relative

__all__ = ["HandlerDef", "HandlerIndex"]

PROJECT, BUILT_IN, EXTERNAL = "project", "builtin", "external"


@dataclass
class HandlerDef:
    """One handler function: its registered name and where it is written."""

    name: str
    function: str
    module: str
    path: str | None
    line: int = 1
    col: int = 1
    decorated: bool = True
    origin: str = PROJECT
    facts: dict[str, Any] | None = None  # the function's facts from the scan
    source: PyInput | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.module, self.function

    @property
    def required(self) -> list[str]:
        """Parameters that need a value: no default, not ``*args``/``**kwargs``."""
        if not self.facts:
            return []
        return [
            p["name"]
            for p in self.facts["params"]
            if not p["default"] and p["kind"] not in ("var_positional", "var_keyword")
        ]


@dataclass
class HandlerIndex:
    by_name: dict[str, list[HandlerDef]] = field(default_factory=dict)
    functions: dict[str, dict[str, HandlerDef]] = field(default_factory=dict)  # module -> function -> def
    aliases: dict[str, str] = field(default_factory=dict)

    # -- building ------------------------------------------------------------------------
    @classmethod
    def build(cls, ws: Workspace) -> "HandlerIndex":
        index = cls(aliases=ws.aliases())
        for py in ws.python:
            if not ({"handler", "conftest"} & py.roles) or py.scan is None or py.module is None:
                continue
            registered = "handler" in py.roles
            origin = BUILT_IN if py.builtin else PROJECT
            # module#func and plain functions resolve only in project modules, as at runtime
            module_functions = index.functions.setdefault(py.module, {}) if registered and not py.builtin else {}
            for fact in py.scan.functions:
                decorated = fact["handler"] is not None
                if not decorated and not registered:
                    continue  # a conftest's plain functions are not handlers
                d = HandlerDef(
                    name=fact["handler"] or fact["name"], function=fact["name"], module=py.module,
                    path=py.rel, line=fact.get("line", 1), col=fact.get("col", 1),
                    decorated=decorated, origin=origin, facts=fact, source=py,
                )
                if registered and not py.builtin:
                    module_functions[fact["name"]] = d
                if decorated:
                    index.by_name.setdefault(d.name, []).append(d)
                    if not registered:  # conftest handlers resolve as module#func too
                        index.functions.setdefault(py.module, {})[fact["name"]] = d
        if ws.runtime_registry is not None:
            index._add_runtime(ws)
        return index

    def _add_runtime(self, ws: Workspace) -> None:
        """Handlers the live registry knows that no scanned file declares (plugin hooks)."""
        known = {(d.module, d.function) for defs in self.by_name.values() for d in defs}
        for entry in ws.runtime_registry.entries():
            func = inspect.unwrap(entry.func)
            fname = getattr(func, "__name__", entry.name)
            if (entry.module, fname) in known:
                continue
            code = getattr(func, "__code__", None)
            path = line = None
            if code is not None:
                path, line = Path(code.co_filename), code.co_firstlineno
            inside = path is not None and _inside(path, ws.root)
            origin = BUILT_IN if entry.origin == BUILTIN else (PROJECT if inside else EXTERNAL)
            d = HandlerDef(
                name=entry.name, function=fname, module=entry.module,
                path=relative(path, ws.root) if path is not None else None, line=line or 1,
                decorated=getattr(entry, "decorated", True), origin=origin,
                facts=_facts_of(func),
            )
            self.by_name.setdefault(entry.name, []).append(d)
            known.add((entry.module, fname))

    # -- reading -------------------------------------------------------------------------
    def all(self) -> Iterator[HandlerDef]:
        for defs in self.by_name.values():
            yield from defs

    def project(self) -> Iterator[HandlerDef]:
        return (d for d in self.all() if d.origin == PROJECT)

    def winners(self, name: str, scope: frozenset[str] = frozenset()) -> list[HandlerDef]:
        same = self.by_name.get(name, [])
        project = [d for d in same if d.origin != BUILT_IN]
        return project or [d for d in same if d.module in scope]

    def resolve(self, ref: HandlerRef, spec: Any = None) -> HandlerDef | None:
        """What a beat reference of ``spec`` runs, as ``HandlerRegistry.resolve`` finds it:
        built-in handlers only for the built-in pipeline that owns them."""
        if not isinstance(ref.name, str):
            return None
        if ref.module:
            wanted = self.aliases.get(ref.module, ref.module)
            for module, functions in self.functions.items():
                if module == wanted or module.endswith("." + wanted):
                    for d in self.by_name.get(ref.name, []):
                        if d.module == module:
                            return d
                    d = functions.get(ref.name)
                    if d is not None:
                        return d
            return None
        winners = self.winners(ref.name, getattr(spec, "scope", frozenset()))
        if winners:
            return winners[0]
        for functions in self.functions.values():
            d = functions.get(ref.name)
            if d is not None:
                return d
        return None

    def names(self, scope: frozenset[str] | None = None) -> list[str]:
        """Registered names; with ``scope``, those a spec with that scope can see."""
        if scope is None:
            return sorted(self.by_name)
        return sorted(n for n, defs in self.by_name.items() if any(d.origin != BUILT_IN or d.module in scope for d in defs))


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except ValueError:
        return False


def _facts_of(func: Any) -> dict[str, Any] | None:
    """Parameter facts of a live function (for handlers no scanned file declares)."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    kinds = {
        inspect.Parameter.POSITIONAL_ONLY: "positional_only",
        inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional_or_keyword",
        inspect.Parameter.VAR_POSITIONAL: "var_positional",
        inspect.Parameter.KEYWORD_ONLY: "keyword_only",
        inspect.Parameter.VAR_KEYWORD: "var_keyword",
    }
    return {
        "name": getattr(func, "__name__", "?"),
        "params": [
            {"name": p.name, "kind": kinds[p.kind], "default": p.default is not p.empty, "line": 0, "col": 0}
            for p in signature.parameters.values()
        ],
        "stub": False,
        "handler": None,
        "decorators": [],
    }
