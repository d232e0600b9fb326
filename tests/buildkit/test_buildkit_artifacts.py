"""Artifacts of real builds: collection, hashes, wheel RECORD and sdist checks, the manifest."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from pytest_symphony.buildkit import (
    MANIFEST_SCHEMA,
    collect_artifacts,
    discover_packages,
    parse_artifact_filename,
    sha256_file,
    verify_artifact,
    verify_sdist,
    verify_wheel,
    write_artifact_manifest,
)


def _rewrite_zip(src: Path, dst: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = (replace or {}).get(info.filename, zin.read(info))
            zout.writestr(info, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)


def _make_tar(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tf.addfile(info)
    return path


def test_parse_artifact_filename():
    assert parse_artifact_filename("mid_lib-0.1.0-py3-none-any.whl") == ("mid-lib", "0.1.0", "wheel")
    assert parse_artifact_filename(Path("d/zeta_core-2.0rc1.tar.gz")) == ("zeta-core", "2.0rc1", "sdist")
    assert parse_artifact_filename("Legacy.Name-1.0.dev-x.tar.gz")[2] == "sdist"
    with pytest.raises(ValueError):
        parse_artifact_filename("notes.txt")


def test_collect_and_hash(built_chain, tmp_path: Path):
    results = built_chain["results"]
    from_results = collect_artifacts(results)
    assert len(from_results) == 6
    assert {p.suffix for p in from_results} == {".whl", ".gz"}
    pkgs = discover_packages(built_chain["root"])
    assert collect_artifacts(pkgs) == from_results
    assert collect_artifacts(pkgs, since=built_chain["run_started"]) == from_results
    for p in from_results:
        assert sha256_file(p) == hashlib.sha256(p.read_bytes()).hexdigest()


def test_collect_filters_other_names_and_older_files(tmp_path: Path, ws):
    ws.add_package(tmp_path, ".", "solo", "solo")
    (pkg,) = discover_packages(tmp_path)
    dist = tmp_path / "dist"
    dist.mkdir()
    old = dist / "solo-0.0.1.tar.gz"
    old.write_bytes(b"old")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    new = dist / "solo-0.1.0-py3-none-any.whl"
    new.write_bytes(b"new")
    (dist / "other-1.0.tar.gz").write_bytes(b"someone else's")
    (dist / "notes.txt").write_text("not an artifact")
    assert collect_artifacts([pkg]) == sorted([old.resolve(), new.resolve()])
    assert collect_artifacts([pkg], since=1_500_000_000) == [new.resolve()]


def test_real_wheels_and_sdists_verify(built_chain):
    for r in built_chain["results"]:
        assert verify_wheel(r.wheel) == []
        assert verify_sdist(r.sdist) == []
        assert verify_artifact(r.wheel) == [] and verify_artifact(r.sdist) == []


def test_tampered_wheel_fails_naming_the_file(built_chain, tmp_path: Path):
    wheel = next(r.wheel for r in built_chain["results"] if r.package.name == "mid-lib")
    tampered = tmp_path / wheel.name
    _rewrite_zip(wheel, tampered, replace={"mid_lib/__init__.py": b"VALUE = 'evil'\n"})
    problems = verify_wheel(tampered)
    assert any("mid_lib/__init__.py" in p and "hash mismatch" in p for p in problems), problems
    assert any("mid_lib/__init__.py" in p and "size mismatch" in p for p in problems), problems
    assert all(p.startswith(wheel.name) for p in problems)

    extra = tmp_path / "extra" / wheel.name
    extra.parent.mkdir()
    _rewrite_zip(wheel, extra, add={"mid_lib/backdoor.py": b"x = 1\n"})
    assert verify_wheel(extra) == [f"{wheel.name}: mid_lib/backdoor.py: in the archive but not listed in RECORD"]


def test_broken_wheels(built_chain, tmp_path: Path):
    wheel = built_chain["results"][0].wheel
    garbage = tmp_path / wheel.name
    garbage.write_bytes(b"not a zip")
    assert "not a readable zip" in verify_wheel(garbage)[0]
    truncated = tmp_path / "t" / wheel.name
    truncated.parent.mkdir()
    truncated.write_bytes(wheel.read_bytes()[: wheel.stat().st_size // 2])
    assert verify_wheel(truncated)
    with zipfile.ZipFile(wheel) as zf:
        record = next(n for n in zf.namelist() if n.endswith("/RECORD"))
        text = zf.read(record).decode()
    bad_record = tmp_path / "r" / wheel.name
    bad_record.parent.mkdir()
    _rewrite_zip(wheel, bad_record, replace={record: (text + "zeta_core/ghost.py,sha256=abc,3\n").encode()})
    assert any("zeta_core/ghost.py: listed in RECORD but missing" in p for p in verify_wheel(bad_record))


def test_sdist_problems(tmp_path: Path):
    ok = _make_tar(
        tmp_path / "good-1.0.tar.gz",
        {"good-1.0/pyproject.toml": b"[project]\nname='good'\n", "good-1.0/PKG-INFO": b"Metadata-Version: 2.1\n"},
    )
    assert verify_sdist(ok) == []
    two = _make_tar(
        tmp_path / "two-1.0.tar.gz", {"two-1.0/pyproject.toml": b"", "two-1.0/PKG-INFO": b"", "other/x": b""}
    )
    assert "exactly one top-level directory" in verify_sdist(two)[0]
    missing = _make_tar(tmp_path / "miss-1.0.tar.gz", {"miss-1.0/setup.py": b"", "miss-1.0/PKG-INFO": b""})
    assert verify_sdist(missing) == ["miss-1.0.tar.gz: miss-1.0/pyproject.toml is missing"]
    bad_toml = _make_tar(tmp_path / "bt-1.0.tar.gz", {"bt-1.0/pyproject.toml": b"[project\n", "bt-1.0/PKG-INFO": b""})
    assert "not valid TOML" in verify_sdist(bad_toml)[0]
    escape = _make_tar(
        tmp_path / "esc-1.0.tar.gz",
        {"esc-1.0/pyproject.toml": b"", "esc-1.0/PKG-INFO": b"", "../evil.txt": b"x"},
        links={"esc-1.0/link": "../../etc/passwd"},
    )
    problems = verify_sdist(escape)
    assert any("../evil.txt: unsafe member path" in p for p in problems)
    assert any("esc-1.0/link: link to '../../etc/passwd' points outside" in p for p in problems)
    assert not (tmp_path.parent / "evil.txt").exists()
    garbage = tmp_path / "junk-1.0.tar.gz"
    garbage.write_bytes(b"\x1f\x8b garbage")
    assert "not a readable .tar.gz" in verify_sdist(garbage)[0]


def test_truncated_real_sdist_fails(built_chain, tmp_path: Path):
    sdist = built_chain["results"][0].sdist
    cut = tmp_path / sdist.name
    cut.write_bytes(sdist.read_bytes()[:-40])
    assert verify_sdist(cut)


def test_manifest(built_chain, tmp_path: Path):
    artifacts = collect_artifacts(built_chain["results"])
    out = built_chain["root"] / "build-out" / "artifact-manifest.json"
    try:
        written = write_artifact_manifest(artifacts, "abc123", out)
        on_disk = json.loads(out.read_text())
        assert on_disk == written
        assert on_disk["schema"] == MANIFEST_SCHEMA == 1
        assert on_disk["commit"] == "abc123"
        assert on_disk["generated_at"].endswith("Z")
        assert [e["name"] for e in on_disk["artifacts"]] == [
            "alpha-app",
            "alpha-app",
            "mid-lib",
            "mid-lib",
            "zeta-core",
            "zeta-core",
        ]
        assert {e["kind"] for e in on_disk["artifacts"]} == {"wheel", "sdist"}
        for entry in on_disk["artifacts"]:
            path = (out.parent / entry["path"]).resolve()
            assert entry["path"].startswith("../packages/") and path in artifacts
            assert entry["size"] == path.stat().st_size
            assert entry["sha256"] == sha256_file(path)
            assert entry["version"] == "0.1.0" and entry["filename"] == path.name
        assert sorted(p.name for p in out.parent.iterdir()) == ["artifact-manifest.json"]  # no temp file left
        # rewriting replaces the file whole
        write_artifact_manifest([], None, out)
        assert json.loads(out.read_text())["artifacts"] == []
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def test_manifest_failure_leaves_no_partial_file(tmp_path: Path):
    out = tmp_path / "artifact-manifest.json"
    out.write_text('{"schema": 1, "previous": true}')
    with pytest.raises(ValueError):
        write_artifact_manifest([tmp_path / "notes.txt"], None, out)
    assert json.loads(out.read_text()) == {"schema": 1, "previous": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifact-manifest.json"]
