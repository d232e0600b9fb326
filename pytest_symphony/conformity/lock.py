"""``symphony.lock``: what was approved, for UNAUTHORIZED_CHANGE and BREAKING_CHANGE_DETECTED.

``pytest --symphony-approve`` writes it: the SHA-256 of every project spec and handler
module, and each sequence's public contract (its version, movement, beat and event ids,
and the required parameters of the handlers its beats call).  Approving is an explicit
user action, never a fix.  The file is canonical JSON (sorted keys, no timestamp), so
approving an unchanged workspace rewrites the same bytes and a diff shows exactly what
changed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_symphony import __version__

from .cache import content_hash

if TYPE_CHECKING:
    from ..score.model import Sequence
    from .workspace import Workspace

__all__ = ["LOCK_VERSION", "read_lock", "write_lock", "build_lock", "current_files", "sequence_contract"]

LOCK_VERSION = 1


def read_lock(path: Path) -> dict[str, Any] | None:
    """The lock, or None when there is none; ValueError naming the file when it is damaged."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}); approve again with pytest --symphony-approve") from None
    if (
        not isinstance(data, dict)
        or data.get("lock_version") != LOCK_VERSION
        or not isinstance(data.get("files"), dict)
    ):
        raise ValueError(
            f"{path}: not a symphony.lock of version {LOCK_VERSION}; approve again with pytest --symphony-approve"
        )
    return data


def write_lock(path: Path, data: dict[str, Any]) -> bool:
    """Write atomically; returns whether the bytes changed."""
    path = Path(path)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".symphony-lock-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def current_files(ws: Workspace) -> dict[str, str]:
    """Relative path -> SHA-256 of every project spec and handler module."""
    out: dict[str, str] = {}
    for spec in ws.specs:
        if not spec.builtin:
            out[spec.rel] = content_hash(spec.path.read_bytes())
    for py in ws.python:
        if py.builtin or py.rel.startswith("/"):
            continue
        has_handlers = py.scan is not None and any(f["handler"] for f in py.scan.functions)
        if "handler" in py.roles or has_handlers:
            out[py.rel] = content_hash(py.path.read_bytes())
    return out


def sequence_contract(seq: Sequence, ws: Workspace) -> dict[str, Any]:
    """What other sequences, scenarios and history rely on: ids, events, handler signatures."""
    handlers: dict[str, list[str]] = {}
    for beat in seq.beats:
        for ref in beat.handlers:
            d = ws.handlers.resolve(ref)
            if d is not None and d.facts is not None:
                handlers[ref.display] = d.required
    events = set(seq.events or ()) | {b.event for b in seq.beats if isinstance(b.event, str)}
    return {
        "version": seq.version,
        "movements": [m.slug for m in seq.movements],
        "beats": [f"{m.slug}/{b.slug}" for m in seq.movements for b in m.beats],
        "events": sorted(e for e in events if isinstance(e, str)),
        "handlers": dict(sorted(handlers.items())),
    }


def build_lock(ws: Workspace) -> dict[str, Any]:
    sequences = {}
    for spec in ws.loaded():
        if not spec.builtin and spec.sequence.id not in sequences:
            sequences[spec.sequence.id] = sequence_contract(spec.sequence, ws)
    return {
        "lock_version": LOCK_VERSION,
        "generator": f"pytest-symphony {__version__}",
        "files": dict(sorted(current_files(ws).items())),
        "sequences": dict(sorted(sequences.items())),
    }
