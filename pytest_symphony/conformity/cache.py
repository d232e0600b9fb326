"""Scan results cached by content: ``<symphony dir>/cache/conformity/<key>/<hash>.json``.

``key`` names the engine version and the Python checks that ran, so a result is only
reused when the same code would produce it again; the file's SHA-256 names the entry,
so an edited file is simply a new entry (old ones are pruned when a key changes).
Entries are written through a temporary file and ``os.replace``: a reader sees a whole
entry or none.  A cache that cannot be read or written only costs speed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .syntax import FileScan

__all__ = ["ScanCache", "content_hash"]


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ScanCache:
    def __init__(self, symphony_dir: Path, key: str) -> None:
        self.base = Path(symphony_dir) / "cache" / "conformity"
        self.dir = self.base / key
        self.key = key
        self.hits = 0
        self.misses = 0
        self._pruned = False

    def _entry(self, digest: str) -> Path:
        return self.dir / digest[:2] / f"{digest}.json"

    def get(self, digest: str) -> FileScan | None:
        try:
            with open(self._entry(digest), encoding="utf-8") as f:
                scan = FileScan.from_dict(json.load(f))
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return scan

    def put(self, digest: str, scan: FileScan) -> None:
        path = self._entry(digest)
        try:
            self._prune_other_keys()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(scan.to_dict(), f, separators=(",", ":"))
            os.replace(tmp, path)
        except OSError:
            pass

    def _prune_other_keys(self) -> None:
        """Entries of other engine versions or check sets will never be read again."""
        if self._pruned:
            return
        self._pruned = True
        try:
            for child in self.base.iterdir():
                if child.is_dir() and child.name != self.key:
                    shutil.rmtree(child, ignore_errors=True)
        except OSError:
            pass
