"""Persisted evidence: ``.symphony/delivery/<version>/<beat>.json``.

SAFe's movements run days apart, so a beat's result is written where a later, separate
run can read it (the deployment beats read the provenance and the staged environment).
Files are canonical JSON written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..paths import shown_path
from ..buildkit.files import write_json
from ..toml import TOMLDecodeError, tomllib
from . import git
from .conventional import next_version
from .errors import DeliveryError, Finding
from .settings import DeliverySettings

__all__ = ["evidence_dir", "read_evidence", "release_version", "write_evidence"]


def release_version(settings: DeliverySettings, rev: str = "HEAD") -> str:
    """The version the evidence is filed under: the one the build will produce.

    ``[project] version`` of the root pyproject.toml when it is written there; else the
    next version the Conventional Commits since the last tag call for; else the last
    tag's version (nothing releasable since).  DeliveryError when there is none.
    """
    if settings.pyproject is not None:
        try:
            project = tomllib.loads(settings.pyproject.read_text(encoding="utf-8")).get("project", {})
        except (OSError, UnicodeDecodeError, TOMLDecodeError):
            project = {}
        version = project.get("version") if isinstance(project, dict) else None
        if isinstance(version, str) and version.strip():
            return version.strip()
    tag, since = git.commits_since(settings.root, settings.tag_pattern, rev)
    try:
        version = next_version(
            tag.name if tag else None,
            [c.conventional for c in since if not c.is_merge],
            major_version_zero=settings.major_version_zero,
        )
    except ValueError:
        version = None
    if version is None and tag is not None and tag.version is not None:
        version = str(tag.version)
    if version is None:
        raise DeliveryError(
            "evidence",
            [
                Finding(
                    "no release version: [project] has no version, and there is no "
                    "release tag nor a feat or fix commit",
                    str(settings.pyproject or settings.root),
                    0,
                    "set version in [project], or tag a release like v1.0.0",
                )
            ],
        )
    return version


def evidence_dir(settings: DeliverySettings, version: str) -> Path:
    if not version or "/" in version or "\\" in version or version in (".", ".."):
        raise DeliveryError("evidence", [Finding(f"{version!r} is not a version to file evidence under")])
    return settings.path("evidence") / version


def write_evidence(settings: DeliverySettings, version: str, beat: str, data: Any) -> Path:
    """Write ``data`` (a result's ``to_json()``) as ``<evidence>/<version>/<beat>.json``."""
    path = evidence_dir(settings, version) / f"{beat}.json"
    write_json(path, data)
    return path


def read_evidence(settings: DeliverySettings, version: str, beat: str) -> Any:
    """What :func:`write_evidence` wrote; DeliveryError naming the beat to run when it is missing."""
    path = evidence_dir(settings, version) / f"{beat}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(
            "evidence",
            [
                Finding(
                    f"no evidence from beat {beat!r} for version {version}",
                    shown_path(path, settings.root),
                    0,
                    f"run the movement holding {beat!r} first",
                )
            ],
        ) from None
    except (OSError, ValueError) as exc:
        raise DeliveryError(
            "evidence",
            [Finding(f"unreadable evidence: {exc}", shown_path(path, settings.root), 0, f"run {beat!r} again")],
        ) from exc
