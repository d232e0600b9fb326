"""Workspace discovery: which packages a project builds, in which order, and its host build.

Configuration lives in the root ``pyproject.toml``::

    [tool.symphony.build]
    packages = ["packages/*", "tools/cli"]   # globs of directories (or pyproject.toml files)
    host = "npm run build"                   # optional host build command (string or argv list)
    host_outputs = ["web/dist/*.js"]         # globs that must match after the host build

Without ``packages`` the workspace is the root project itself.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pytest_symphony.errors import SymphonyError
from pytest_symphony.toml import tomllib

__all__ = [
    "DependencyCycle",
    "HostConfig",
    "Package",
    "WorkspaceError",
    "build_order",
    "build_settings",
    "discover_packages",
    "host_config",
    "normalize_name",
    "pyproject_files",
    "read_pyproject",
]

#: Directory names never searched by ``packages`` globs (virtualenvs, VCS data, caches).
_SKIPPED_PARTS = frozenset({"node_modules", "site-packages", "__pycache__"})
_LEADING_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class WorkspaceError(SymphonyError):
    """The workspace configuration or one of its pyproject.toml files is unusable."""


class DependencyCycle(WorkspaceError):
    """Workspace packages depend on each other in a circle; nothing can be built first."""

    def __init__(self, cycle: Sequence[str], files: Sequence[Path]):
        #: Package names along the cycle, the first repeated at the end: ``[a, b, a]``.
        self.cycle = list(cycle)
        #: The pyproject.toml of every package on the cycle, in cycle order (each once).
        self.files = [Path(f) for f in files]
        chain = " -> ".join(self.cycle)
        listed = "\n".join(f"  {name}: {path}" for name, path in zip(self.cycle, self.files, strict=False))
        super().__init__(
            f"dependency cycle between workspace packages: {chain}\n{listed}\n"
            "Remove one of these [project].dependencies entries so the packages can be "
            "built in order; nothing was built."
        )


def normalize_name(name: str) -> str:
    """PEP 503 normalized project name (``Foo_Bar.baz`` -> ``foo-bar-baz``)."""
    return canonicalize_name(name)


@dataclass
class Package:
    """One buildable project of the workspace."""

    name: str  #: PEP 503 normalized
    version: str | None  #: ``None`` when the version is dynamic
    path: Path  #: the project directory (holds pyproject.toml)
    pyproject: Path  #: the pyproject.toml file
    dependencies: list[str] = field(default_factory=list)  #: normalized names, sorted, unique

    @property
    def dist_dir(self) -> Path:
        return self.path / "dist"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "path": str(self.path),
            "pyproject": str(self.pyproject),
            "dependencies": list(self.dependencies),
        }


@dataclass(frozen=True)
class HostConfig:
    """The host application build declared in the root pyproject.toml."""

    command: str | tuple[str, ...]  #: a shell string, or an argv tuple run without a shell
    outputs: tuple[str, ...]  #: globs, relative to ``root``, that must exist afterwards
    root: Path
    pyproject: Path

    @property
    def display(self) -> str:
        return self.command if isinstance(self.command, str) else " ".join(self.command)


def read_pyproject(path: Path) -> dict[str, Any]:
    """Parse one pyproject.toml; a syntax error names the file and line."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise WorkspaceError(f"{path}: not found; create it or fix [tool.symphony.build] packages") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)".
        m = re.search(r"at line (\d+)", str(exc))
        where = f"{path}:{m.group(1)}" if m else str(path)
        raise WorkspaceError(f"{where}: invalid TOML: {exc}; fix the file") from None


def build_settings(root: Path) -> tuple[dict[str, Any], Path]:
    """``[tool.symphony.build]`` of the root pyproject.toml (empty if absent) and that file's path."""
    pyproject = Path(root) / "pyproject.toml"
    data = read_pyproject(pyproject)
    settings = data.get("tool", {}).get("symphony", {}).get("build", {})
    if not isinstance(settings, dict):
        raise WorkspaceError(f"{pyproject}: [tool.symphony.build] must be a table")
    return settings, pyproject


def _dependency_name(spec: str) -> str | None:
    try:
        return normalize_name(Requirement(spec).name)
    except InvalidRequirement:
        m = _LEADING_NAME.match(spec)
        return normalize_name(m.group(1)) if m else None


def _package_from(pyproject: Path) -> Package:
    data = read_pyproject(pyproject)
    project = data.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("name"), str):
        raise WorkspaceError(
            f"{pyproject}: no [project] name; give the package a [project] table with a name "
            "or leave it out of [tool.symphony.build] packages"
        )
    version = project.get("version")
    if version is not None and not isinstance(version, str):
        raise WorkspaceError(f"{pyproject}: [project] version must be a string")
    deps = project.get("dependencies", [])
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise WorkspaceError(f"{pyproject}: [project] dependencies must be a list of strings")
    names = sorted({n for n in (_dependency_name(d) for d in deps) if n})
    return Package(
        name=normalize_name(project["name"]),
        version=version,
        path=pyproject.parent,
        pyproject=pyproject,
        dependencies=names,
    )


def _skipped(path: Path, root: Path) -> bool:
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    return any(p.startswith(".") and p not in (".", "..") or p in _SKIPPED_PARTS for p in parts)


def _matched_pyprojects(root: Path, patterns: Iterable[str], config: Path) -> list[Path]:
    found: dict[Path, None] = {}
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise WorkspaceError(f"{config}: [tool.symphony.build] packages entries must be non-empty strings")
        if Path(pattern).is_absolute():
            raise WorkspaceError(f"{config}: packages glob {pattern!r} must be relative to {root}")
        pattern = pattern.strip().rstrip("/") or "."
        candidates = [root] if pattern in (".", "./") else sorted(root.glob(pattern))
        for hit in candidates:
            if hit != root and _skipped(hit, root):
                continue
            if hit.is_dir() and (hit / "pyproject.toml").is_file():
                found[(hit / "pyproject.toml").resolve()] = None
            elif hit.is_file() and hit.name == "pyproject.toml":
                found[hit.resolve()] = None
    return list(found)


def _workspace_files(root: Path) -> tuple[list[Path], dict[str, Any], Path]:
    settings, config = build_settings(root)
    patterns = settings.get("packages")
    if patterns is None:
        return [config], settings, config
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list):
        raise WorkspaceError(f"{config}: [tool.symphony.build] packages must be a list of globs")
    return _matched_pyprojects(root, patterns, config), settings, config


def pyproject_files(root: Path) -> list[Path]:
    """The pyproject.toml files of the workspace packages (matched by the globs, not parsed)."""
    return _workspace_files(Path(root).resolve())[0]


def discover_packages(root: Path) -> list[Package]:
    """The workspace packages, sorted by name.

    Packages are the pyproject.toml files matched by ``[tool.symphony.build] packages``
    globs (a glob may match a directory holding pyproject.toml or the file itself), or
    the root project when the key is absent.  Raises :class:`WorkspaceError` for a
    missing or broken file, a project without a name, a glob matching nothing, or two
    packages with one name.
    """
    files, settings, config = _workspace_files(Path(root).resolve())
    if not files:
        raise WorkspaceError(
            f"{config}: [tool.symphony.build] packages {settings.get('packages')!r} matched no "
            "pyproject.toml; fix the globs (they are relative to the root directory)"
        )
    by_name: dict[str, Package] = {}
    for file in files:
        pkg = _package_from(file)
        if pkg.name in by_name:
            raise WorkspaceError(
                f"two workspace packages are named {pkg.name!r}: {by_name[pkg.name].pyproject} "
                f"and {pkg.pyproject}; rename one or narrow [tool.symphony.build] packages"
            )
        by_name[pkg.name] = pkg
    return [by_name[n] for n in sorted(by_name)]


def _find_cycle(remaining: dict[str, list[str]]) -> list[str]:
    """One cycle among ``remaining`` (name -> workspace deps), starting at its smallest name."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in remaining[node]:
            if state.get(dep) == 1:
                return path[path.index(dep) :] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(remaining):
        if start not in state:
            cycle = visit(start)
            if cycle:
                ring = cycle[:-1]
                i = ring.index(min(ring))
                ring = ring[i:] + ring[:i]
                return ring + [ring[0]]
    raise AssertionError("no cycle among remaining packages")  # pragma: no cover


def build_order(packages: Iterable[Package]) -> list[Package]:
    """Packages ordered so each comes after the workspace packages it depends on.

    Dependencies outside the workspace and self-references are ignored; among packages
    ready at the same time the smaller name goes first, so the order is deterministic.
    Raises :class:`DependencyCycle` naming the cycle and its pyproject files.
    """
    by_name = {p.name: p for p in packages}
    deps = {name: sorted({d for d in p.dependencies if d in by_name and d != name}) for name, p in by_name.items()}
    waiting = {name: len(d) for name, d in deps.items()}
    dependents: dict[str, list[str]] = {name: [] for name in by_name}
    for name, ds in deps.items():
        for d in ds:
            dependents[d].append(name)
    ready = [name for name, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: list[Package] = []
    while ready:
        name = heapq.heappop(ready)
        order.append(by_name[name])
        for child in dependents[name]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    if len(order) != len(by_name):
        done = {p.name for p in order}
        remaining = {n: [d for d in ds if d not in done] for n, ds in deps.items() if n not in done}
        cycle = _find_cycle(remaining)
        raise DependencyCycle(cycle, [by_name[n].pyproject for n in cycle[:-1]])
    return order


def host_config(root: Path) -> HostConfig | None:
    """The host build of ``[tool.symphony.build]``, or ``None`` when no ``host`` is set."""
    root = Path(root).resolve()
    settings, config = build_settings(root)
    command = settings.get("host")
    if command is None or command == "" or command == []:
        if settings.get("host_outputs"):
            raise WorkspaceError(f"{config}: host_outputs is set but host is not; add the host build command")
        return None
    if isinstance(command, list):
        if not all(isinstance(c, str) and c for c in command):
            raise WorkspaceError(f"{config}: [tool.symphony.build] host must be a string or a list of strings")
        command = tuple(command)
    elif not isinstance(command, str):
        raise WorkspaceError(f"{config}: [tool.symphony.build] host must be a string or a list of strings")
    outputs = settings.get("host_outputs", [])
    if isinstance(outputs, str):
        outputs = [outputs]
    if not isinstance(outputs, list) or not all(isinstance(o, str) and o for o in outputs):
        raise WorkspaceError(f"{config}: [tool.symphony.build] host_outputs must be a list of globs")
    return HostConfig(command=command, outputs=tuple(outputs), root=root, pyproject=config)
