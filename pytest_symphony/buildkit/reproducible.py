"""Reproducible builds: ``SOURCE_DATE_EPOCH`` from the commit, and comparing two builds of one commit.

Backends that honour ``SOURCE_DATE_EPOCH`` (wheel builders, flit_core's sdists) write
byte-identical archives for one commit.  setuptools' sdists keep the files' own times and
a gzip time stamp, so two of them hold the same files but differ in bytes: that is
recorded as "same files, not byte-identical", and is not a failure; any other difference
is.
"""

from __future__ import annotations

import os
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from pytest_symphony.errors import SymphonyError

from .context import _git

__all__ = ["Comparison", "NotReproducible", "SOURCE_DATE_EPOCH", "compare_builds", "source_date_epoch"]

SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


class NotReproducible(SymphonyError):
    """A second build of the same commit gave different artifacts."""


@dataclass(frozen=True)
class Comparison:
    name: str  #: the artifact's file name
    identical: bool  #: byte for byte
    same_files: bool  #: the same members with the same content and modes (times may differ)
    detail: str  #: what differs, for the manifest and the failure message

    @property
    def acceptable(self) -> bool:
        """Byte-identical, or an sdist whose only differences are time stamps."""
        return self.identical or (self.same_files and self.name.endswith(".tar.gz"))


def source_date_epoch(root: Path, environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(value, where it came from)``: the user's ``SOURCE_DATE_EPOCH``, else the commit time of HEAD.

    ``None`` outside a git work tree with commits (and without the variable).
    """
    environ = os.environ if environ is None else environ
    value = (environ.get(SOURCE_DATE_EPOCH) or "").strip()
    if value:
        return value, "the environment"
    stamp = _git(Path(root), "log", "-1", "--format=%ct", "HEAD")
    if stamp and stamp.isdigit():
        return stamp, "the time of the last commit"
    return None


#: member name -> what is compared of it (zip: attributes, bytes; tar: type, mode, bytes or link target)
Members = dict[str, tuple[object, ...]]


def _zip_members(path: Path) -> Members:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: (i.external_attr, zf.read(i)) for i in zf.infolist()}


def _tar_members(path: Path) -> Members:
    out: Members = {}
    with tarfile.open(path, "r:gz") as tf:
        for m in tf:
            fh = tf.extractfile(m) if m.isfile() else None
            out[m.name] = (m.type, m.mode, fh.read() if fh is not None else m.linkname)
    return out


def compare_builds(first: Path, second: Path) -> Comparison:
    """How two builds of one artifact differ (``second`` from a rebuild of the same sources)."""
    first, second = Path(first), Path(second)
    name = first.name
    if first.read_bytes() == second.read_bytes():
        return Comparison(name, True, True, "byte-identical")
    try:
        read = _zip_members if name.endswith(".whl") else _tar_members
        a, b = read(first), read(second)
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        return Comparison(name, False, False, f"cannot be compared: {exc}")
    if a == b:
        return Comparison(name, False, True, "the same files; archive time stamps differ")
    only = sorted(set(a) ^ set(b))
    if only:
        return Comparison(name, False, False, f"member {only[0]} is in one build only")
    # a file of the package before the RECORD that lists it: the cause before its echo
    changed = next(m for m in sorted(a, key=lambda m: (m.endswith("/RECORD"), m)) if a[m] != b[m])
    return Comparison(name, False, False, f"member {changed} differs between the two builds")
