"""Artifacts: collecting, hashing, verifying wheels and sdists, and the artifact manifest.

Verification only reads archives; nothing is ever extracted to disk.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import tarfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from ..toml import tomllib
from .files import write_atomic
from .packaging import BuildResult
from .workspace import Package

__all__ = [
    "MANIFEST_SCHEMA",
    "artifact_info",
    "artifact_kind",
    "collect_artifacts",
    "parse_artifact_filename",
    "sha256_file",
    "verify_artifact",
    "verify_sdist",
    "verify_wheel",
    "write_artifact_manifest",
]

MANIFEST_SCHEMA = 1
_CHUNK = 1 << 20
#: Hash algorithms a RECORD may use (the wheel spec forbids md5 and sha1).
_RECORD_ALGORITHMS = frozenset({"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s"})


def artifact_kind(path: Path | str) -> str | None:
    """``"wheel"``, ``"sdist"`` or ``None`` from the file name."""
    name = Path(path).name
    if name.endswith(".whl"):
        return "wheel"
    if name.endswith(".tar.gz"):
        return "sdist"
    return None


def parse_artifact_filename(path: Path | str) -> tuple[str, str, str]:
    """(normalized name, version, kind) of a wheel or sdist file name.

    Uses :mod:`packaging.utils`; names it rejects (legacy, non-normalized ones) fall
    back to splitting at the last ``-`` (sdist) or the first two fields (wheel).
    Raises :class:`ValueError` for anything that is neither.
    """
    name = Path(path).name
    kind = artifact_kind(name)
    try:
        if kind == "wheel":
            dist, version, _build, _tags = parse_wheel_filename(name)
            return str(dist), str(version), kind
        if kind == "sdist":
            dist, version = parse_sdist_filename(name)
            return str(dist), str(version), kind
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        pass
    if kind == "wheel":
        parts = name[: -len(".whl")].split("-")
        if len(parts) in (5, 6) and all(parts):
            return canonicalize_name(parts[0]), parts[1], kind
    elif kind == "sdist":
        stem = name[: -len(".tar.gz")]
        stem_name, sep, stem_version = stem.rpartition("-")
        if sep and stem_name and stem_version:
            return canonicalize_name(stem_name), stem_version, kind
    raise ValueError(f"{name}: not a wheel or sdist file name")


def sha256_file(path: Path | str) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _artifacts_in(directory: Path, name: str | None) -> list[Path]:
    if not directory.is_dir():
        return []
    found = []
    for entry in directory.iterdir():
        if not entry.is_file() or artifact_kind(entry) is None:
            continue
        if name is not None:
            try:
                if parse_artifact_filename(entry)[0] != name:
                    continue
            except ValueError:
                continue
        found.append(entry)
    return found


def collect_artifacts(items: Iterable[Package | BuildResult], *, since: float | None = None) -> list[Path]:
    """Every ``.whl`` and ``.tar.gz`` of the given packages, sorted and without duplicates.

    For a :class:`BuildResult` exactly the files that build produced.  For a
    :class:`Package` the artifacts of that package (by file name) in its ``dist/``:
    all of them, or with ``since`` (epoch seconds, e.g. the run's start) only those
    written at or after it.
    """
    seen: dict[Path, None] = {}
    since_ns = None if since is None else int(since * 1e9) - 50_000_000  # coarse fs clocks
    for item in items:
        if isinstance(item, BuildResult):
            paths = [f for f in item.files if artifact_kind(f) and f.is_file()]
        else:
            paths = _artifacts_in(item.dist_dir, item.name)
            if since_ns is not None:
                paths = [p for p in paths if p.stat().st_mtime_ns >= since_ns]
        for p in paths:
            seen[p.resolve()] = None
    return sorted(seen)


def _b64_digest(algorithm: str, data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.new(algorithm, data).digest()).rstrip(b"=").decode("ascii")


def _unsafe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return name.startswith(("/", "\\")) or ".." in p.parts or (len(name) > 1 and name[1] == ":")


def verify_wheel(path: Path | str) -> list[str]:
    """Problems with a wheel's RECORD; an empty list means every file matches it.

    Checks: the zip opens and its CRCs hold; there is one ``*.dist-info/RECORD``; every
    RECORD row names a file in the archive with the right size and hash (urlsafe base64
    without padding); every archive file is listed; no member path escapes the archive.
    """
    path = Path(path)
    label = path.name
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"{label}: not a readable zip archive: {exc}"]
    with zf:
        members = {info.filename: info for info in zf.infolist() if not info.is_dir()}
        for name in members:
            if _unsafe_member(name):
                problems.append(f"{label}: {name}: unsafe member path")
        records = [n for n in members if n.count("/") == 1 and n.endswith(".dist-info/RECORD")]
        if len(records) != 1:
            problems.append(f"{label}: expected one top-level *.dist-info/RECORD, found {len(records)}")
            return problems
        dist_info = records[0].rsplit("/", 1)[0]
        try:
            expected_name = parse_artifact_filename(path)[0]
            info_name = canonicalize_name(dist_info[: -len(".dist-info")].rsplit("-", 1)[0])
            if info_name != expected_name:
                problems.append(f"{label}: {dist_info} does not match the file name's project {expected_name!r}")
        except ValueError as exc:
            problems.append(str(exc))
        problems += _record_problems(zf, label, dist_info, set(members))
    return problems


def _record_problems(zf: zipfile.ZipFile, label: str, dist_info: str, members: set[str]) -> list[str]:
    """What the wheel's ``<dist_info>/RECORD`` gets wrong about the archive's ``members``."""
    record_name = f"{dist_info}/RECORD"
    try:
        record_text = zf.read(record_name).decode("utf-8")
    except (zipfile.BadZipFile, UnicodeDecodeError, OSError) as exc:
        return [f"{label}: {record_name}: unreadable: {exc}"]
    problems: list[str] = []
    unsigned = {record_name, f"{dist_info}/RECORD.jws", f"{dist_info}/RECORD.p7s"}
    listed: set[str] = set()
    for lineno, row in enumerate(csv.reader(io.StringIO(record_text)), start=1):
        if not row:
            continue
        if len(row) != 3:
            problems.append(f"{label}: {record_name}:{lineno}: expected 3 fields, got {len(row)}")
            continue
        member, hash_field, size_field = row
        if member in listed:
            problems.append(f"{label}: {member}: listed twice in RECORD")
        listed.add(member)
        if member not in members:
            problems.append(f"{label}: {member}: listed in RECORD but missing from the archive")
            continue
        if member in unsigned and not hash_field:
            continue
        try:
            data = zf.read(member)  # also checks the zip CRC
        except (zipfile.BadZipFile, OSError) as exc:
            problems.append(f"{label}: {member}: unreadable: {exc}")
            continue
        problems += _record_row_problems(
            f"{label}: {member}", hash_field, size_field, data, signature=member in unsigned
        )
    for member in sorted(members - listed - unsigned):
        problems.append(f"{label}: {member}: in the archive but not listed in RECORD")
    return problems


def _record_row_problems(where: str, hash_field: str, size_field: str, data: bytes, *, signature: bool) -> list[str]:
    """What one RECORD row gets wrong about its file: hash (urlsafe base64, no padding) and size."""
    problems = []
    if not hash_field:
        problems.append(f"{where}: no hash in RECORD")
    else:
        algorithm, sep, expected = hash_field.partition("=")
        if not sep or algorithm not in _RECORD_ALGORITHMS:
            problems.append(f"{where}: unsupported RECORD hash {hash_field!r}")
        else:
            actual = _b64_digest(algorithm, data)
            if actual != expected:
                problems.append(f"{where}: hash mismatch (RECORD {algorithm}={expected}, archive {algorithm}={actual})")
    if size_field:
        if not size_field.isdigit():
            problems.append(f"{where}: bad size {size_field!r} in RECORD")
        elif int(size_field) != len(data):
            problems.append(f"{where}: size mismatch (RECORD {size_field}, archive {len(data)})")
    elif not signature:
        problems.append(f"{where}: no size in RECORD")
    return problems


def _link_escapes(member: tarfile.TarInfo, parts: tuple[str, ...]) -> bool:
    """A symlink or hard link whose target lies outside the sdist's top directory."""
    target = member.linkname
    base = PurePosixPath(member.name).parent if member.issym() else PurePosixPath()
    resolved = os.path.normpath(str(base / target))
    return target.startswith("/") or resolved.startswith("..") or bool(parts and resolved.split("/")[0] != parts[0])


def _read_member(tf: tarfile.TarFile, member: tarfile.TarInfo, *, keep: bool) -> bytes | None:
    """Read a member whole (so corruption shows); its bytes when ``keep``, else None."""
    fh = tf.extractfile(member)
    assert fh is not None
    chunks = []
    while chunk := fh.read(_CHUNK):
        if keep:
            chunks.append(chunk)
    return b"".join(chunks) if keep else None


def verify_sdist(path: Path | str) -> list[str]:
    """Problems with an sdist; an empty list means it is sound.

    Reads every member (so gzip and tar corruption show up) without extracting
    anything, and checks: one top-level directory, named like the file; no member or
    link escapes it; no device or fifo members; ``pyproject.toml`` and ``PKG-INFO`` at
    its top, the former valid TOML.
    """
    path = Path(path)
    label = path.name
    problems: list[str] = []
    stem = label[: -len(".tar.gz")] if label.endswith(".tar.gz") else None
    tops: set[str] = set()
    files: dict[str, bytes | None] = {}
    try:
        with tarfile.open(path, "r:gz") as tf:
            for member in tf:
                name = member.name
                if _unsafe_member(name):
                    problems.append(f"{label}: {name}: unsafe member path")
                    continue
                parts = PurePosixPath(name).parts
                if parts and parts[0] != ".":
                    tops.add(parts[0])
                if member.issym() or member.islnk():
                    if _link_escapes(member, parts):
                        problems.append(f"{label}: {name}: link to {member.linkname!r} points outside the sdist")
                    continue
                if member.ischr() or member.isblk() or member.isfifo():
                    problems.append(f"{label}: {name}: device or fifo member")
                    continue
                if member.isfile():
                    keep = len(parts) == 2 and parts[1] in ("pyproject.toml", "PKG-INFO")
                    files[name] = _read_member(tf, member, keep=keep)
    except (OSError, tarfile.TarError, EOFError) as exc:
        problems.append(f"{label}: not a readable .tar.gz archive: {exc}")
        return problems
    if len(tops) != 1:
        problems.append(f"{label}: expected exactly one top-level directory, found {sorted(tops) or 'none'}")
        return problems
    top = next(iter(tops))
    if stem is not None and top != stem:
        problems.append(f"{label}: top-level directory {top!r} does not match the file name {stem!r}")
    pyproject = files.get(f"{top}/pyproject.toml")
    if pyproject is None:
        problems.append(f"{label}: {top}/pyproject.toml is missing")
    else:
        try:
            tomllib.loads(pyproject.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{label}: {top}/pyproject.toml is not valid TOML: {exc}")
    if f"{top}/PKG-INFO" not in files:
        problems.append(f"{label}: {top}/PKG-INFO is missing")
    return problems


def verify_artifact(path: Path | str) -> list[str]:
    """:func:`verify_wheel` or :func:`verify_sdist` by file name."""
    kind = artifact_kind(path)
    if kind == "wheel":
        return verify_wheel(path)
    if kind == "sdist":
        return verify_sdist(path)
    return [f"{Path(path).name}: not a wheel or sdist"]


def artifact_info(path: Path | str, *, relative_to: Path | None = None) -> dict[str, Any]:
    """One manifest entry: name, version, size, sha256, path, kind."""
    path = Path(path)
    name, version, kind = parse_artifact_filename(path)
    shown = path
    if relative_to is not None:
        shown = Path(os.path.relpath(path.resolve(), Path(relative_to).resolve()))
    return {
        "name": name,
        "version": version,
        "filename": path.name,
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
        "path": shown.as_posix(),
        "kind": kind,
    }


#: What the manifest says of an artifact whose build was not repeated.
NOT_CHECKED = "not checked: a --symphony-dynamic=ff build builds twice and compares"


def write_artifact_manifest(
    artifacts: Iterable[Path | str],
    commit: str | None,
    out_path: Path | str,
    *,
    reproducibility: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write ``artifact-manifest.json`` atomically; returns what was written.

    Paths in it are relative to the manifest's directory.  ``reproducibility`` maps file
    names to ``{"reproducible": bool, "detail": str}`` (from an ``ff`` build); the others
    are recorded with ``"reproducible": null``.  The file is written to a temporary file
    beside it and moved into place with :func:`os.replace`.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    checked = reproducibility or {}
    entries = []
    for artifact in artifacts:
        entry = artifact_info(artifact, relative_to=out_path.parent)
        found = checked.get(entry["filename"], {})
        entry["reproducible"] = found.get("reproducible")
        entry["reproducibility"] = found.get("detail", NOT_CHECKED)
        entries.append(entry)
    entries.sort(key=lambda e: (e["name"], e["version"], e["kind"], e["path"]))
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "commit": commit,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "artifacts": entries,
    }
    write_atomic(out_path, json.dumps(manifest, indent=2) + "\n")
    return manifest
