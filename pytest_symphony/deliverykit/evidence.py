"""Persisted evidence: ``.symphony/delivery/<version>/<beat>.json``.

SAFe's movements run days apart, so a beat's result is written where a later, separate
run can read it (the deployment beats read the provenance and the staged environment).
Files are canonical JSON written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..buildkit.files import write_json
from .errors import DeliveryError, Finding, relative
from .settings import DeliverySettings

__all__ = ["evidence_dir", "read_evidence", "write_evidence"]


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
        raise DeliveryError("evidence", [Finding(f"no evidence from beat {beat!r} for version {version}",
                                                 relative(path, settings.root), 0,
                                                 f"run the movement holding {beat!r} first")]) from None
    except (OSError, ValueError) as exc:
        raise DeliveryError("evidence", [Finding(f"unreadable evidence: {exc}", relative(path, settings.root), 0,
                                                 f"run {beat!r} again")]) from exc
