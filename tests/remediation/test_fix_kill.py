"""A fixing run killed mid-run (SIGKILL) leaves every file either its old or its new bytes,
and its snapshot still restores them.

The workspace is large enough (200 specs, each with a wrong beat count) that phase 2
writes for a while.  A conftest.py plugin the test plants hears each
``conformity:sequence:written`` event (``pytest_symphony_event``) and, at the third,
writes to a pipe the test waits on with ``select``: the kill lands while files are being
written, with no sleep anywhere.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_symphony.remediation import fix_workspace
from pytest_symphony.atomic import TEMP_MARK

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

SPECS = 200
SIGNAL_PLUGIN = """
import os

seen = []


def pytest_symphony_event(event, payload):
    if event == "conformity:sequence:written":
        seen.append(payload["path"])
        if len(seen) == 3 and "FIX_SIGNAL_FD" in os.environ:
            os.write(int(os.environ["FIX_SIGNAL_FD"]), b"written\\n")
"""


def _workspace(root: Path) -> None:
    (root / "sequences").mkdir(parents=True)
    (root / "pytest.ini").write_text("[pytest]\nsymphony_handlers = handlers\n")
    (root / "handlers.py").write_text(
        "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    return {}\n"
    )
    beats = "".join(f"      - name: Beat {j}\n        handler: build\n        note: {'n' * 300}\n" for j in range(12))
    for i in range(SPECS):
        (root / "sequences" / f"s{i:03d}.yaml").write_text(
            f"# spec {i}\nid: s{i:03d}\nname: S{i}\nbeats: 99  # wrong\nmovements:\n  - name: M\n    beats:\n{beats}"
        )


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not {".symphony", "__pycache__", ".pytest_cache"} & set(p.parts)
    }


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *args]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "FIX_SIGNAL"))}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(_command(*args), cwd=root, env=_env(), capture_output=True, text=True)


def test_a_killed_fixing_run_leaves_every_file_old_or_new(tmp_path):
    root, twin = tmp_path / "ws", tmp_path / "twin"
    _workspace(root)
    _workspace(twin)
    fix_workspace(twin)  # what a finished run writes
    old, new = _files(root), _files(twin)
    assert all(old[f] != new[f] for f in old if f.startswith("sequences/"))
    (root / "conftest.py").write_text(SIGNAL_PLUGIN)
    old["conftest.py"] = new["conftest.py"] = SIGNAL_PLUGIN.encode()

    read_end, write_end = os.pipe()
    log = tmp_path / "killed-run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            _command("--symphony-fix"),
            cwd=root,
            env=_env(FIX_SIGNAL_FD=str(write_end)),
            pass_fds=(write_end,),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 300)
        message = os.read(read_end, 64) if ready else b""
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        os.close(read_end)
    assert message == b"written\n", "the fixing run never reached its writes:\n" + log.read_text()

    now = _files(root)
    leftovers = sorted(set(now) - set(old))
    assert all(TEMP_MARK in name for name in leftovers), leftovers
    for rel in old:
        assert now[rel] in (old[rel], new[rel]), f"{rel} is neither its old nor its new bytes"
    assert sum(now[rel] == new[rel] != old[rel] for rel in old) >= 3

    done = _run(root, "--symphony-rollback")
    assert done.returncode == 0, done.stdout
    assert {rel: data for rel, data in _files(root).items() if TEMP_MARK not in rel} == old

    done = _run(root, "--symphony-fix")
    assert done.returncode == 0, done.stdout
    assert _files(root) == new, "a finished run writes the same bytes, and clears what the killed one left"
