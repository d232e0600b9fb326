"""Movement 3's work: one package built into a staging folder, checked at ``ff``, moved into ``dist/``.

Kept out of ``build_handlers.py``, which registers the beats and stays their one place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_symphony import buildkit as bk
from pytest_symphony.runtime.context import SequenceRun
from pytest_symphony.runtime.registry import Target, expander
from pytest_symphony.score.model import Beat

from .build_run import PACKAGES, build_run, dist_outputs
from .build_support import build_env, isolation, staging, timeout_s
from .progress import live_line


@expander("packages")
def packages(config: pytest.Config) -> list[Target]:
    """The workspace packages in build order; a dependency cycle raises here, before any build."""
    ordered = bk.build_order(bk.discover_packages(config.rootpath))
    return [Target(p.name, p, path=str(p.pyproject), line=1) for p in ordered]


class _Builder:
    """Builds one package into a folder, with its live line and log; the same way twice at ``ff``."""

    def __init__(self, symphony: SequenceRun, beat: Beat, config: pytest.Config, pkg: bk.Package) -> None:
        self.symphony, self.config, self.pkg = symphony, config, pkg
        self.isolated = bool(isolation(symphony, config))
        self.env = build_env(symphony, config)
        self.timeout = timeout_s(beat)
        self.logs = symphony.artifact_dir / "logs"

    def build(self, outdir: Path, suffix: str = "") -> bk.BuildResult:
        name = self.pkg.name
        label = f"building {name}" + (" again (ff: is it reproducible?)" if suffix else "")
        with live_line(self.config, label) as on_line:
            return bk.build_package(
                self.pkg,
                isolation=self.isolated,
                outdir=outdir,
                env=self.env,
                on_line=on_line,
                log_path=self.logs / f"{name}{'.' + suffix if suffix else ''}.log",
                run_started=build_run(self.symphony).run_started,
                timeout=self.timeout,
            )


def build_one(symphony: SequenceRun, beat: Beat, config: pytest.Config, pkg: bk.Package) -> bk.BuildResult:
    """Build ``pkg`` (twice and compared at ``ff``), then move its files into its ``dist/``."""
    builder = _Builder(symphony, beat, config, pkg)
    result = builder.build(staging(symphony, config, pkg.name))
    if symphony.dynamic == "ff":
        _check_reproducible(symphony, config, builder, result)
    outputs = dist_outputs(symphony, PACKAGES)
    assert outputs.staging_root is not None, "staging() sets it"
    changes = bk.publish(result.files, pkg.dist_dir, outputs.staging_root / ".replaced" / pkg.name)
    outputs.changes.extend(changes)
    result.files, result.outdir = [c.path for c in changes], pkg.dist_dir
    outputs.builds.append(result)
    return result


def _check_reproducible(symphony: SequenceRun, config: pytest.Config, builder: _Builder, first: bk.BuildResult) -> None:
    """ff: build the package a second time and compare; a difference fails the beat."""
    name = builder.pkg.name
    second = builder.build(staging(symphony, config, f"{name}.again"), "again")
    by_name = {f.name: f for f in second.files}
    run = build_run(symphony)
    bad = []
    for artifact in first.files:
        twin = by_name.get(artifact.name)
        found = (
            bk.compare_builds(artifact, twin)
            if twin
            else bk.Comparison(artifact.name, False, False, "the second build did not produce it")
        )
        run.reproducibility[artifact.name] = {"reproducible": found.identical, "detail": found.detail}
        if not found.acceptable:
            bad.append(f"  {artifact.name}: {found.detail}")
    shutil.rmtree(second.outdir, ignore_errors=True)
    symphony.metric("reproducible", 0 if bad else 1)
    if bad:
        sde = run.source_date_epoch
        hint = (
            f"SOURCE_DATE_EPOCH={sde['value']} (from {sde['source']})"
            if sde
            else "no SOURCE_DATE_EPOCH: commit the project to git or set SOURCE_DATE_EPOCH"
        )
        raise bk.NotReproducible(f"two builds of {name} from the same sources differ ({hint}):\n" + "\n".join(bad))
