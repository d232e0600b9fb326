"""The build symphony's settings beyond the workspace: isolation, score thresholds, docs, metadata.

All live in ``[tool.symphony.build]`` of the root pyproject.toml::

    [tool.symphony.build]
    isolation = false                 # build with --no-isolation (offline machines)
    docs = "docs/sequences"           # generate sequence docs into the tree (default: the symphony folder)
    metadata = "errors"               # warnings of the metadata check do not fail (default "strict")
    [tool.symphony.build.thresholds]  # lowest conformity score per dimension, by dynamic
    mf = 0.65
    f = 0.75

The environment variable ``SYMPHONY_BUILD_NO_ISOLATION=1`` turns isolation off whatever
the file says (CI runners without network access set it once).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .workspace import WorkspaceError, build_settings

__all__ = [
    "DEFAULT_THRESHOLDS",
    "NO_ISOLATION_ENV",
    "Isolation",
    "Thresholds",
    "build_isolation",
    "docs_dir",
    "metadata_strict",
    "score_thresholds",
]

NO_ISOLATION_ENV = "SYMPHONY_BUILD_NO_ISOLATION"
#: Lowest score any conformity dimension may have, by dynamic (0.65: out of the Critical band,
#: 0.75: Acceptable or better).  Dynamics not listed here do not run movement 6.
DEFAULT_THRESHOLDS: Mapping[str, float] = {"mf": 0.65, "f": 0.75, "ff": 0.75}
#: The lowest severity that fails the threshold check, by dynamic.
FAIL_ON: Mapping[str, str] = {"mf": "CRITICAL", "f": "MAJOR", "ff": "MAJOR"}

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True)
class Isolation:
    """Whether PyPA build runs isolated, and which setting decided it (for logs and reports)."""

    isolated: bool
    source: str

    def __bool__(self) -> bool:
        return self.isolated


@dataclass(frozen=True)
class Thresholds:
    dynamic: str
    min_score: float  #: every dimension must score at least this
    fail_on: str  #: a violation of this severity or worse fails the check
    source: str


def build_isolation(root: Path, environ: Mapping[str, str] | None = None) -> Isolation:
    """Isolated builds unless ``SYMPHONY_BUILD_NO_ISOLATION`` is true or ``isolation = false``."""
    environ = os.environ if environ is None else environ
    raw = environ.get(NO_ISOLATION_ENV)
    if raw is not None:
        value = raw.strip().lower()
        if value in _TRUE:
            return Isolation(False, f"{NO_ISOLATION_ENV}={raw}")
        if value not in _FALSE:
            raise WorkspaceError(
                f"environment variable {NO_ISOLATION_ENV}={raw!r} is neither true (1, true, yes, on) "
                "nor false (0, false, no, off, empty); set one of those"
            )
    settings, pyproject = build_settings(root)
    isolation = settings.get("isolation", True)
    if not isinstance(isolation, bool):
        raise WorkspaceError(f"{pyproject}: [tool.symphony.build] isolation must be true or false")
    if not isolation:
        return Isolation(False, f"{pyproject.name}: [tool.symphony.build] isolation = false")
    return Isolation(True, "default" if "isolation" not in settings else f"{pyproject.name}: isolation = true")


def score_thresholds(root: Path, dynamic: str) -> Thresholds:
    """The thresholds movement 6 applies at ``dynamic`` (defaults, overridden per dynamic)."""
    settings, pyproject = build_settings(root)
    table = settings.get("thresholds", {})
    if not isinstance(table, dict):
        raise WorkspaceError(f"{pyproject}: [tool.symphony.build] thresholds must be a table of dynamic = score")
    for key, value in table.items():
        if key not in DEFAULT_THRESHOLDS:
            raise WorkspaceError(
                f"{pyproject}: [tool.symphony.build.thresholds] {key!r} is not a dynamic that runs "
                f"movement 6; use {', '.join(DEFAULT_THRESHOLDS)}"
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise WorkspaceError(f"{pyproject}: [tool.symphony.build.thresholds] {key} must be a score from 0 to 1")
    if dynamic not in DEFAULT_THRESHOLDS:
        raise WorkspaceError(f"no score thresholds at dynamic {dynamic!r}; movement 6 runs at mf, f and ff")
    if dynamic in table:
        return Thresholds(dynamic, float(table[dynamic]), FAIL_ON[dynamic], f"{pyproject.name}: thresholds.{dynamic}")
    return Thresholds(dynamic, DEFAULT_THRESHOLDS[dynamic], FAIL_ON[dynamic], "default")


def docs_dir(root: Path) -> Path | None:
    """The folder ``docs`` (or its older spelling ``docs_dir``) names inside the project, or None.

    None means the default: the symphony folder, so a build adds nothing to the tree.
    """
    settings, pyproject = build_settings(root)
    key = "docs" if "docs" in settings else "docs_dir"
    value = settings.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceError(f"{pyproject}: [tool.symphony.build] {key} must be a non-empty path")
    path = Path(value)
    if path.is_absolute() or ".." in path.parts:
        raise WorkspaceError(f"{pyproject}: [tool.symphony.build] {key} {value!r} must be a folder inside the project")
    return Path(root) / path


def metadata_strict(root: Path) -> bool:
    """Whether warnings of the metadata check fail it (``metadata = "strict"``, the default)."""
    settings, pyproject = build_settings(root)
    value: object = settings.get("metadata", "strict")
    if value not in ("strict", "errors"):
        raise WorkspaceError(f'{pyproject}: [tool.symphony.build] metadata must be "strict" or "errors", not {value!r}')
    return value == "strict"
