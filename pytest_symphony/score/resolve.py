"""Handler resolution: what a beat's handler reference runs, or why it runs nothing.

One pure function, :func:`resolve_handler`, called by the run (``runtime.registry``, with
the functions imported and registered) and by the checker (``conformity.handlers``, with
the functions read from source), so the two cannot disagree.  The rules:

- only registered handlers resolve (``@handler``, ``registry.add``, the register hook),
  never a plain function of a handler module, a ``_private`` helper or a pytest hook;
- a bare name resolves to the project's handler of that name; a built-in handler is
  visible only to the built-in pipelines whose handler modules are in ``scope``, and a
  project handler of the same name overrides it there;
- two different project handlers of one name are a duplicate, never a silent choice;
- ``module#func`` picks a registered handler by module, inside the project's handler
  modules only (``alias#func`` through ``alias=module`` of ini ``symphony_handlers``);
- a reference that resolves to nothing but declares a ``script`` runs that command;
- otherwise it is not found: with close matches, the handler modules that failed to
  import (they may hold it), and a plain function of that name (it lacks ``@handler``).

Each problem carries its message, in the form the run shows and in the one-line form
lists show (the build's validate-handlers beat).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Generic, Hashable, Iterable, Mapping, Protocol, Sequence, TypeVar

from .model import Command, HandlerRef

__all__ = [
    "BUILTIN",
    "PROJECT",
    "EXTERNAL",
    "Candidate",
    "Candidates",
    "ModuleFailure",
    "HandlerProblem",
    "Resolution",
    "resolve_handler",
    "suggest",
]

#: Where a handler comes from: a built-in pipeline's module, the project, or an installed plugin.
BUILTIN, PROJECT, EXTERNAL = "builtin", "project", "external"

#: What the run tells a user to do about a handler no registered module provides.
REGISTER_HINT = (
    "Register it with @handler in a module listed in ini symphony_handlers, in a conftest.py, "
    "or through pytest_symphony_register_handlers."
)


class Candidate(Protocol):
    """A registered handler as either side knows it (a live function, or one read from source)."""

    name: str  # the name it is registered under
    module: str  # its module's dotted name
    origin: str  # BUILTIN, PROJECT or EXTERNAL

    @property
    def identity(self) -> Hashable: ...  # the same function registered twice is one handler

    @property
    def place(self) -> str: ...  # "file:line", for messages


H = TypeVar("H", bound=Candidate)


@dataclass(frozen=True)
class ModuleFailure:
    """A configured handler module that could not be imported."""

    module: str
    path: Any  # Path | None
    message: str  # "file:line: ErrorType: what"


class Candidates(Generic[H]):
    """What is registered, as the two sides gather it (live mappings are read, not copied).

    ``handlers``: registered name -> the handlers of that name, in registration order.
    ``modules``: the project modules ``module#func`` may name (handler modules, conftest.py
    files with handlers).  ``aliases``: ``alias -> module``.  ``failed``: module -> why it
    could not be imported.  ``plain``: ``(module or None, name) ->`` the place of a plain
    function of that name in a handler module, if there is one (a hint, never a handler).
    """

    def __init__(
        self,
        handlers: Mapping[str, Sequence[H]],
        modules: Iterable[str] | Mapping[str, Any] = (),
        aliases: Mapping[str, str] | None = None,
        failed: Mapping[str, ModuleFailure] | None = None,
        plain: Callable[[str | None, str], str | None] | None = None,
    ) -> None:
        self.handlers = handlers
        self.modules = modules
        self.aliases = aliases if aliases is not None else {}
        self.failed = failed if failed is not None else {}
        self.plain = plain

    def module_of(self, written: str) -> str:
        """The module ``written#func`` means: an alias's module, or the name as written."""
        return self.aliases.get(written, written)

    def visible(self, name: str, scope: frozenset[str]) -> bool:
        return any(h.origin != BUILTIN or h.module in scope for h in self.handlers.get(name, ()))


def _names_module(module: str, wanted: str) -> bool:
    return module == wanted or module.endswith("." + wanted)


@dataclass(frozen=True)
class HandlerProblem(Generic[H]):
    """Why a reference runs nothing: ``kind`` is "none", "not found", "import failed" or "duplicate"."""

    kind: str
    ref: HandlerRef | None = None
    duplicates: tuple[H, ...] = ()
    failures: tuple[ModuleFailure, ...] = ()
    plain: str | None = None  # the place of a plain function of the name (not registered)
    _candidates: Candidates[H] | None = field(default=None, repr=False, compare=False)
    _scope: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @cached_property
    def suggestions(self) -> list[str]:
        """Close registered names (computed only when a message asks)."""
        if self.ref is None or self._candidates is None:
            return []
        return suggest(self.ref.name, self._candidates, self._scope)

    def message(self, where: str, beat: str) -> str:
        """The run's message: ``where`` is "file:line", ``beat`` "beat 1.2 'Build'"."""
        if self.kind == "none":
            return f"{where}: {beat} names no handler; add `handler: <name>` or `run: <command>`"
        assert self.ref is not None
        if self.kind == "duplicate":
            return f"{where}: {self.duplicate_text}"
        if self.kind == "import failed":
            owner = "its module" if self.ref.module else "a handler module of ini symphony_handlers"
            failures = "\n".join(f"  {f.module}: {f.message}" for f in self.failures)
            return (
                f"{where}: {beat} names handler '{self.ref.display}', and {owner} could not be imported:\n"
                f"{failures}\n  Fix the import; every other beat runs meanwhile."
            )
        hint = f"\n  did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        return (
            f"{where}: {beat} names handler '{self.ref.display}', which no registered module provides"
            f"{self._plain_note}.{hint}\n  {REGISTER_HINT}"
        )

    def line(self, where: str, beat: str) -> str:
        """The one-line form, for lists of problems."""
        if self.kind == "none":
            return f"{where}: {beat} names no handler"
        assert self.ref is not None
        if self.kind == "duplicate":
            return f"{where}: {beat}: {self.duplicate_text}"
        if self.kind == "import failed":
            failures = "; ".join(f"{f.module}: {f.message}" for f in self.failures)
            return (
                f"{where}: {beat} names handler '{self.ref.display}', whose module could not be imported ({failures})"
            )
        hint = f" (did you mean: {', '.join(self.suggestions)}?)" if self.suggestions else ""
        return f"{where}: {beat} names handler '{self.ref.display}', which no registered module provides{self._plain_note}{hint}"

    @property
    def duplicate_text(self) -> str:
        assert self.ref is not None
        places = "\n".join(f"  - {h.place}" for h in self.duplicates)
        return (
            f"handler '{self.ref.name}' is registered twice:\n{places}\n"
            'Rename one of them or register it under another name with @handler("...").'
        )

    @property
    def _plain_note(self) -> str:
        return f" ({self.plain} defines it without @handler)" if self.plain else ""


@dataclass(frozen=True)
class Resolution(Generic[H]):
    """Exactly one of: the handler, the command of a declared ``script``, or the problem."""

    handler: H | None = None
    command: Command | None = None
    problem: HandlerProblem[H] | None = None


def resolve_handler(ref: HandlerRef, candidates: Candidates[H], scope: frozenset[str] = frozenset()) -> Resolution[H]:
    """What ``ref`` runs for a spec whose beats may use the built-in handler modules in ``scope``."""
    if ref.module:
        found = _in_module(ref, candidates)
        if found is not None:
            return Resolution(handler=found)
    else:
        same = candidates.handlers.get(ref.name, ())
        winners = [h for h in same if h.origin != BUILTIN] or [h for h in same if h.module in scope]
        if len({h.identity for h in winners}) > 1:
            return Resolution(problem=HandlerProblem("duplicate", ref, tuple(winners)))
        if winners:
            return Resolution(handler=winners[0])
    if ref.command is not None:
        return Resolution(command=ref.command)
    return Resolution(problem=_not_found(ref, candidates, scope))


def _in_module(ref: HandlerRef, candidates: Candidates[H]) -> H | None:
    wanted = candidates.module_of(ref.module or "")
    for module in candidates.modules:
        if _names_module(module, wanted):
            for h in candidates.handlers.get(ref.name, ()):
                if h.module == module:
                    return h
    return None


def _not_found(ref: HandlerRef, candidates: Candidates[H], scope: frozenset[str]) -> HandlerProblem[H]:
    failures = list(candidates.failed.values())
    if ref.module:
        wanted = candidates.module_of(ref.module)
        failures = [f for f in failures if _names_module(f.module, wanted)]
    if failures:
        return HandlerProblem("import failed", ref, failures=tuple(failures), _candidates=candidates, _scope=scope)
    plain = (
        candidates.plain(candidates.module_of(ref.module) if ref.module else None, ref.name)
        if candidates.plain is not None
        else None
    )
    return HandlerProblem("not found", ref, plain=plain, _candidates=candidates, _scope=scope)


def suggest(name: str, candidates: Candidates[Any], scope: frozenset[str] = frozenset(), limit: int = 3) -> list[str]:
    """Registered names close to ``name`` (case-insensitive), for "did you mean"."""
    visible = [n for n in candidates.handlers if candidates.visible(n, scope)]
    lowered = {n.lower(): n for n in visible}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=limit, cutoff=0.6)
    return [lowered[c] for c in close]


def no_handler() -> HandlerProblem[Any]:
    """The problem of a beat that names no handler at all."""
    return HandlerProblem("none")
