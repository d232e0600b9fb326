"""When a build cannot happen: a dependency cycle, and a package whose build fails (with rollback)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from .conftest import make_workspace


def _dist(root: Path, name: str) -> list[str]:
    folder = root / "packages" / name / "dist"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


CYCLE = {"ant": ("bee",), "bee": ("cow",), "cow": ("ant>=0.1",), "solo": ()}


def test_dependency_cycle_fails_the_package_movement_before_anything_is_built(pytester: pytest.Pytester, build_run):
    root = make_workspace(pytester.path, CYCLE)
    result = build_run(
        "--symphony-isolated", "-k", "not validate-governance-rules"
    )  # movement 3 on its own, without conformity
    assert result.parseoutcomes()["failed"] == 1
    result.stdout.fnmatch_lines(
        [
            "*package-building::initialize-package-build PASSED*",
            "*package-building::build-package::expand FAILED*",
            "*package-building::record-package-builds SKIPPED*",
            "*dependency cycle between workspace packages: ant -> bee -> cow -> ant",
            "*ant: *packages/ant/pyproject.toml",
            "*nothing was built.",
            "*beat 3.2 failed*",
        ]
    )
    assert all(_dist(root, name) == [] for name in CYCLE)


def test_conformity_stops_a_cyclic_workspace_in_validation(pytester: pytest.Pytester, build_run):
    pytest.importorskip("pytest_symphony.conformity.engine", reason="the conformity engine runs beat 1.3")
    root = make_workspace(pytester.path, CYCLE)
    result = build_run()
    assert result.parseoutcomes()["failed"] == 1
    result.stdout.fnmatch_lines(
        [
            "*validation::validate-governance-rules FAILED*",
            "1 CRITICAL conformity violation(s); nothing is built until they are fixed:",
            "  packages/ant/pyproject.toml:*CIRCULAR_DEPENDENCY CRITICAL *ant -> bee -> cow -> ant",
        ]
    )
    assert all(_dist(root, name) == [] for name in CYCLE)


@pytest.fixture
def broken_workspace(pytester: pytest.Pytester) -> Path:
    """core builds, broken fails on its wheel (after its sdist), top depends on broken.

    Each dist/ already holds a file from an earlier build that the rollback must keep.
    """
    root = make_workspace(pytester.path, {"core": (), "broken": ("core",), "top": ("broken",)}, failing=("broken",))
    for name, old in (("core", "core-0.0.9-py3-none-any.whl"), ("broken", "broken-0.0.9.tar.gz")):
        (root / "packages" / name / "dist").mkdir()
        (root / "packages" / name / "dist" / old).write_bytes(b"an earlier build")
    return root


def test_failed_package_build_shows_its_log_and_stops_the_build(broken_workspace, build_run):
    result = build_run()
    assert result.parseoutcomes()["failed"] == 1
    result.stdout.fnmatch_lines(
        [
            "*build-package::core PASSED*",
            "*build-package::broken FAILED*",
            "*build-package::top SKIPPED*",
            "*record-package-builds SKIPPED*",
            "*write-build-report SKIPPED*",
            "*building broken (*packages/broken/pyproject.toml) failed: exited with code 1; full log: *broken.log",
            "*--- last 60 lines of the build log ---",
            "*compiling part 79",
            "*RuntimeError: deliberate wheel failure MARKER-77",
            "*Fix the error above; reproduce with: * -m build --outdir * --no-isolation *packages/broken",
        ]
    )
    assert "compiling part 5\n" not in result.stdout.str()  # only the log's tail, the rest is in the file
    result.stdout.fnmatch_lines(["SKIPPED [1] packages/top/pyproject.toml:1: beat 3.2 failed"])


def test_rollback_removes_only_what_this_run_created(broken_workspace, build_run):
    build_run()
    root = broken_workspace
    assert _dist(root, "core") == ["core-0.0.9-py3-none-any.whl"]  # this run's core artifacts removed
    assert _dist(root, "broken") == ["broken-0.0.9.tar.gz"]  # the failed build never reached dist/
    assert _dist(root, "top") == []
    (run_dir,) = (root / ".symphony" / "runs").iterdir()
    report = json.loads((run_dir / "build-report.json").read_text())
    assert report["status"] == "failed" and report["failed_beat"] == "3.2 Build package"
    removed = sorted(Path(p).name for p in report["rollback"]["removed"])
    assert removed == ["core-0.1.0-py2.py3-none-any.whl", "core-0.1.0.tar.gz"]
    log = run_dir / "artifacts" / "build" / "logs" / "broken.log"
    assert "compiling part 5\n" in log.read_text()  # the whole log is kept beside the run


def test_a_later_failure_restores_the_artifact_manifest_it_replaced(pytester: pytest.Pytester, build_run):
    root = make_workspace(pytester.path, {"core": ()})
    dist = root / "packages" / "core" / "dist"
    dist.mkdir(parents=True)
    (dist / "artifact-manifest.json").write_text('{"from": "the last release"}')
    pytester.makeconftest("""
        from pytest_symphony import handler


        @handler("generateSequenceDocs")
        def docs_fail():
            raise RuntimeError("docs broke")
    """)
    result = build_run()
    result.stdout.fnmatch_lines(["*generate-sequence-docs FAILED*", "*RuntimeError: docs broke*"])
    assert sorted(p.name for p in dist.iterdir()) == ["artifact-manifest.json"]
    assert (dist / "artifact-manifest.json").read_text() == '{"from": "the last release"}'


def _matches_its_manifest(dist: Path) -> None:
    """Every artifact in ``dist`` is in its artifact-manifest.json with the file's size and hash."""
    manifest = json.loads((dist / "artifact-manifest.json").read_text())
    listed = {e["filename"]: e for e in manifest["artifacts"]}
    files = {p.name: p for p in dist.iterdir() if p.suffix in (".whl", ".gz")}
    assert set(files) == set(listed)
    for name, path in files.items():
        assert listed[name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), name


def test_a_failed_rebuild_of_the_same_version_puts_dist_back_byte_for_byte(pytester: pytest.Pytester, build_run):
    root = make_workspace(pytester.path, {"core": ()})
    dist = root / "packages" / "core" / "dist"
    assert build_run().ret == 0  # the release build: dist/ and its manifest
    before = {p.name: p.read_bytes() for p in dist.iterdir()}
    _matches_its_manifest(dist)
    (root / "packages" / "core" / "core" / "__init__.py").write_text('"""core."""\nNAME = "core, changed"\n')
    pytester.makeconftest("""
        from pytest_symphony import handler


        @handler("generateSequenceDocs")
        def docs_fail():
            raise RuntimeError("docs broke")
    """)
    result = build_run()  # rebuilds core 0.1.0 (other bytes), writes its manifest, then fails in movement 6
    result.stdout.fnmatch_lines(["*write-artifact-manifest PASSED*", "*generate-sequence-docs FAILED*"])
    assert {p.name: p.read_bytes() for p in dist.iterdir()} == before
    _matches_its_manifest(dist)
