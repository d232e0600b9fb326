"""The files a conformity workspace holds, and how they are found.

Which folders are searched (:data:`SKIP_DIRS`, :func:`walk_files`), how a file is named
(:func:`relative`, :func:`module_name`, :func:`find_module`), and one record per file the
engine reads: :class:`SpecInput` (a spec, :class:`LoadedSpec` when its sequence loaded),
:class:`PyInput` and :class:`FeatureInput`.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from ..score.model import LoadResult, Sequence
from ..score.source import format_of
from .specmap import SpecText

if TYPE_CHECKING:
    from .syntax import FileScan

__all__ = [
    "SKIP_DIRS",
    "FeatureInput",
    "LoadedSpec",
    "PyInput",
    "SpecInput",
    "find_module",
    "inside",
    "module_name",
    "walk_files",
]

#: Folders never searched for specs, modules or features.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        "site-packages",
        ".eggs",
    }
)


def walk_files(top: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    """Files under ``top`` with one of ``suffixes``, sorted, skipping :data:`SKIP_DIRS`."""
    if top.is_file():
        if top.name.endswith(suffixes):
            yield top
        return
    if not top.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(filenames):
            if name.endswith(suffixes):
                yield Path(dirpath) / name


@dataclass
class SpecInput:
    """One spec file: its load result, text and (when it parsed) its raw mapping."""

    path: Path
    rel: str
    result: LoadResult
    text: str | None
    raw: Mapping[str, Any] | None
    builtin: bool = False
    scope: frozenset[str] = frozenset()  # built-in handler modules its beats may use

    @property
    def sequence(self) -> Sequence | None:
        return self.result.sequence

    @cached_property
    def map(self) -> SpecText:
        return SpecText(self.text or "", format_of(self.path, self.text or ""))


@dataclass
class LoadedSpec(SpecInput):
    """A spec whose sequence loaded (what a :class:`~.checks.base.SpecCheck` checks): its
    sequence and raw mapping are there."""

    raw: Mapping[str, Any]

    @property
    def sequence(self) -> Sequence:
        sequence = self.result.sequence
        assert sequence is not None, "a LoadedSpec holds a loaded result"
        return sequence


@dataclass
class PyInput:
    """One Python file the engine scans, and why: ``roles`` among handler, step, conftest."""

    path: Path
    rel: str
    module: str | None  # dotted name, when importable as such
    roles: set[str] = field(default_factory=set)
    builtin: bool = False
    text: str | None = None
    scan: FileScan | None = None


@dataclass
class FeatureInput:
    path: Path
    rel: str
    text: str | None = None
    parsed: Any = None  # conformity.features.FeatureDoc
    error: str | None = None


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (resolved) lies under ``root``."""
    try:
        Path(path).resolve().relative_to(root)
        return True
    except ValueError:
        return False


def module_name(path: Path, root: Path) -> str | None:
    """``a/b/c.py`` -> ``a.b.c`` relative to the root (``__init__`` dropped)."""
    try:
        parts = list(Path(path).resolve().relative_to(root).with_suffix("").parts)
    except ValueError:
        return None
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def find_module(name: str, root: Path) -> Path | None:
    """The source file of ``name``: under the root first, else where Python finds it,
    without importing it (a dotted name's parents are looked up as folders)."""
    parts = name.split(".")
    for base in (root, root / "src"):
        candidate = base.joinpath(*parts)
        for path in (candidate.with_suffix(".py"), candidate / "__init__.py"):
            if path.is_file():
                return path.resolve()
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if len(parts) == 1:
        return Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None
    for location in spec.submodule_search_locations or ():
        candidate = Path(location).joinpath(*parts[1:])
        for path in (candidate.with_suffix(".py"), candidate / "__init__.py"):
            if path.is_file():
                return path.resolve()
    return None
