"""The handlers a workspace registers, read from source (and from the live registry when
the engine runs inside pytest), resolved by the rule the run applies.

Static reading finds every ``@handler`` function of the registered handler modules and
conftest.py files, with its place and parameters; the live registry adds what plugins
registered through ``pytest_symphony_register_handlers`` and which handler modules failed
to import.  What a reference resolves to is :func:`pytest_symphony.score.resolve.resolve_handler`,
the function the run calls.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from ..paths import shown_path
from ..score.model import HandlerRef
from ..score.resolve import BUILTIN, EXTERNAL, PROJECT, Candidates, Resolution, resolve_handler, suggest
from .sources import PyInput, SpecInput, inside
from .workspace import Workspace

__all__ = ["HandlerDef", "HandlerIndex"]

BUILT_IN = BUILTIN


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
    def identity(self) -> tuple[str, str]:
        return self.key

    @property
    def place(self) -> str:
        return f"{self.path or self.module}:{self.line}"

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


#: What a ``script`` declaration resolves to: a command, no function to check.
COMMAND = "command"


@dataclass
class HandlerIndex:
    by_name: dict[str, list[HandlerDef]] = field(default_factory=dict)
    functions: dict[str, dict[str, HandlerDef]] = field(default_factory=dict)  # module -> function -> def
    aliases: dict[str, str] = field(default_factory=dict)
    failed: dict[str, Any] = field(default_factory=dict)  # module -> ModuleFailure (from the live registry)
    handler_modules: dict[str, None] = field(default_factory=dict)  # project handler modules, in order

    # -- building ------------------------------------------------------------------------
    @classmethod
    def build(cls, ws: Workspace) -> "HandlerIndex":
        index = cls(aliases=ws.aliases())
        for py in ws.python:
            if not ({"handler", "conftest"} & py.roles) or py.scan is None or py.module is None:
                continue
            registered = "handler" in py.roles
            origin = BUILT_IN if py.builtin else PROJECT
            # module#func and plain-function hints only in project modules, as at runtime
            project_module = registered and not py.builtin
            if project_module:
                index.handler_modules.setdefault(py.module)
            for fact in py.scan.functions:
                decorated = fact["handler"] is not None
                if not decorated and not registered:
                    continue  # a conftest's plain functions are not handlers
                d = HandlerDef(
                    name=fact["handler"] or fact["name"],
                    function=fact["name"],
                    module=py.module,
                    path=py.rel,
                    line=fact.get("line", 1),
                    col=fact.get("col", 1),
                    decorated=decorated,
                    origin=origin,
                    facts=fact,
                    source=py,
                )
                if project_module or (decorated and not py.builtin):
                    index.functions.setdefault(py.module, {})[fact["name"]] = d
                if decorated:
                    index.by_name.setdefault(d.name, []).append(d)
        if ws.runtime_registry is not None:
            index._add_runtime(ws)
        return index

    def _add_runtime(self, ws: Workspace) -> None:
        """Handlers the live registry knows that no scanned file declares (plugin hooks), and
        the handler modules that failed to import (their handlers resolve to nothing)."""
        self.failed = dict(ws.runtime_registry.failed())
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
            in_project = path is not None and inside(path, ws.root)
            origin = BUILT_IN if entry.origin == BUILTIN else (PROJECT if in_project else EXTERNAL)
            d = HandlerDef(
                name=entry.name,
                function=fname,
                module=entry.module,
                path=shown_path(path, ws.root) if path is not None else None,
                line=line or 1,
                origin=origin,
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

    @cached_property
    def candidates(self) -> Candidates[HandlerDef]:
        """What the run could resolve to: registered handlers, minus those of modules that failed to import."""
        handlers = self.by_name
        if self.failed:
            handlers = {n: [d for d in defs if d.module not in self.failed] for n, defs in handlers.items()}
        return Candidates(handlers, self.functions, self.aliases, self.failed, self._plain)

    def lookup(self, ref: HandlerRef, spec: Any = None) -> Resolution[HandlerDef]:
        """What a beat reference of ``spec`` runs, exactly as the run resolves it."""
        return resolve_handler(ref, self.candidates, getattr(spec, "scope", frozenset()))

    def resolve(self, ref: HandlerRef, spec: SpecInput | None = None) -> HandlerDef | None:
        """The function a beat reference of ``spec`` names, for the checks: the handler it runs;
        a declared ``script`` (a :data:`COMMAND` def, no function); the plain function a
        not-found reference points at (TELEMETRY_NOT_INSTRUMENTED reports it); the first of
        duplicates (DUPLICATE_HANDLER reports them); else None (HANDLER_NOT_FOUND)."""
        if not isinstance(ref.name, str):
            return None
        found = self.lookup(ref, spec)
        if found.handler is not None:
            return found.handler
        if found.command is not None:
            return HandlerDef(name=ref.name, function=ref.name, module="", path=None, origin=COMMAND)
        problem = found.problem
        if problem is not None and problem.kind == "duplicate":
            return problem.duplicates[0]
        if problem is not None and problem.plain is not None:
            return self._plain_def(ref.module and self.aliases.get(ref.module, ref.module), ref.name)
        return None

    def names(self, scope: frozenset[str] | None = None) -> list[str]:
        """Registered names; with ``scope``, those a spec with that scope can see."""
        if scope is None:
            return sorted(self.by_name)
        return sorted(n for n in self.by_name if self.candidates.visible(n, scope))

    def suggestions(self, ref: HandlerRef, spec: Any = None) -> list[str]:
        """Close registered names for a reference that resolves to nothing, as the run suggests them."""
        return suggest(str(ref.name), self.candidates, getattr(spec, "scope", frozenset()))

    def _plain_def(self, module: str | None, name: str) -> HandlerDef | None:
        for mod in self.handler_modules:
            if module is not None and not (mod == module or mod.endswith("." + module)):
                continue
            d = self.functions.get(mod, {}).get(name)
            if d is not None and not d.decorated:
                return d
        return None

    def _plain(self, module: str | None, name: str) -> str | None:
        d = self._plain_def(module, name)
        return d.place if d is not None else None


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
