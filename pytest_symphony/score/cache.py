"""One parse per spec text, one load per spec file: what every reader of a session shares.

Collection, the BDD links, the conformity engine, the fixer and the build each read the
same spec files.  They share what the score makes of them, keyed by content: a parse by
the format and the SHA-256 of the text, a load by the file's absolute path and the
SHA-256 of its bytes.  A key names exactly the bytes it was made from, so an entry is
never stale: a file that changed is a new key (the fixer's edited text is parsed once,
by its proof, and that parse is what the re-check reads).

What is shared is never changed by its readers (the model is frozen; remediation copies
data before it changes it).  Entries are dropped oldest first beyond a budget of source
text, and all at once by :func:`clear` (for the session's end: entries are never stale,
only memory).  :func:`stats` counts the parses actually run, for tests and benchmarks.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

__all__ = ["BUDGET", "clear", "digest", "forget", "keep_documents", "keeps_documents", "loads", "parses", "stats"]

#: Source text (in characters or bytes) whose results each cache keeps at most.
BUDGET = 64 * 1024 * 1024

T = TypeVar("T")


def digest(data: bytes | str) -> str:
    """The SHA-256 of ``data`` (text as UTF-8), in hex."""
    return hashlib.sha256(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data).hexdigest()


class ContentCache:
    """A least-recently-used map from content keys to results, bounded by source size."""

    def __init__(self, budget: int = BUDGET) -> None:
        self.budget = budget
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, make: Callable[[], T], weight: int) -> T:
        """The result for ``key``, made by ``make()`` (outside the lock) on a miss."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                hit: T = found[0]
                return hit
            self.misses += 1
        value = make()
        if weight <= self.budget:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = (value, weight)
                    self._weight += weight
                while self._weight > self.budget:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self._weight -= dropped
        return value

    def discard(self, key: Hashable) -> None:
        """Forget one entry (its holders keep what they hold)."""
        with self._lock:
            found = self._entries.pop(key, None)
            if found is not None:
                self._weight -= found[1]

    def clear(self) -> None:
        self.drop()
        self.hits = self.misses = 0

    def drop(self) -> None:
        """Forget the entries, keep the counts."""
        with self._lock:
            self._entries.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._entries)


#: Parses, by (format, strict, text SHA-256).
parses = ContentCache()
#: Loaded spec files, by (absolute path, bytes SHA-256).
loads = ContentCache()


_keep_documents = False


def keep_documents(keep: bool = True) -> None:
    """Whether loads hold their positioned documents (``raw``) for the session.

    A session whose checker reads every spec's raw mappings keeps them (one parse each);
    any other lets them go once the model is built, and a late reader parses the text
    again (:mod:`.documents`).  Reset by :func:`clear` and :func:`forget`.
    """
    global _keep_documents
    _keep_documents = keep


def keeps_documents() -> bool:
    return _keep_documents


def clear() -> None:
    """Forget every parse and load (a session ends; nothing it read is needed again)."""
    parses.clear()
    loads.clear()
    keep_documents(False)


def forget() -> None:
    """Free every parse and load, keeping the counts: a session ends (IDEs and pytester run many in one process)."""
    parses.drop()
    loads.drop()
    keep_documents(False)


def stats() -> dict[str, int]:
    """Parses run (misses) and reused (hits), loads likewise, since the last :func:`clear`."""
    return {"parses": parses.misses, "parse_hits": parses.hits, "loads": loads.misses, "load_hits": loads.hits}
