"""Dependency: imports that resolve, installed distributions that satisfy declared
requirements, and sequence contracts that only break with a major version bump."""

from __future__ import annotations

import importlib.util
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from ..codes import FixSafety, Severity
from ..graphs import workspace_packages
from ..lock import sequence_contract
from ..violation import Place, Violation, json_pointer
from .base import Example, WorkspaceCheck
from .places import spec_violation

if TYPE_CHECKING:
    from ..sources import PyInput
    from ..workspace import Workspace

SPEC = "id: release\nname: Release\nversion: '1.0'\nmovements:\n  - name: Build\n    beats:\n      - name: Build\n        handler: build\n"


def ws(handlers: str = "", spec: str = SPEC, **extra: str) -> dict[str, str]:
    body = "from pytest_symphony import handler\n" + handlers + "\n\n@handler\ndef build():\n    return {}\n"
    return {"handlers.py": body, "sequences/release.yaml": spec, **extra}


@lru_cache(maxsize=4096)
def _top_found(name: str, root: str) -> bool:
    if name in sys.builtin_module_names or name in getattr(sys, "stdlib_module_names", ()):
        return True
    base = Path(root)
    for folder in (base, base / "src"):
        if (folder / f"{name}.py").is_file() or (folder / name).is_dir():
            return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _locations(top: str, root: Path) -> list[Path]:
    for folder in (root, root / "src"):
        if (folder / top).is_dir():
            return [folder / top]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return []
    return [Path(p) for p in (spec.submodule_search_locations or ())] if spec else []


def _module_exists(dotted: str, root: Path) -> bool:
    """Whether ``a.b.c`` can be imported, judged from files (nothing is imported)."""
    if dotted in sys.modules:
        return True
    return _module_file_exists(dotted, str(root))


@lru_cache(maxsize=8192)
def _module_file_exists(dotted: str, root_text: str) -> bool:
    root = Path(root_text)
    parts = dotted.split(".")
    if not _top_found(parts[0], str(root)):
        return False
    if len(parts) == 1:
        return True
    locations = _locations(parts[0], root)
    if not locations:  # a plain module or a built-in: submodules exist only at runtime
        return parts[0] in sys.builtin_module_names or parts[0] in getattr(sys, "stdlib_module_names", ())
    for location in locations:
        candidate = location.joinpath(*parts[1:])
        if (
            candidate.with_suffix(".py").is_file()
            or candidate.is_dir()
            or any(candidate.parent.glob(candidate.name + ".*.so"))
            or any(candidate.parent.glob(candidate.name + ".*.pyd"))
        ):
            return True
    return False


class UnresolvedImport(WorkspaceCheck):
    code = "UNRESOLVED_IMPORT"
    severity = Severity.CRITICAL
    fix = FixSafety.NONE
    summary = (
        "A handler or step definition module imports a module or name that cannot be found in "
        "the environment, judged from files without importing anything (a name is checked when "
        "it comes from a module of the workspace). Imports inside a `try` whose handlers catch "
        "ImportError (or Exception), under `if TYPE_CHECKING:`, or in either branch of a test on "
        "the environment (`sys.version_info`, `sys.platform`, `os.name`, `platform.system()`) "
        "are exempt."
    )
    VALID = (
        Example(
            ws(
                "import json\nimport pytest\ntry:\n    import not_a_module_xyz\nexcept ImportError:\n    not_a_module_xyz = None\n"
            )
        ),
        Example(ws("from helpers import shared\n", **{"helpers.py": "shared = 1\n"})),
        Example(
            ws("import sys\nif sys.version_info >= (3, 99):\n    import future_only_xyz\nelse:\n    import json\n")
        ),
    )
    INVALID = (
        Example(ws("import not_a_module_xyz\n"), at=("handlers.py", 2)),
        Example(ws("from helpers import missing\n", **{"helpers.py": "shared = 1\n"}), at=("handlers.py", 2)),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        modules = {py.module: py for py in ws.python if py.module and py.scan is not None}
        for py in ws.python:
            if py.scan is None or py.builtin or not ({"handler", "step"} & py.roles or _has_handlers(py)):
                continue
            for imp in py.scan.imports:
                if imp["guarded"]:
                    continue
                problem = self._problem(imp, py, ws, modules)
                if problem:
                    yield Violation(self.code, problem, Place(py.rel, imp.get("line", 1), imp.get("col", 1)))

    def _problem(
        self, imp: Mapping[str, Any], py: PyInput, ws: Workspace, modules: Mapping[str, PyInput]
    ) -> str | None:
        level, module, names = imp["level"], imp["module"], imp["names"]
        if level:
            base = py.path.parent
            for _ in range(level - 1):
                base = base.parent
            target = base.joinpath(*module.split(".")) if module else base
            if module and not (target.with_suffix(".py").is_file() or target.is_dir()):
                return f"relative import {'.' * level}{module} finds no module next to {py.rel}"
            if not module:
                missing = [
                    n
                    for n in names
                    if n != "*"
                    and not ((base / f"{n}.py").is_file() or (base / n).is_dir() or (base / "__init__.py").is_file())
                ]
                if missing:
                    return f"relative import of {', '.join(missing)} finds no module next to {py.rel}"
            return None
        if not _module_exists(module, ws.root):
            return f"import of '{module}' cannot be resolved: no such module is installed or in the workspace"
        own = modules.get(module)
        if names and own is not None and own.scan is not None and not own.scan.dynamic:
            defined = set(own.scan.names)
            missing = [
                n for n in names if n != "*" and n not in defined and not _module_exists(f"{module}.{n}", ws.root)
            ]
            if missing:
                return f"'{module}' ({own.rel}) defines no {', '.join(repr(n) for n in missing)}"
        return None


def _has_handlers(py: PyInput) -> bool:
    return py.scan is not None and any(f["handler"] or f["steps"] for f in py.scan.functions)


_REQ_SPLIT = re.compile(r"[\s;]")


class VersionConstraintViolated(WorkspaceCheck):
    code = "VERSION_CONSTRAINT_VIOLATED"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "An installed distribution does not satisfy (or is missing for) a requirement the "
        "project declares (`[project] dependencies` of pyproject.toml, markers evaluated) or a "
        "spec declares (`requires`, `requirements` or `dependencies`: PEP 508 strings)."
    )
    VALID = (
        Example(
            ws(**{"pyproject.toml": '[project]\nname = "app"\nversion = "1"\ndependencies = [\n  "pytest>=7",\n]\n'})
        ),
    )
    INVALID = (
        Example(
            ws(**{"pyproject.toml": '[project]\nname = "app"\nversion = "1"\ndependencies = [\n  "pytest<2",\n]\n'}),
            at=("pyproject.toml", 5),
        ),
        Example(ws(spec=SPEC + "requires:\n  - not-a-dist-xyz>=1\n"), at=("sequences/release.yaml", 10)),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        siblings = {name for name, _path, _deps, _line in workspace_packages(ws)}  # built together, not installed
        py = ws.pyproject
        if py is not None:
            path, data, text = py
            deps = (data.get("project") or {}).get("dependencies") or []
            for req in deps if isinstance(deps, list) else []:
                problem = _unsatisfied(str(req), siblings)
                if problem:
                    line = _line_of(text, str(req))
                    yield Violation(
                        self.code, f"pyproject.toml requires {req!r}: {problem}", Place(ws.rel(path), line, 1)
                    )
        for spec in ws.loaded():
            for key in ("requires", "requirements", "dependencies"):
                reqs = spec.raw.get(key)
                if not isinstance(reqs, list):
                    continue
                lines = getattr(reqs, "item_lines", [])
                for i, req in enumerate(reqs):
                    if not isinstance(req, str):
                        continue
                    problem = _unsatisfied(req, siblings)
                    if problem:
                        line = lines[i] if i < len(lines) else 1
                        yield Violation(
                            self.code,
                            f"sequence '{spec.sequence.id}' requires {req!r}: {problem}",
                            Place(spec.rel, line, 1, pointer=json_pointer(key, i)),
                            sequence=spec.sequence.id,
                        )


def _line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n
    return 1


def _unsatisfied(text: str, siblings: frozenset[str] | set[str] = frozenset()) -> str | None:
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        return f"not a valid requirement ({exc})"
    if canonicalize_name(req.name) in siblings:  # another package of this workspace provides it
        return None
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        return None
    try:
        version = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        return "it is not installed"
    if req.specifier and not req.specifier.contains(version, prereleases=True):
        return f"installed {req.name} {version} does not satisfy {req.specifier}"
    return None


def _major(version: Any) -> int:
    m = re.match(r"\s*v?(\d+)", str(version or ""))
    return int(m.group(1)) if m else 0


class BreakingChangeDetected(WorkspaceCheck):
    code = "BREAKING_CHANGE_DETECTED"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "Compared with the approved lock, a beat, movement or event was removed or renamed, or a "
        "handler's required parameters changed, without a major version bump of the sequence "
        "(the first number of `version`). Quiet when there is no lock."
    )
    VALID = (
        Example(ws(), approved=ws()),
        Example(
            ws(
                spec=SPEC.replace("'1.0'", "'2.0'").replace(
                    "name: Build\n        handler", "name: Compile\n        handler"
                )
            ),
            approved=ws(),
        ),
    )
    INVALID = (
        Example(
            ws(spec=SPEC.replace("name: Build\n        handler", "name: Compile\n        handler")),
            approved=ws(),
            at=("sequences/release.yaml", 3),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        lock = ws.lock
        if lock is None:
            return

        approved = lock.get("sequences", {})
        for spec in ws.loaded():
            seq = spec.sequence
            before = approved.get(seq.id)
            if before is None:
                continue
            now = sequence_contract(seq, ws)
            changes = _breaking(before, now)
            if not changes or _major(now.get("version")) > _major(before.get("version")):
                continue
            key = "version" if "version" in spec.raw else None
            yield spec_violation(
                self.code,
                spec,
                f"sequence '{seq.id}' breaks its approved contract ({'; '.join(changes)}) without a major version "
                f"bump (approved {before.get('version') or 'unversioned'}, now {now.get('version') or 'unversioned'})",
                key=key,
            )


def _breaking(before: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    changes = []
    for field, what in (("movements", "movement"), ("beats", "beat"), ("events", "event")):
        gone = sorted(set(before.get(field, ())) - set(now.get(field, ())))
        if gone:
            changes.append(f"{what}{'s' if len(gone) > 1 else ''} removed or renamed: {', '.join(gone)}")
    old_h, new_h = before.get("handlers", {}), now.get("handlers", {})
    for name in sorted(set(old_h) & set(new_h)):
        if list(old_h[name]) != list(new_h[name]):
            changes.append(
                f"handler '{name}' now requires ({', '.join(new_h[name])}) instead of ({', '.join(old_h[name])})"
            )
    return changes


CHECKS = [UnresolvedImport, VersionConstraintViolated, BreakingChangeDetected]
