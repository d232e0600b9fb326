"""Writing a file so that it is always either its old bytes or its new bytes.

The new bytes go to a temporary file beside the target (same folder, so the same file
system), are flushed and ``fsync``-ed, take the target's permission bits, and replace
the target with :func:`os.replace` (an atomic rename on POSIX and Windows).  The folder
is ``fsync``-ed afterwards so the rename itself survives a power cut.  A process killed
at any instant leaves the target whole; at worst a temporary file named
``.<name>.symphony-tmp-<pid>-<token>`` stays behind, which :func:`remove_stale_temps`
clears on the next run (no engine ever reads it: its name ends in no spec, Python or
feature suffix).

Text is read and written as bytes: a UTF-8 byte order mark and the file's own line
endings come back exactly as they were.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Iterable

__all__ = [
    "TEMP_MARK",
    "Text",
    "read_text",
    "sha256_bytes",
    "write_atomic",
    "remove_atomic",
    "fsync_dir",
    "remove_stale_temps",
]

TEMP_MARK = ".symphony-tmp-"
_BOM = b"\xef\xbb\xbf"


class Text(str):
    """A file's decoded text that remembers whether it began with a byte order mark."""

    bom: bool = False

    def __new__(cls, value: str, bom: bool = False) -> "Text":
        obj = super().__new__(cls, value)
        obj.bom = bom
        return obj

    def encoded(self, text: str | None = None) -> bytes:
        """``text`` (default: this text) as UTF-8 bytes, with the byte order mark if this had one."""
        data = (self if text is None else text).encode("utf-8")
        return _BOM + data if self.bom else data


def read_text(path: Path) -> Text | None:
    """The file's text (UTF-8, BOM remembered), or None when there is no such file."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    bom = data.startswith(_BOM)
    return Text(data[3:].decode("utf-8") if bom else data.decode("utf-8"), bom)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new name in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows: folders cannot be opened; renames there are durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int | None = None, durable: bool = True) -> list[Path]:
    """Replace ``path`` with ``data`` atomically; returns the folders this created.

    ``mode``: permission bits for a new file (default: those of the file replaced, else
    0o644).  ``durable``: fsync the data and the folder (off only for throwaway copies).
    """
    path = Path(path)
    created = _make_parents(path.parent)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    tmp = path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if durable:
        fsync_dir(path.parent)
    return created


def remove_atomic(path: Path) -> None:
    """Remove a file (a rename away first would not make this any more atomic: unlink is)."""
    try:
        Path(path).unlink()
    except FileNotFoundError:
        return
    fsync_dir(Path(path).parent)


def _make_parents(folder: Path) -> list[Path]:
    missing = []
    probe = Path(folder)
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for p in reversed(missing):
        p.mkdir(exist_ok=True)
    return list(reversed(missing))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temps(folders: Iterable[Path]) -> list[Path]:
    """Delete temporary files a killed run left in ``folders`` (not those of live processes)."""
    removed = []
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if TEMP_MARK not in name or not name.startswith("."):
                continue
            pid_text = name.rsplit(TEMP_MARK, 1)[1].split("-", 1)[0]
            if pid_text.isdigit() and not _alive(int(pid_text)):
                try:
                    os.unlink(Path(folder) / name)
                    removed.append(Path(folder) / name)
                except OSError:
                    pass
    return removed
