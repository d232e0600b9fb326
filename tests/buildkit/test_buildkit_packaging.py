"""Real builds with PyPA build (--no-isolation, offline): success, failure, rollback, host build."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_symphony.buildkit import (
    BuildFailed,
    BuildResult,
    HostBuildFailed,
    build_package,
    check_host_outputs,
    discover_packages,
    host_config,
    remove_partial,
    run_host_build,
    snapshot_dist,
)
from pytest_symphony.errors import SymphonyError

FAILING_BACKEND = '''
"""flit_core, except that building the wheel fails after 100 lines of output."""
from flit_core.buildapi import *  # noqa: F401,F403  (the sdist still builds)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    for i in range(100):
        print(f"noise line {i}", flush=True)
    raise RuntimeError("deliberate wheel failure MARKER-42")
'''


def test_chain_builds_sdist_and_wheel_in_order(built_chain):
    results: list[BuildResult] = built_chain["results"]
    assert [r.package.name for r in results] == ["zeta-core", "mid-lib", "alpha-app"]
    for r in results:
        assert r.outdir == r.package.path / "dist"
        assert r.sdist is not None and r.sdist.is_file()
        assert r.wheel is not None and r.wheel.is_file()
        assert sorted(f.name for f in r.files) == sorted([r.sdist.name, r.wheel.name])
        assert all(f.parent == r.outdir for f in r.files)
        assert "--no-isolation" in r.command and r.command[:3] == [sys.executable, "-m", "build"]
        assert r.run_started == built_chain["run_started"] and r.duration > 0
        log = r.log_path.read_text()
        assert log.startswith(f"# pytest-symphony build of {r.package.name} 0.1.0")
        assert "Successfully built" in log
        assert r.log is None  # the log went to the file
    names = {r.package.name: r.wheel.name for r in results}
    assert names["mid-lib"] == "mid_lib-0.1.0-py3-none-any.whl"
    print(f"three real builds took {built_chain['elapsed']:.1f} s")


def test_built_wheels_install_together(built_chain, tmp_path: Path):
    links = [arg for r in built_chain["results"] for arg in ("--find-links", str(r.outdir))]
    target = tmp_path / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "--target",
            str(target),
            *links,
            "alpha-app",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check = subprocess.run(
        [sys.executable, "-c", "import alpha_app, mid_lib, zeta_core; print(alpha_app.VALUE, zeta_core.VALUE)"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(target)},
    )
    assert check.stdout.split() == ["alpha-app", "Zeta_Core"], check.stderr


def test_rebuild_reports_rewritten_files_and_keeps_log_in_memory(tmp_path: Path, ws):
    ws.add_package(tmp_path, ".", "again", "again")
    (pkg,) = discover_packages(tmp_path)
    first = build_package(pkg, isolation=False)
    assert first.log and "Successfully built" in first.log and first.log_path is None
    second = build_package(pkg, isolation=False, outdir=tmp_path / "out")
    assert {f.name for f in second.files} == {f.name for f in first.files}
    assert all(f.parent == tmp_path / "out" for f in second.files)


def test_failed_build_carries_log_tail_and_rollback_keeps_older_files(tmp_path: Path, ws):
    ws.add_package(tmp_path, ".", "breaks", "breaks", backend="failing_backend", backend_path=".")
    ws.write(tmp_path / "failing_backend.py", FAILING_BACKEND)
    with (tmp_path / "pyproject.toml").open("a") as fh:  # the wheel is built from the sdist: ship the backend
        fh.write('\n[tool.flit.sdist]\ninclude = ["failing_backend.py"]\n')
    (pkg,) = discover_packages(tmp_path)
    dist = tmp_path / "dist"
    dist.mkdir()
    older = dist / "breaks-0.0.9.tar.gz"
    older.write_bytes(b"an older artifact")
    before = snapshot_dist(pkg)
    log = tmp_path / "logs" / "breaks.log"
    with pytest.raises(BuildFailed) as info:
        build_package(pkg, isolation=False, log_path=log)
    err = info.value
    assert isinstance(err, SymphonyError)
    assert err.log_path == log and log.is_file()
    assert "MARKER-42" in err.log_tail and "MARKER-42" in str(err)
    assert str(log) in str(err) and str(pkg.pyproject) in str(err)
    tail_lines = err.log_tail.splitlines()
    assert len(tail_lines) <= 60
    assert "noise line 99" in err.log_tail and "noise line 1\n" not in err.log_tail
    assert "noise line 0" in log.read_text()  # the full log keeps everything
    assert err.returncode not in (0, None)
    # the sdist was built before the wheel failed: a partial result of this run
    assert [p.name for p in err.created] == ["breaks-0.1.0.tar.gz"]
    assert err.before == before == {"breaks-0.0.9.tar.gz"}
    removed = remove_partial(pkg, err.before)
    assert [p.name for p in removed] == ["breaks-0.1.0.tar.gz"]
    assert sorted(p.name for p in dist.iterdir()) == ["breaks-0.0.9.tar.gz"]
    assert older.read_bytes() == b"an older artifact"
    assert remove_partial(pkg, {older}) == []  # paths work as well as names; nothing left to remove


@pytest.mark.skipif(
    subprocess.run([sys.executable, "-c", "import setuptools"], capture_output=True).returncode != 0,
    reason="setuptools is not installed",
)
def test_setup_py_syntax_error_fails_with_its_log(tmp_path: Path, ws):
    ws.write(
        tmp_path / "pyproject.toml",
        """
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "broken-setup"
        version = "1.0"
        """,
    )
    ws.write(tmp_path / "setup.py", "from setuptools import setup\nsetup(\n    name='broken-setup',,\n")
    (pkg,) = discover_packages(tmp_path)
    with pytest.raises(BuildFailed) as info:
        build_package(pkg, isolation=False, log_path=tmp_path / "build.log")
    assert "SyntaxError" in info.value.log_tail
    assert snapshot_dist(pkg) == set()  # nothing was produced


def test_missing_backend_without_isolation_fails_clearly(tmp_path: Path, ws):
    ws.add_package(tmp_path, ".", "needs-backend", "nb")
    text = (
        (tmp_path / "pyproject.toml")
        .read_text()
        .replace('requires = ["flit_core>=3.4,<5"]', 'requires = ["flit_core>=3.4,<5", "no-such-backend-pkg-xyz"]')
    )
    (tmp_path / "pyproject.toml").write_text(text)
    (pkg,) = discover_packages(tmp_path)
    with pytest.raises(BuildFailed) as info:
        build_package(pkg, isolation=False)
    assert "no-such-backend-pkg-xyz" in info.value.log_tail
    assert info.value.log_path is None


def _py(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def test_host_build_runs_and_checks_outputs(tmp_path: Path, ws):
    cmd = _py(
        "import pathlib; p = pathlib.Path('web/dist'); p.mkdir(parents=True); "
        "(p / 'app.js').write_text('ok'); print('host built')"
    )
    root = ws.make_root(tmp_path, extra=f'host = {json.dumps(cmd)}\nhost_outputs = ["web/dist/*.js"]\n')
    cfg = host_config(root)
    assert cfg is not None
    assert check_host_outputs(cfg) == ([], ["web/dist/*.js"])
    result = run_host_build(cfg, log_path=tmp_path / "host.log")
    assert result.returncode == 0
    assert result.outputs == [root.resolve() / "web" / "dist" / "app.js"]
    assert "host built" in (tmp_path / "host.log").read_text()


def test_host_build_failures(tmp_path: Path, ws):
    failing = _py("import sys; print('boom'); sys.exit(3)")
    root = ws.make_root(tmp_path / "fails", extra=f"host = {json.dumps(failing)}\n")
    with pytest.raises(HostBuildFailed) as info:
        run_host_build(host_config(root))
    assert info.value.returncode == 3 and "boom" in info.value.log_tail
    argv = [sys.executable, "-c", "print('no outputs')"]
    root = ws.make_root(
        tmp_path / "missing",
        extra=f"host = {json.dumps(argv)}\nhost_outputs = ['out/*.bin']\n",
    )
    with pytest.raises(HostBuildFailed, match="out/\\*.bin") as info:
        run_host_build(host_config(root))
    assert info.value.missing == ["out/*.bin"]


def test_host_build_timeout_stops_the_process_group(tmp_path: Path, ws):
    # the shell's child sleeps; the whole group must go, or this test would hang
    sleeper = _py("import time; print('started', flush=True); time.sleep(60)")
    root = ws.make_root(tmp_path, extra=f"host = {json.dumps(sleeper + ' && echo never')}\n")
    with pytest.raises(HostBuildFailed, match="timed out") as info:
        run_host_build(host_config(root), log_path=tmp_path / "host.log", timeout=1)
    output = (tmp_path / "host.log").read_text().split("\n\n", 1)[1]  # after the header
    assert "started" in output and "TIMEOUT" in output and "never" not in output
    assert info.value.returncode is None
