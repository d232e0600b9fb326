"""The check classes: one code each, with everything said about it, as Fixit's rules hold it.

A check class is the one place a code is declared: its ``code`` name, ``severity``,
``fix`` safety, ``summary`` (precisely when it is reported) and ``fix_summary`` (what its
fix does), and examples that prove it fires and stays quiet.  The catalog
(:mod:`..catalog`) and docs/codes.md are generated from these by ``scripts/gen_docs.py``.

Three kinds, by what a check looks at:

* :class:`SpecCheck` -- one loaded sequence at a time (``check_sequence``);
* :class:`WorkspaceCheck` -- the whole workspace at once (cross-file rules, history,
  lock, registry, handler index);
* :class:`PythonCheck` -- a libcst visitor run inside the one walk of each Python file
  (``visit_<Node>``/``leave_<Node>`` methods, as in libcst and Fixit).  Its findings are
  cached by content hash; with ``HANDLERS_ONLY`` the engine keeps a finding only when it
  sits inside a handler function.

``VALID`` and ``INVALID`` hold :class:`Example` workspaces: the test suite checks every
``INVALID`` one reports the code (at ``at`` when given) and every ``VALID`` one does not.
Plugins add checks through the hook ``pytest_symphony_register_checks(registry)`` with
``registry.add(CheckClass)`` (and their codes through ``register_code``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Iterator, Mapping, Sequence, TypeVar

from ..codes import CATEGORY_DIMENSION, Category, Code, FixSafety, Severity, lookup, register_code

if TYPE_CHECKING:
    import libcst as cst

    from ..sources import LoadedSpec
    from ..syntax import CheckFix, ScanContext
    from ..violation import Violation
    from ..workspace import Workspace

__all__ = [
    "Example",
    "Check",
    "SpecCheck",
    "WorkspaceCheck",
    "PythonCheck",
    "CheckRegistry",
    "builtin_checks",
    "python_checks",
    "CATEGORY_MODULES",
]

#: One module per category, in catalog order.
CATEGORY_MODULES = (
    "orchestration",
    "sequence",
    "handler",
    "traceability",
    "governance",
    "dependency",
)


@dataclass(frozen=True)
class Example:
    """A small workspace: ``files`` (path -> text) written under a fresh root.

    ``ini``: extra ini lines for ``pytest.ini`` (``symphony_handlers = handlers`` is the
    default).  ``at``: where the violation must be, ``(path, line)``.  ``approved``:
    files as they were when ``--symphony-approve`` ran (the lock is made from them,
    then ``files`` are written over them).  ``history``: attempts of one recorded run.
    """

    files: Mapping[str, str]
    ini: Mapping[str, str] = field(default_factory=dict)
    at: tuple[str, int] | None = None
    approved: Mapping[str, str] | None = None
    history: Sequence[Mapping[str, Any]] = ()
    note: str = ""


class Check:
    """Base of every check: ``code`` names the one code it reports.

    A check that declares its code sets ``severity``, ``fix``, ``summary`` and (exactly
    when ``fix`` is not ``NONE``) ``fix_summary``; its category is its module's, or its
    category subpackage's (a plugin's check sets ``category``).  A plugin check may
    instead only name a code it registered with ``register_code``.
    """

    code: ClassVar[str] = ""
    severity: ClassVar[Severity | None] = None
    fix: ClassVar[FixSafety] = FixSafety.NONE
    summary: ClassVar[str] = ""
    fix_summary: ClassVar[str | None] = None
    category: ClassVar[Category | None] = None
    VALID: ClassVar[Sequence[Example]] = ()
    INVALID: ClassVar[Sequence[Example]] = ()

    @classmethod
    def declared(cls) -> Code | None:
        """The code as this class declares it, or None when it declares none."""
        if cls.severity is None:
            return None
        category = cls.category
        if category is None:
            try:
                category = Category(_module_category(cls.__module__))
            except ValueError:
                raise ValueError(f"{cls.__qualname__} declares {cls.code} without a category: set `category`") from None
        return Code(
            cls.code, category, CATEGORY_DIMENSION[category], cls.severity, cls.fix, cls.summary, cls.fix_summary
        )

    @classmethod
    def entry(cls) -> Code:
        code = lookup(cls.code)
        if code is None:
            raise LookupError(f"{cls.__name__}: code {cls.code!r} is not registered (register_code)")
        return code


class SpecCheck(Check):
    """Runs once per loaded sequence.  ``BUILTIN``: also on the built-in pipelines a run
    names (their features and tests live with the package, so traceability skips them)."""

    BUILTIN: ClassVar[bool] = True

    def check_sequence(self, spec: "LoadedSpec", ws: "Workspace") -> Iterable["Violation"]:
        raise NotImplementedError


class WorkspaceCheck(Check):
    """Runs once per workspace."""

    def check(self, ws: "Workspace") -> Iterable["Violation"]:
        raise NotImplementedError


class PythonCheck(Check):
    """A libcst visitor inside the single walk of a Python file.

    Define ``visit_<NodeName>(self, node, ctx)`` / ``leave_<NodeName>(self, node, ctx)``
    and call ``self.report(ctx, node, message, fix=...)``.  ``POSITIONS`` lists extra
    node types whose positions a report may need (visited types always have one).
    """

    HANDLERS_ONLY: ClassVar[bool] = True
    POSITIONS: ClassVar[frozenset[type]] = frozenset()
    _methods: ClassVar[dict[str, tuple[tuple[type, str], ...]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        import libcst as cst

        found: dict[str, list[tuple[type, str]]] = {"visit": [], "leave": []}
        for attr in dir(cls):
            for prefix in ("visit", "leave"):
                if attr.startswith(prefix + "_"):
                    kind = getattr(cst, attr[len(prefix) + 1 :], None)
                    if isinstance(kind, type):
                        found[prefix].append((kind, attr))
        cls._methods = {k: tuple(v) for k, v in found.items()}

    def visitors(self) -> Iterator[tuple[type, Callable[..., None]]]:
        for kind, attr in self._methods["visit"]:
            yield kind, getattr(self, attr)

    def leavers(self) -> Iterator[tuple[type, Callable[..., None]]]:
        for kind, attr in self._methods["leave"]:
            yield kind, getattr(self, attr)

    def report(self, ctx: ScanContext, node: cst.CSTNode, message: str, *, fix: CheckFix | None = None) -> None:
        ctx.report(self.code, node, message, fix=fix)


C = TypeVar("C", bound=Check)


def _module_category(module: str) -> str:
    """The category a check's module names: a built-in category's module or subpackage
    (``checks.sequence.timing`` is ``sequence``), else the module's own last name."""
    inside = module.removeprefix(f"{__package__}.")
    return inside.partition(".")[0] if inside != module else module.rpartition(".")[2]


def _module_checks(name: str) -> list[type[Check]]:
    module = importlib.import_module(f"{__package__}.{name}")
    return list(getattr(module, "CHECKS", ()))


def builtin_checks() -> list[type[Check]]:
    """Every built-in check class, category by category."""
    out: list[type[Check]] = []
    for name in CATEGORY_MODULES:
        out.extend(_module_checks(name))
    return out


def python_checks() -> list[type[PythonCheck]]:
    return [c for c in builtin_checks() if issubclass(c, PythonCheck)]


class CheckRegistry:
    """The checks one engine run uses: the built-in ones plus what plugins add."""

    def __init__(self, checks: Iterable[type[Check]] | None = None) -> None:
        self._checks: list[type[Check]] = list(builtin_checks() if checks is None else checks)

    def add(self, check: type[Check]) -> type[Check]:
        if not (isinstance(check, type) and issubclass(check, Check)):
            raise TypeError(f"{check!r} is not a Check subclass")
        declared = check.declared()
        known = lookup(check.code)
        if declared is not None and known is None:
            register_code(declared)  # a plugin check that declares its code registers it
        elif declared is not None and known != declared:
            raise ValueError(f"{check.__qualname__} declares {check.code} unlike the registered code of that name")
        check.entry()  # its code must be known
        if check not in self._checks:
            self._checks.append(check)
        return check

    def __iter__(self) -> Iterator[type[Check]]:
        return iter(self._checks)

    def __len__(self) -> int:
        return len(self._checks)

    def of(self, kind: type[C]) -> list[type[C]]:
        return [c for c in self._checks if issubclass(c, kind)]

    @property
    def codes(self) -> set[str]:
        return {c.code for c in self._checks}

    def python_refs(self) -> list[str]:
        """``module:qualname`` of each Python check, for worker processes."""
        return [f"{c.__module__}:{c.__qualname__}" for c in self.of(PythonCheck)]


def load_refs(refs: Sequence[str]) -> list[type[PythonCheck]]:
    out: list[type[PythonCheck]] = []
    for ref in refs:
        module, _, qualname = ref.partition(":")
        obj: object = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        if not (isinstance(obj, type) and issubclass(obj, PythonCheck)):
            raise TypeError(f"{ref} is not a PythonCheck subclass")
        out.append(obj)
    return out
