"""Writing generated files safely: atomic replacement, canonical JSON, paths shown relative to a root."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["canonical_json", "display_path", "sha256_text", "write_atomic", "write_json"]


def write_atomic(path: Path | str, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and :func:`os.replace`.

    A reader never sees half a file, and an interrupted write leaves the old one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
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


def display_path(path: Path | str, root: Path | str) -> str:
    """``path`` relative to ``root`` in POSIX form when it lies inside it, else absolute."""
    path = Path(path).resolve()
    try:
        return path.relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return path.as_posix()
