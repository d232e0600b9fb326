"""A workspace of three packages that depend on each other, built by ``pytest --symphony=build`` at ff.

One real run (a subprocess, as a user types it) in a module fixture; each test reads one
outcome of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import git_commit, make_workspace, run_pytest_subprocess

# names sort the opposite way to the build order, so an alphabetical build would break
CHAIN = {"core-zed": (), "mid-lib": ("core-zed>=0.1",), "app-top": ("mid-lib>=0.1",)}
ORDER = ["core-zed", "mid-lib", "app-top"]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory):
    root = make_workspace(tmp_path_factory.mktemp("chain") / "ws", CHAIN)
    commit = git_commit(root)
    proc = run_pytest_subprocess(root, "--symphony=build", "--symphony-dynamic=ff", "-v", "-rs")
    runs = sorted((root / ".symphony" / "runs").iterdir())
    return {"root": root, "proc": proc, "commit": commit, "run_dir": runs[-1]}


def test_the_whole_build_passes(chain):
    proc = chain["proc"]
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "failed" not in proc.stdout.splitlines()[-1]


def test_packages_build_in_dependency_order(chain):
    lines = [line for line in chain["proc"].stdout.splitlines() if "::build-package::" in line]
    assert [line.split("::build-package::")[1].split()[0] for line in lines] == ORDER
    assert all("PASSED" in line for line in lines)
    report = json.loads((chain["run_dir"] / "build-report.json").read_text())
    assert [b["package"] for b in report["packages"]["builds"]] == ORDER
    assert (
        report["packages"]["isolated"] is False
        and "SYMPHONY_BUILD_NO_ISOLATION" in report["packages"]["isolation_source"]
    )
    log = (chain["run_dir"] / "artifacts" / "build" / "logs" / "mid-lib.log").read_text()
    assert "--no-isolation" in log.splitlines()[3] and "Successfully built" in log


def test_wheels_install_together_offline(chain, tmp_path: Path):
    root = chain["root"]
    links = [arg for name in ORDER for arg in ("--find-links", str(root / "packages" / name / "dist"))]
    app = next((root / "packages" / "app-top" / "dist").glob("*.whl"))
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "--no-cache-dir",
            *links,
            "--target",
            str(target),
            str(app),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    out = subprocess.run(
        [sys.executable, "-c", "import app_top, mid_lib, core_zed; print(app_top.NAME, mid_lib.NAME, core_zed.NAME)"],
        cwd=target,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.split() == ["app-top", "mid-lib", "core-zed"]


def test_artifact_manifests_sit_beside_the_artifacts(chain):
    root = chain["root"]
    for name in ORDER:
        dist = root / "packages" / name / "dist"
        manifest = json.loads((dist / "artifact-manifest.json").read_text())
        assert manifest["commit"] == chain["commit"]
        entries = {e["filename"]: e for e in manifest["artifacts"]}
        assert set(entries) == {p.name for p in dist.iterdir() if p.suffix in (".whl", ".gz")}
        for filename, entry in entries.items():
            assert entry["size"] == (dist / filename).stat().st_size and len(entry["sha256"]) == 64
            assert entry["name"] == name and entry["version"] == "0.1.0"


def test_manifests_describe_the_workspace(chain):
    manifests = chain["root"] / ".symphony" / "manifests"
    index = json.loads((manifests / "index.json").read_text())
    assert set(index["manifests"]) == {"domains", "packages", "sequences", "topics", "handlers", "interactions"}
    packages = json.loads((manifests / "packages.json").read_text())
    assert packages["build_order"] == ORDER
    interactions = json.loads((manifests / "interactions.json").read_text())["interactions"]
    build_beat = next(r for r in interactions if r["expand"] == "packages")
    assert build_beat["handlers"] == [
        {
            "ref": "buildPackage",
            "name": "buildPackage",
            "module": "pytest_symphony.pipelines.build_handlers",
            "origin": "builtin",
        }
    ]
    assert (manifests / "specs" / "build.json").is_file()


def test_ff_archives_artifacts_manifests_and_telemetry(chain):
    run_id = chain["run_dir"].name
    archive = chain["root"] / ".symphony" / "archive" / run_id
    assert f"wrote .symphony/archive/{run_id}" in chain["proc"].stdout
    assert sorted(p.name for p in (archive / "artifacts").iterdir()) == sorted(
        p.name
        for name in ORDER
        for p in (chain["root"] / "packages" / name / "dist").iterdir()
        if p.suffix in (".whl", ".gz")
    )
    assert (archive / "manifests" / "index.json").is_file()
    telemetry = [json.loads(line) for line in (archive / "run" / "telemetry.jsonl").read_text().splitlines()]
    assert telemetry[-1]["beat"] == "archive-build" and telemetry[-1]["status"] == "passed"
    assert [r["target"] for r in telemetry if r["beat"] == "build-package"] == ORDER
    assert (archive / "run" / "build-report.md").is_file()


def test_sequence_docs_go_under_the_symphony_folder_without_a_page_of_the_build_itself(chain):
    docs = chain["root"] / ".symphony" / "docs"
    assert sorted(p.name for p in docs.iterdir()) == ["index.md"]  # the workspace has no specs of its own
    assert not (chain["root"] / "docs").exists()


def test_git_status_shows_nothing_new_outside_dist_and_the_symphony_folder(chain):
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=chain["root"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    paths = [line[3:] for line in status]
    assert paths, "the build wrote nothing?"
    outside = [p for p in paths if not (p.startswith(".symphony/") or "/dist/" in f"/{p}")]
    assert outside == []


def test_ff_builds_twice_and_records_byte_identical_artifacts(chain):
    commit_time = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=chain["root"], check=True, capture_output=True, text=True
    ).stdout.strip()
    context = json.loads((chain["run_dir"] / "artifacts" / "build" / "build-context.json").read_text())
    assert context["source_date_epoch"] == {"value": commit_time, "source": "the time of the last commit"}
    for name in ORDER:
        manifest = json.loads((chain["root"] / "packages" / name / "dist" / "artifact-manifest.json").read_text())
        assert [(e["kind"], e["reproducible"], e["reproducibility"]) for e in manifest["artifacts"]] == [
            ("sdist", True, "byte-identical"),
            ("wheel", True, "byte-identical"),
        ]
    log = (chain["run_dir"] / "artifacts" / "build" / "logs" / "core-zed.log").read_text()
    assert f"# command: SOURCE_DATE_EPOCH={commit_time} " in log
