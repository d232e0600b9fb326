"""Writing generated files safely: atomic replacement, canonical JSON, paths shown relative to a root."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..atomic import write_atomic as _write_atomic

__all__ = ["canonical_json", "sha256_text", "write_atomic", "write_json"]


def write_atomic(path: Path | str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path``: old bytes or new bytes, never half (the one atomic writer)."""
    path = Path(path)
    _write_atomic(path, text.encode("utf-8"), mode=0o644)
    return path


def canonical_json(data: Any) -> str:
    """One spelling for one value: sorted keys, two-space indent, UTF-8, a final newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n"


def write_json(path: Path | str, data: Any) -> str:
    """Write ``data`` as canonical JSON atomically; returns the SHA-256 of what was written."""
    text = canonical_json(data)
    write_atomic(path, text)
    return sha256_text(text)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
