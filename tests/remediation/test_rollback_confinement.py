"""--symphony-rollback trusts no manifest: nothing outside the rootdir is created, overwritten or
deleted, and copies whose bytes do not match the manifest restore nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

SNAP = "20260101T000000Z-abcdef-1-sequence"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _snapshot(root: Path, files: list[dict], copies: dict[str, bytes] | None = None, created_dirs=()) -> Path:
    folder = root / ".symphony" / "snapshots" / SNAP
    folder.mkdir(parents=True)
    for rel, data in (copies or {}).items():
        path = folder / "files" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    manifest = {
        "schema": 1,
        "id": SNAP,
        "run_id": "20260101T000000Z-abcdef",
        "phase": "sequence",
        "created": "2026-01-01T00:00:00Z",
        "state": "kept",
        "reason": None,
        "root": str(root),
        "files": files,
        "created_dirs": list(created_dirs),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def outside(pytester) -> Path:
    folder = pytester.path.parent / f"outside-{pytester.path.name}"
    folder.mkdir()
    victim = folder / "victim.txt"
    victim.write_bytes(b"someone else's file\n")
    return folder


def _rollback(project):
    project.handlers("")
    return project.run("--symphony-rollback")


def test_a_manifest_cannot_delete_a_file_outside_the_rootdir(project, outside):
    victim = outside / "victim.txt"
    rel = f"../{outside.name}/victim.txt"
    _snapshot(
        project.pytester.path,
        [{"path": rel, "existed": False, "sha256": None, "size": 0, "after": _sha(victim.read_bytes())}],
    )
    result = _rollback(project)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            f"nothing restored: snapshot {SNAP}: *manifest.json cannot be trusted, so nothing "
            f"was restored: {rel}: only files inside the rootdir are snapshotted*"
        ]
    )
    assert victim.read_bytes() == b"someone else's file\n"


@pytest.mark.parametrize("how", ["dotdot", "absolute"])
def test_a_manifest_cannot_write_a_file_outside_the_rootdir(project, outside, how):
    target = outside / "planted.txt"
    rel = f"../{outside.name}/planted.txt" if how == "dotdot" else str(target)
    data = b"planted\n"
    _snapshot(
        project.pytester.path,
        [{"path": rel, "existed": True, "sha256": _sha(data), "size": len(data), "after": None}],
        copies={"planted.txt": data},
    )
    assert _rollback(project).ret == 1
    assert not target.exists()


def test_a_link_inside_the_rootdir_does_not_lead_a_restore_out(project, outside):
    (project.pytester.path / "docs").symlink_to(outside, target_is_directory=True)
    data = b"planted through a link\n"
    _snapshot(
        project.pytester.path,
        [
            {
                "path": "docs/victim.txt",
                "existed": True,
                "sha256": _sha(data),
                "size": len(data),
                "after": _sha(b"someone else's file\n"),
            }
        ],
        copies={"docs/victim.txt": data},
    )
    result = _rollback(project)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*docs/victim.txt: its folder leads out of the rootdir*"])
    assert (outside / "victim.txt").read_bytes() == b"someone else's file\n"


def test_copies_that_do_not_match_the_manifest_restore_nothing(project):
    root = project.pytester.path
    (root / "a.txt").write_bytes(b"fixed a\n")
    (root / "b.txt").write_bytes(b"fixed b\n")
    files = [
        {"path": "a.txt", "existed": True, "sha256": _sha(b"old a\n"), "size": 6, "after": _sha(b"fixed a\n")},
        {"path": "b.txt", "existed": True, "sha256": _sha(b"old b\n"), "size": 6, "after": _sha(b"fixed b\n")},
    ]
    _snapshot(root, files, copies={"a.txt": b"old a\n", "b.txt": b"tampered\n"})
    result = _rollback(project)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*b.txt: its copy does not have the SHA-256 the manifest records*"])
    assert (root / "a.txt").read_bytes() == b"fixed a\n"  # nothing touched, not even the good one


def test_an_honest_manifest_still_restores(project):
    root = project.pytester.path
    (root / "a.txt").write_bytes(b"fixed a\n")
    _snapshot(
        root,
        [{"path": "a.txt", "existed": True, "sha256": _sha(b"old a\n"), "size": 6, "after": _sha(b"fixed a\n")}],
        copies={"a.txt": b"old a\n"},
    )
    assert _rollback(project).ret == 0
    assert (root / "a.txt").read_bytes() == b"old a\n"
