"""Snapshots: the files a fixing phase may touch, copied before it touches them.

A snapshot is a folder ``<symphony dir>/snapshots/<id>/``::

    manifest.json   id, run, phase, state (open, kept, restored), and per file: whether it
                    existed, the SHA-256 of its bytes before, and (once kept) after
    journal.jsonl   one line per write the phase made: path and SHA-256 of the new bytes
    files/<path>    the bytes of every file that existed, at its path under the rootdir

A copy is written (and fsync-ed) before its original is first written, and every write
is journaled before it happens, so a run killed at any instant leaves a snapshot that
restores every file: a file then holds either its old bytes or bytes the journal names.
Restoring refuses a file that holds anything else (a person edited it since): it never
overwrites work it did not make.  A manifest is data, not trust: restoring refuses one
that names a path outside the rootdir (absolute, ``..``, or through a link) or whose
copies do not hash as it says, before touching any file.

Ids are ``<run id>-<phase number>-<phase>`` and sort by time.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from ..atomic import remove_atomic, sha256_bytes, write_atomic
from ..errors import SymphonyError
from ..stamps import utc_now

__all__ = [
    "Snapshot",
    "SnapshotEntry",
    "RollbackError",
    "list_snapshots",
    "find_snapshots",
    "prune_snapshots",
    "restore_in_order",
    "SNAPSHOTS_DIR",
]

SNAPSHOTS_DIR = "snapshots"
MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
OPEN, KEPT, RESTORED = "open", "kept", "restored"
SCHEMA = 1


class RollbackError(SymphonyError):
    """A snapshot cannot be restored (unknown id, or files changed since the fix)."""


def _safe_rel(rel: str) -> str:
    if not isinstance(rel, str):
        raise ValueError(f"{rel!r}: only files inside the rootdir are snapshotted")
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        raise ValueError(f"{rel}: only files inside the rootdir are snapshotted")
    return p.as_posix()


def _confined(root: Path, rel: str) -> Path:
    """``root / rel`` for a safe ``rel`` whose folders do not lead out of ``root`` through a link."""
    target = Path(root) / _safe_rel(rel)
    real_root = Path(root).resolve()
    parent = target.parent.resolve()
    if parent != real_root and real_root not in parent.parents:
        raise ValueError(f"{rel}: its folder leads out of the rootdir (to {parent})")
    return target


@dataclass
class SnapshotEntry:
    path: str
    existed: bool
    sha256: str | None
    size: int = 0
    after: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "existed": self.existed,
            "sha256": self.sha256,
            "size": self.size,
            "after": self.after,
        }


@dataclass
class Snapshot:
    id: str
    folder: Path
    root: Path
    run_id: str
    phase: str
    created: str
    state: str = OPEN
    reason: str | None = None
    files: dict[str, SnapshotEntry] = field(default_factory=dict)
    created_dirs: list[str] = field(default_factory=list)

    # -- making ----------------------------------------------------------------------------
    @classmethod
    def create(cls, snapshots_dir: Path, root: Path, *, run_id: str, phase: str, number: int) -> "Snapshot":
        sid = f"{run_id}-{number}-{phase}"
        folder = Path(snapshots_dir) / sid
        n = 1
        while folder.exists():  # a second fixing pass of one run
            n += 1
            folder = Path(snapshots_dir) / f"{sid}.{n}"
        folder.mkdir(parents=True)
        snap = cls(folder.name, folder, Path(root), run_id, phase, utc_now())
        snap._save()
        return snap

    def add(self, paths: Iterable[str]) -> list[str]:
        """Copy the files not held yet (a missing file is recorded as missing); returns those added."""
        added = []
        for rel in paths:
            source = _confined(self.root, rel)
            rel = _safe_rel(rel)
            if rel in self.files:
                continue
            try:
                data = source.read_bytes()
            except FileNotFoundError:
                self.files[rel] = SnapshotEntry(rel, False, None)
            else:
                write_atomic(self.folder / "files" / rel, data)
                self.files[rel] = SnapshotEntry(rel, True, sha256_bytes(data), len(data))
            added.append(rel)
        if added:
            self._save()
        return added

    def holds(self, rel: str) -> bool:
        return rel in self.files

    def journal(self, rel: str, data: bytes | None) -> None:
        """Record, durably, the bytes about to be written to ``rel`` (None: about to be removed)."""
        line = json.dumps({"path": rel, "sha256": None if data is None else sha256_bytes(data)}) + "\n"
        with open(self.folder / JOURNAL, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def note_dirs(self, dirs: Iterable[Path]) -> None:
        new = [Path(d).resolve().relative_to(self.root.resolve()).as_posix() for d in dirs]
        new = [d for d in new if d not in self.created_dirs]
        if new:
            self.created_dirs += new
            self._save()

    def keep(self) -> None:
        for entry in self.files.values():
            path = self.root / entry.path
            entry.after = sha256_bytes(path.read_bytes()) if path.is_file() else None
        self.state = KEPT
        self._save()

    # -- restoring ---------------------------------------------------------------------------
    def written(self) -> dict[str, set[str | None]]:
        """Path -> SHA-256 of every content the journal says was written there."""
        out: dict[str, set[str | None]] = {}
        try:
            lines = (self.folder / JOURNAL).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return out
        for line in lines:
            try:
                row = json.loads(line)
            except ValueError:  # a line cut short by a kill: that write never happened
                continue
            out.setdefault(row["path"], set()).add(row["sha256"])
        return out

    def conflicts(self, expected: dict[str, str | None] | None = None) -> list[str]:
        """Files holding content this snapshot's phase did not write (edited since).

        ``expected``: path -> the hash a file will hold when this snapshot's turn comes
        (a later phase restored first puts back what this phase wrote); default: now.
        """
        written = self.written()
        out = []
        for entry in self.files.values():
            current = expected[entry.path] if expected and entry.path in expected else self._current(entry.path)
            allowed = {entry.sha256}
            allowed |= {entry.after} if self.state == KEPT else written.get(entry.path, set())
            if current not in allowed:
                out.append(entry.path)
        return out

    def _current(self, rel: str) -> str | None:
        path = self.root / rel
        return sha256_bytes(path.read_bytes()) if path.is_file() else None

    def verify(self) -> None:
        """Refuse (RollbackError) a snapshot that names a place outside the rootdir, or whose
        copies are not the bytes its manifest hashed: before anything is touched."""
        problems = []
        for entry in self.files.values():
            try:
                _confined(self.root, entry.path)
                copy = _confined(self.folder / "files", entry.path) if entry.existed else None
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if copy is not None:
                try:
                    data = copy.read_bytes()
                except OSError:
                    problems.append(f"{entry.path}: its copy {copy} is missing")
                    continue
                if sha256_bytes(data) != entry.sha256:
                    problems.append(f"{entry.path}: its copy does not have the SHA-256 the manifest records")
        for rel in self.created_dirs:
            try:
                _confined(self.root, rel)
            except ValueError as exc:
                problems.append(f"created folder {exc}")
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise RollbackError(
                f"snapshot {self.id}: {self.folder / MANIFEST} cannot be trusted, so nothing was restored: {shown}"
            )

    def restore(self, reason: str, *, check: bool = False) -> list[str]:
        """Put every file back as it was; returns the files that changed.  ``check``: refuse
        (RollbackError) when a file was edited since.  A manifest that names a place
        outside the rootdir, or copies that do not match it, are refused first."""
        self.verify()
        if check:
            bad = self.conflicts()
            if bad:
                raise RollbackError(
                    f"snapshot {self.id}: {len(bad)} file(s) changed since the fix and would lose that work: "
                    + ", ".join(bad)
                    + f"; restore them by hand from {self.folder / 'files'} if you mean it"
                )
        changed = []
        written = self.written()
        for entry in self.files.values():
            target = self.root / entry.path
            current = self._current(entry.path)
            if current == entry.sha256:
                continue
            ours = written.get(entry.path, set()) | ({entry.after} if self.state == KEPT else set())
            if current not in ours:
                continue  # a person's work, not the phase's: never overwritten
            if entry.existed:
                write_atomic(target, (self.folder / "files" / entry.path).read_bytes())
            else:
                remove_atomic(target)
            changed.append(entry.path)
        for rel in reversed(self.created_dirs):
            try:
                (self.root / rel).rmdir()  # only when empty
            except OSError:
                pass
        self.state = RESTORED
        self.reason = reason
        self._save()
        return changed

    def undo(self, reason: str) -> list[str]:
        """Put every file back and stay open: the phase tries again without some of its fixes."""
        changed = self.restore(reason)
        self.state, self.reason = OPEN, None
        self._save()
        return changed

    # -- storage ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "id": self.id,
            "run_id": self.run_id,
            "phase": self.phase,
            "created": self.created,
            "state": self.state,
            "reason": self.reason,
            "root": str(self.root),
            "files": [e.to_dict() for e in self.files.values()],
            "created_dirs": self.created_dirs,
        }

    def _save(self) -> None:
        data = json.dumps(self.to_dict(), indent=2) + "\n"
        write_atomic(self.folder / MANIFEST, data.encode("utf-8"))

    @classmethod
    def load(cls, folder: Path, root: Path | None = None) -> "Snapshot":
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA:
            raise RollbackError(f"{folder / MANIFEST}: not a snapshot manifest of schema {SCHEMA}")
        snap = cls(
            data["id"],
            Path(folder),
            Path(root or data["root"]),
            data["run_id"],
            data["phase"],
            data["created"],
            data["state"],
            data.get("reason"),
        )
        for row in data["files"]:
            snap.files[row["path"]] = SnapshotEntry(
                row["path"], row["existed"], row["sha256"], row.get("size", 0), row.get("after")
            )
        snap.created_dirs = list(data.get("created_dirs", []))
        return snap


def restore_in_order(chosen: list[Snapshot], reason: str) -> list[tuple[Snapshot, list[str]]]:
    """Restore ``chosen`` (last phase first); refuse, changing nothing, if any file was
    edited since the fix (:class:`RollbackError` names them)."""
    for snap in chosen:  # every manifest is confined and every copy matches, before any file is touched
        snap.verify()
    expected: dict[str, str | None] = {}
    for snap in chosen:
        bad = snap.conflicts(expected)
        if bad:
            raise RollbackError(
                f"snapshot {snap.id}: {len(bad)} file(s) changed since the fix and would lose that work: "
                + ", ".join(bad)
                + f"; nothing was restored (the copies are in {snap.folder / 'files'})"
            )
        expected.update({e.path: e.sha256 for e in snap.files.values()})
    return [(snap, snap.restore(reason)) for snap in chosen]


def list_snapshots(snapshots_dir: Path, root: Path | None = None) -> list[Snapshot]:
    """Every readable snapshot, oldest first."""
    out: list[Snapshot] = []
    folder = Path(snapshots_dir)
    if not folder.is_dir():
        return out
    for child in sorted(folder.iterdir()):
        if (child / MANIFEST).is_file():
            try:
                out.append(Snapshot.load(child, root))
            except (OSError, ValueError, KeyError, TypeError, RollbackError):
                continue
    return sorted(out, key=lambda s: (s.run_id, s.id))


def find_snapshots(snapshots_dir: Path, root: Path, which: str | None) -> list[Snapshot]:
    """The snapshots ``--symphony-rollback[=<id>]`` restores, in restoring order (last phase first).

    No id: every snapshot of the last run that made one and is not restored yet.  A run id:
    its snapshots.  A snapshot id: that one.
    """
    every = list_snapshots(snapshots_dir, root)
    if not every:
        raise RollbackError(f"no snapshots under {snapshots_dir}: nothing to roll back")
    if which in (None, "", "last"):
        live = [s for s in every if s.state != RESTORED and s.files]
        if not live:
            raise RollbackError(f"every snapshot under {snapshots_dir} is already restored: nothing to roll back")
        run = live[-1].run_id
        chosen = [s for s in live if s.run_id == run]
    else:
        chosen = [s for s in every if s.id == which] or [s for s in every if s.run_id == which and s.state != RESTORED]
        if not chosen:
            ids = ", ".join(s.id for s in every[-10:])
            raise RollbackError(f"no snapshot or run '{which}' under {snapshots_dir}; the latest are: {ids}")
    return sorted(chosen, key=lambda s: s.id, reverse=True)


def prune_snapshots(snapshots_dir: Path, keep_runs: int = 10) -> list[str]:
    """Remove the snapshots of all but the ``keep_runs`` most recent runs; returns removed ids."""
    every = list_snapshots(snapshots_dir)
    runs = sorted({s.run_id for s in every})
    old = set(runs[:-keep_runs]) if keep_runs > 0 else set(runs)
    removed = []
    for s in every:
        if s.run_id in old:
            shutil.rmtree(s.folder, ignore_errors=True)
            removed.append(s.id)
    return removed
