"""Atomic writes and snapshots: a file is its old or its new bytes; a snapshot restores
what a phase wrote and refuses to overwrite what a person wrote since."""

from __future__ import annotations

import os
import stat

import pytest

from pytest_symphony.remediation import rollback
from pytest_symphony.atomic import TEMP_MARK, read_text, remove_stale_temps, write_atomic
from pytest_symphony.remediation.snapshot import (
    RollbackError,
    Snapshot,
    find_snapshots,
    list_snapshots,
    prune_snapshots,
)


def test_write_atomic_keeps_the_mode_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "run.sh"
    path.write_bytes(b"old\n")
    path.chmod(0o755)
    write_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert os.listdir(tmp_path) == ["run.sh"]


def test_a_write_that_fails_before_the_rename_leaves_the_old_bytes(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"old\n")

    def refuse(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, b"new\n")
    assert path.read_bytes() == b"old\n"
    assert os.listdir(tmp_path) == ["a.yaml"]


def test_write_atomic_creates_folders_and_says_which(tmp_path):
    created = write_atomic(tmp_path / "a" / "b" / "c.py", b"x = 1\n")
    assert created == [tmp_path / "a", tmp_path / "a" / "b"]


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = tmp_path / f".a.yaml{TEMP_MARK}999999999-abcd"
    mine = tmp_path / f".b.yaml{TEMP_MARK}{os.getpid()}-abcd"
    dead.write_text("half")
    mine.write_text("busy")
    assert remove_stale_temps([tmp_path]) == [dead]
    assert mine.exists()


def test_read_text_remembers_the_byte_order_mark(tmp_path):
    (tmp_path / "a.json").write_bytes(b"\xef\xbb\xbf{}\r\n")
    text = read_text(tmp_path / "a.json")
    assert text == "{}\r\n" and text.bom
    assert text.encoded("[]\r\n") == b"\xef\xbb\xbf[]\r\n"
    assert read_text(tmp_path / "missing") is None


def _snap(tmp_path, run="20250101T000000Z-aaaaaa", phase="sequence", number=2):
    return Snapshot.create(tmp_path / ".symphony" / "snapshots", tmp_path, run_id=run, phase=phase, number=number)


def test_a_snapshot_restores_changed_created_and_removed_files(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"a1\n")
    (tmp_path / "gone.txt").write_bytes(b"g\n")
    snap = _snap(tmp_path)
    snap.add(["a.yaml", "gone.txt", "new/b.py"])
    for rel, data in (("a.yaml", b"a2\n"), ("new/b.py", b"b\n")):
        snap.journal(rel, data)
        snap.note_dirs(write_atomic(tmp_path / rel, data))
    (tmp_path / "gone.txt").unlink()
    snap.keep()
    assert sorted(snap.restore("test")) == ["a.yaml", "gone.txt", "new/b.py"]
    assert (tmp_path / "a.yaml").read_bytes() == b"a1\n" and (tmp_path / "gone.txt").read_bytes() == b"g\n"
    assert not (tmp_path / "new").exists(), "the folder the fix created goes too"
    assert Snapshot.load(snap.folder).state == "restored"


def test_rollback_refuses_when_a_file_was_edited_since_and_changes_nothing(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"a1\n")
    (tmp_path / "b.yaml").write_bytes(b"b1\n")
    snap = _snap(tmp_path)
    snap.add(["a.yaml", "b.yaml"])
    for rel in ("a.yaml", "b.yaml"):
        write_atomic(tmp_path / rel, rel.encode())
    snap.keep()
    (tmp_path / "b.yaml").write_bytes(b"my own work\n")
    with pytest.raises(RollbackError, match="b.yaml"):
        rollback(tmp_path, tmp_path / ".symphony" / "snapshots")
    assert (tmp_path / "a.yaml").read_bytes() == b"a.yaml"
    assert (tmp_path / "b.yaml").read_bytes() == b"my own work\n"


def test_rollback_of_a_run_restores_its_phases_last_first(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"v1\n")
    for number, phase, data in ((2, "sequence", b"v2\n"), (3, "handler", b"v3\n")):
        snap = _snap(tmp_path, phase=phase, number=number)
        snap.add(["a.yaml"])
        snap.journal("a.yaml", data)
        write_atomic(path, data)
        snap.keep()
    done = rollback(tmp_path, tmp_path / ".symphony" / "snapshots")
    assert [s.id.rsplit("-", 1)[1] for s, _ in done] == ["handler", "sequence"]
    assert path.read_bytes() == b"v1\n"
    with pytest.raises(RollbackError, match="already restored"):
        rollback(tmp_path, tmp_path / ".symphony" / "snapshots")


def test_an_open_snapshot_of_a_killed_run_restores_what_its_journal_names(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"v1\n")
    snap = _snap(tmp_path)
    snap.add(["a.yaml"])
    snap.journal("a.yaml", b"v2\n")
    write_atomic(path, b"v2\n")  # then the process dies: no keep()
    assert Snapshot.load(snap.folder).state == "open"
    rollback(tmp_path, tmp_path / ".symphony" / "snapshots")
    assert path.read_bytes() == b"v1\n"


def test_snapshots_are_found_by_run_or_id_and_pruned_by_run(tmp_path):
    folder = tmp_path / ".symphony" / "snapshots"
    (tmp_path / "a").write_text("x")
    for run in ("20250101T000000Z-000001", "20250102T000000Z-000002", "20250103T000000Z-000003"):
        _snap(tmp_path, run=run).add(["a"])
    assert [s.run_id for s in find_snapshots(folder, tmp_path, None)] == ["20250103T000000Z-000003"]
    assert [s.id for s in find_snapshots(folder, tmp_path, "20250101T000000Z-000001")] == [
        "20250101T000000Z-000001-2-sequence"
    ]
    with pytest.raises(RollbackError, match="no snapshot or run 'nope'"):
        find_snapshots(folder, tmp_path, "nope")
    assert prune_snapshots(folder, keep_runs=2) == ["20250101T000000Z-000001-2-sequence"]
    assert len(list_snapshots(folder)) == 2
