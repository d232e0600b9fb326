"""This repository's own release pipeline (sequences/release.yaml): collected only when named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]


def _pytest(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """pytest in this checkout, its telemetry kept out of the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(CHECKOUT)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-q",
            "-o",
            f"symphony_dir={tmp_path / 'symphony'}",
            *args,
        ],
        cwd=CHECKOUT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_plain_run_never_collects_the_release_pipeline(tmp_path):
    # testpaths as a plain `pytest` uses them (narrowed to the spec folder, which the plugin adds anyway;
    # the BDD area adds features/)
    plain = _pytest(tmp_path, "--collect-only", "-o", "testpaths=sequences")
    assert plain.returncode == 0 and "tests collected" in plain.stdout, plain.stdout[-2000:]
    assert not [line for line in plain.stdout.splitlines() if line.startswith("sequences/")]


def test_naming_it_resolves_every_beat_and_its_build(tmp_path):
    named = _pytest(tmp_path, "--symphony=release", "--symphony-dynamic=pp")
    assert named.returncode == 0, named.stdout[-3000:]
    assert "release: 8 passed" in named.stdout and "build: 5 passed" in named.stdout
    listed = _pytest(tmp_path, "--symphony=release/exploration", "--collect-only")
    assert [line.rsplit("::", 1)[-1] for line in listed.stdout.splitlines() if line.startswith("sequences/")] == [
        "hypothesize-mvp",
        "collaborate-research",
        "architect-for-delivery",
        "synthesize-vision-roadmap",
    ]
