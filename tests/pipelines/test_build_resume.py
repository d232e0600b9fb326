"""``--symphony-resume`` on the build: the beats' typed run is checkpointed as JSON and restored.

Only the package builds are re-run: the rollback of the failed run took their files out of
``dist/``.  Everything else the earlier beats found (the context, validation, manifests,
the host build's time) comes back from the checkpoints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_symphony.buildkit import BuildResult, Package
from pytest_symphony.pipelines.build_run import BuildRun

from .conftest import git_commit, make_single

#: A host build that passes but leaves its declared output missing (until the test writes it).
HOST_WITHOUT_OUTPUT = f'host = ["{sys.executable}", "-c", "pass"]\nhost_outputs = ["web/app.js"]\n'


def _ran(result: pytest.RunResult) -> list[str]:
    return [line.split("::")[-1].split()[0] for line in result.stdout.lines if " PASSED" in line]


def test_resume_restores_the_build_from_its_checkpoints_and_rebuilds_only_the_packages(
    pytester: pytest.Pytester, build_run
):
    root = make_single(pytester.path, extra=HOST_WITHOUT_OUTPUT)
    (root / ".gitignore").write_text(".symphony/\ndist/\n")
    commit = git_commit(root)
    first = build_run()
    first.stdout.fnmatch_lines(["*check-host-outputs FAILED*"])
    assert not (root / "dist").exists() or not any((root / "dist").iterdir())  # rolled back

    runs = root / ".symphony" / "runs"
    before = set(runs.iterdir())
    (root / "web").mkdir()
    (root / "web" / "app.js").write_text("ok")
    resumed = build_run("--symphony-resume")

    assert resumed.ret == 0
    resumed.stdout.fnmatch_lines(
        [
            "resume: build: resumed from run * at beat 4.3 check-host-outputs; state of 15 earlier beat(s) "
            "restored; re-run because their values do not serialize: 'build:packages' (beat 3.2 build-package)"
        ]
    )
    assert _ran(resumed)[:3] == ["solo", "check-host-outputs", "record-host-build"]
    assert sorted(p.name for p in (root / "dist").iterdir()) == [
        "artifact-manifest.json",
        "solo-0.1.0-py2.py3-none-any.whl",
        "solo-0.1.0.tar.gz",
    ]
    # the resumed run's folder: two runs in the same second sort by their random suffix
    (run_dir,) = set(runs.iterdir()) - before
    report = json.loads((run_dir / "build-report.json").read_text())
    assert report["status"] == "passed"
    assert report["context"]["git"]["commit"] == commit  # beat 1.1's context, restored
    assert report["host"]["summary"].startswith(f"`{sys.executable} -c pass` passed in ")  # 4.2's time, restored


def test_a_build_run_goes_through_json_and_back_unchanged(tmp_path: Path):
    pkg = Package("solo", "0.1.0", tmp_path, tmp_path / "pyproject.toml", ["dep"])
    built = BuildResult(pkg, tmp_path / "dist", [tmp_path / "dist" / "solo.whl"], ["python"], None, 1.0, 2.0)
    run = BuildRun(
        context={"git": {"commit": "abc"}},
        run_started=3.5,
        artifacts=[tmp_path / "dist" / "solo.whl"],
        host_outputs=[tmp_path / "web" / "app.js"],
        build_report=tmp_path / "build-report.md",
        report={"packages": {"builds": [built.to_json()]}},
        reproducibility={"solo.whl": {"reproducible": True, "detail": "byte-identical"}},
    )
    text = json.dumps(run.to_checkpoint())
    assert BuildRun.from_checkpoint(json.loads(text)) == run
