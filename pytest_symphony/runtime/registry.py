"""The handler registry: a dict from handler name to function, filled before collection.

Specs never name an import path of their own, nor any function that was not registered
as a handler: a name resolves only to functions marked with ``@handler`` (in modules of
ini ``symphony_handlers`` and conftest.py files) or added by a plugin through
``pytest_symphony_register_handlers``; ``module#func`` picks one of those by module.  A
module's helpers, ``_private`` functions and pytest hooks are never callable from a spec.
"""

from __future__ import annotations

import inspect
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar, overload

from ..errors import DuplicateHandler, HandlerNotFound
from ..score.model import HandlerRef
from ..score.resolve import BUILTIN, PROJECT, Candidates, ModuleFailure, Resolution, resolve_handler, suggest

HANDLER_ATTR = "__symphony_handler__"
EXPANDER_ATTR = "__symphony_expander__"

__all__ = ["BUILTIN", "PROJECT", "HandlerEntry", "HandlerRegistry", "ModuleFailure", "Target", "expander", "handler"]


F = TypeVar("F", bound=Callable[..., Any])


class _NameMarker:
    """A decorator usable bare (``@deco``), with a name (``@deco("x")``) or ``@deco(name="x")``."""

    def __init__(self, attr: str) -> None:
        self.attr = attr

    @overload
    def __call__(self, func_or_name: F, *, name: str | None = None) -> F: ...

    @overload
    def __call__(self, func_or_name: str | None = None, *, name: str | None = None) -> Callable[[F], F]: ...

    def __call__(self, func_or_name: Any = None, *, name: str | None = None) -> Any:
        attr = self.attr

        def mark(func: F) -> F:
            setattr(func, attr, name or func.__name__)
            return func

        if callable(func_or_name):
            return mark(func_or_name)
        if isinstance(func_or_name, str):
            name = func_or_name
        return mark


#: Mark a function as a beat handler: ``@handler`` or ``@handler("loadBuildContext")``.
handler = _NameMarker(HANDLER_ATTR)

#: Mark a function that turns one beat into many at collection: ``@expander("packages")``.
#: It is called as ``func(config)`` and returns an iterable of ``Target`` (or plain
#: strings); a beat naming it with ``expand: packages`` becomes one item per target.
expander = _NameMarker(EXPANDER_ATTR)


@dataclass(frozen=True)
class Target:
    """One item of an expanded beat: ``id`` names the node; ``path``/``line`` are its location."""

    id: str
    value: object = None
    path: str | None = None
    line: int = 0


@dataclass(eq=False)  # made once, never changed; a plain dataclass, as the kernel's Candidate protocol reads it
class HandlerEntry:
    name: str
    func: Callable[..., Any]
    module: str
    origin: str  # BUILTIN or PROJECT

    @property
    def identity(self) -> Callable[..., Any]:
        return self.func

    @property
    def place(self) -> str:
        func = inspect.unwrap(self.func)
        code = getattr(func, "__code__", None)
        if code is None:
            return f"{self.module}.{getattr(func, '__qualname__', self.name)}"
        return f"{code.co_filename}:{code.co_firstlineno}"


class HandlerRegistry:
    """Handlers by name, plus the modules ``module#func`` may resolve inside.

    Resolution itself is :func:`pytest_symphony.score.resolve.resolve_handler`, the rule
    the conformity checker applies to the same references read from source.
    """

    def __init__(self) -> None:
        self._entries: dict[str, list[HandlerEntry]] = {}
        self._modules: dict[str, types.ModuleType] = {}
        self._aliases: dict[str, str] = {}
        self._expanders: dict[str, Callable[..., Any]] = {}
        self._failed: dict[str, ModuleFailure] = {}
        self.candidates: Candidates[HandlerEntry] = Candidates(
            self._entries, self._modules, self._aliases, self._failed, self._plain_function
        )

    # -- filling -------------------------------------------------------------
    def add(self, func: Callable[..., Any], name: str | None = None, *, origin: str = PROJECT) -> HandlerEntry:
        """Register ``func`` under ``name`` (default: its decorator name or ``__name__``)."""
        name = name or getattr(func, HANDLER_ATTR, None) or func.__name__
        entry = HandlerEntry(name, func, getattr(func, "__module__", "") or "", origin)
        same = self._entries.setdefault(name, [])
        if not any(e.func is func and e.origin == origin for e in same):
            same.append(entry)
        return entry

    def add_module(self, module: types.ModuleType, *, origin: str = PROJECT) -> int:
        """Register every ``@handler`` function defined in ``module``; returns how many."""
        if origin != BUILTIN:
            self._modules[module.__name__] = module
        count = 0
        for value in list(vars(module).values()):
            if callable(value) and getattr(value, HANDLER_ATTR, None):
                self.add(value, origin=origin)
                count += 1
            if callable(value) and getattr(value, EXPANDER_ATTR, None):
                if origin != BUILTIN or value.__symphony_expander__ not in self._expanders:
                    self._expanders[value.__symphony_expander__] = value
        return count

    def add_failure(self, module: str, path: Path | None, message: str) -> None:
        """A configured handler module that could not be imported: kept, so messages and conformity can say so."""
        self._failed[module] = ModuleFailure(module, path, message)

    def failed(self) -> dict[str, ModuleFailure]:
        return dict(self._failed)

    def add_expander(self, func: Callable[..., Any], name: str | None = None) -> None:
        self._expanders[name or getattr(func, EXPANDER_ATTR, None) or func.__name__] = func

    def expander(self, name: str) -> Callable[..., Any] | None:
        return self._expanders.get(name)

    def alias(self, alias: str, module_name: str) -> None:
        """Let specs write ``alias#func`` for functions of ``module_name``."""
        self._aliases[alias] = module_name

    # -- reading -------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self._entries)

    def entries(self) -> Iterable[HandlerEntry]:
        for same in self._entries.values():
            yield from same

    def modules(self) -> dict[str, types.ModuleType]:
        return dict(self._modules)

    def lookup(self, ref: HandlerRef, scope: frozenset[str] = frozenset()) -> Resolution[HandlerEntry]:
        """What ``ref`` runs: a handler, a declared script's command, or the problem (with its message)."""
        return resolve_handler(ref, self.candidates, scope)

    def resolve(self, ref: HandlerRef, scope: frozenset[str] = frozenset()) -> HandlerEntry:
        """The handler a spec reference means; raises HandlerNotFound or DuplicateHandler.

        Built-in handlers are visible only to the built-in pipelines whose handler
        modules are in ``scope``, so a project spec never runs one by accident.
        """
        found = self.lookup(ref, scope)
        if found.handler is not None:
            return found.handler
        if found.problem is not None and found.problem.kind == "duplicate":
            raise DuplicateHandler(found.problem.duplicate_text)
        raise HandlerNotFound(ref.display)

    def suggestions(self, name: str, limit: int = 3, scope: frozenset[str] = frozenset()) -> list[str]:
        """Close matches for a missing handler name, for "did you mean" messages."""
        return suggest(name, self.candidates, scope, limit)

    def _plain_function(self, module: str | None, name: str) -> str | None:
        """Where a handler module defines a plain function ``name`` (it lacks ``@handler``)."""
        for mod_name, mod in self._modules.items():
            if module is not None and not (mod_name == module or mod_name.endswith("." + module)):
                continue
            if Path(getattr(mod, "__file__", "") or "").name == "conftest.py":
                continue  # a conftest's plain functions are fixtures and hooks, never handlers
            func = vars(mod).get(name)
            if inspect.isfunction(func) and func.__module__ == mod_name and not getattr(func, HANDLER_ATTR, None):
                return HandlerEntry(name, func, mod_name, PROJECT).place
        return None
