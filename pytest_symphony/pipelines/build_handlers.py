"""Handlers of the built-in build symphony (``build.yaml``): thin calls into :mod:`pytest_symphony.buildkit`.

Every handler is registered under the name the spec uses; a project overrides one by
registering a handler of the same name.  This module is where every beat is registered:
a built-in handler is visible only to the pipeline whose handler module defines it (its
``__module__``, which the run and the conformity checker both read), so the handlers stay
here and the longer work lives in ``build_packages`` and ``build_outputs``.  Beats share
what they learn through one typed :class:`~.build_run.BuildRun` (``symphony.state["build"]``).
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from pytest_symphony.paths import shown_path
from pytest_symphony import buildkit as bk
from pytest_symphony.errors import SymphonyError
from pytest_symphony.runtime.context import SequenceRun
from pytest_symphony.score.model import Beat
from pytest_symphony.session_key import handlers_of, run_of
from pytest_symphony.stamps import utc_now

from . import build_outputs, build_packages
from .build_outputs import BuildWarning
from .build_packages import packages
from .build_readiness import beat_problems
from .build_run import PACKAGES, build_run, dist_outputs, needed
from .build_support import (
    build_env,
    conformity,
    domain_registry,
    isolation,
    manifest_specs,
    manifests_dir,
    report,
    severity,
    specs,
    timeout_s,
)
from .failures import builtin_handler as handler

__all__ = ["NO_HOST", "BuildWarning", "packages"]  # the expander registers with the handlers

NO_HOST = "no host build configured"


# -- 1. Validation ------------------------------------------------------------------------
@handler("loadBuildContext")
def load_build_context(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    sym, run = run_of(pytestconfig), build_run(symphony)
    context = bk.load_build_context(pytestconfig.rootpath)
    context["previous_build"] = bk.previous_build(
        sym.symphony_dir / "history.sqlite", symphony.sequence.id, exclude_run=sym.run_id
    )
    context.update(run_id=sym.run_id, dynamic=symphony.dynamic)
    build_env(symphony, pytestconfig)
    context["source_date_epoch"] = run.source_date_epoch
    bk.write_json(symphony.artifact_dir / "build-context.json", context)
    run.report["context"] = run.context = context
    run.run_started = time.time()
    symphony.metric("pyproject_files", len(context["pyproject_files"]))


@handler("validateOrchestrationDomains")
def validate_orchestration_domains(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    entries = specs(symphony, pytestconfig)
    problems = bk.spec_problems(entries)
    registry, found = domain_registry(pytestconfig), []
    if registry is not None:
        try:
            shown = Path(shown_path(registry, pytestconfig.rootpath))
            check = bk.check_registry(bk.read_domain_registry(registry), entries, shown)
            problems += check.errors
            found = check.warnings
        except bk.WorkspaceError as exc:
            problems.append(str(exc))
    for message in found:
        warnings.warn(BuildWarning(message), stacklevel=1)
    build_run(symphony).validation.update(
        specs=len(entries), registry=str(registry) if registry else None, problems=problems, warnings=found
    )
    symphony.metric("specs", len(entries))
    if problems:
        raise SymphonyError(
            f"{len(problems)} problem(s) with the specs or the domain registry:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


@handler("validateGovernanceRules")
def validate_governance_rules(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    result = conformity(pytestconfig)
    critical = [v for v in result.violations if severity(v) == "CRITICAL"]
    build_run(symphony).validation["critical_violations"] = len(critical)
    symphony.metric("critical_violations", len(critical))
    if critical:
        raise SymphonyError(
            f"{len(critical)} CRITICAL conformity violation(s); nothing is built until they are fixed:\n"
            + "\n".join(f"  {bk.violation_line(v)}" for v in critical)
        )


@handler("validateHandlers")
def validate_handlers(symphony: SequenceRun, pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> None:
    sym = handlers_of(pytestconfig)
    problems, checked = [], 0
    for entry in specs(symphony, pytestconfig):
        for movement in entry.sequence.movements if entry.sequence else ():
            for beat in movement.beats:
                checked += 1
                problems += beat_problems(sym, request, entry, movement, beat)
    build_run(symphony).validation["beats_checked"] = checked
    symphony.metric("beats_checked", checked)
    if problems:
        raise SymphonyError(f"{len(problems)} beat(s) cannot run:\n" + "\n".join(f"  {p}" for p in problems))


@handler("recordValidationResults")
def record_validation_results(symphony: SequenceRun) -> None:
    validation = build_run(symphony).validation
    validation["recorded_at"] = utc_now()
    bk.write_json(symphony.artifact_dir / "validation.json", validation)
    report(symphony)["validation"] = validation
    symphony.metric("validation_warnings", len(validation.get("warnings", [])))


# -- 2. Manifest preparation ----------------------------------------------------------------
@handler("regenerateOrchestrationDomains")
def regenerate_orchestration_domains(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    registry = bk.regenerate_registry(manifest_specs(symphony, pytestconfig), generated_at=utc_now())
    bk.write_json(manifests_dir(pytestconfig) / "domains.json", registry)
    symphony.metric("domains", len(registry["domains"]))


@handler("writeCanonicalSpecs")
def write_canonical_specs(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    canonical = bk.write_canonical_specs(manifests_dir(pytestconfig), manifest_specs(symphony, pytestconfig))
    build_run(symphony).canonical = canonical
    symphony.metric("canonical_specs", len(canonical))


@handler("generateManifests")
def generate_manifests(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    index = build_outputs.generate_manifests(symphony, pytestconfig)
    build_run(symphony).manifest_index = index
    symphony.metric("manifests", len(index["manifests"]))


@handler("validateManifestIntegrity")
def validate_manifest_integrity(pytestconfig: pytest.Config) -> None:
    problems = bk.validate_manifests(manifests_dir(pytestconfig), root=pytestconfig.rootpath)
    if problems:
        raise SymphonyError("the manifests are not consistent:\n" + "\n".join(f"  {p}" for p in problems))


@handler("recordManifestState")
def record_manifest_state(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    folder = manifests_dir(pytestconfig)
    index = bk.manifests.read_index(folder)
    report(symphony)["manifests"] = {
        "dir": shown_path(folder, pytestconfig.rootpath),
        "files": index["manifests"],
        "specs": len(index["specs"]),
    }
    symphony.metric("manifest_files", len(index["manifests"]) + len(index["specs"]))


# -- 3. Package building ------------------------------------------------------------------
@handler("initializePackageBuild")
def initialize_package_build(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    if importlib.util.find_spec("build") is None:
        raise SymphonyError(
            f"PyPA build is not installed for {sys.executable}; run: {sys.executable} -m pip install build"
        )
    found = bk.discover_packages(pytestconfig.rootpath)
    (symphony.artifact_dir / "logs").mkdir(exist_ok=True)
    symphony.metric("packages", len(found))
    symphony.metric("isolated", 1 if isolation(symphony, pytestconfig) else 0)


@handler("buildPackage")
def build_package(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    target = symphony.target
    assert target is not None and isinstance(target.value, bk.Package), "an item of the 'packages' expander"
    result = build_packages.build_one(symphony, beat, pytestconfig, target.value)
    symphony.metric("seconds", result.duration)
    symphony.metric("files", len(result.files))


@handler("recordPackageBuilds")
def record_package_builds(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    builds = dist_outputs(symphony, PACKAGES).builds
    found = isolation(symphony, pytestconfig)
    section = {"isolated": bool(found), "isolation_source": found.source, "builds": [b.to_json() for b in builds]}
    report(symphony)["packages"] = section
    bk.write_json(symphony.artifact_dir / "packages.json", section)
    symphony.metric("packages_built", len(builds))
    symphony.metric("build_seconds", sum(b.duration for b in builds))


# -- 4. Host application ------------------------------------------------------------------
def host(symphony: SequenceRun, config: pytest.Config) -> bk.HostConfig:
    """The host build ``[tool.symphony.build] host`` declares; without one the beat skips."""
    run = build_run(symphony)
    if not run.host_read:
        run.host, run.host_read = bk.host_config(config.rootpath), True
    if run.host is None:
        run.report["host"] = {"summary": "No host build configured ([tool.symphony.build] host)."}
        pytest.skip(NO_HOST)
    return run.host


@handler("prepareHostBuild")
def prepare_host_build(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    build_run(symphony).host_read = False  # read the configuration afresh for this run
    config = host(symphony, pytestconfig)
    (symphony.artifact_dir / "logs").mkdir(exist_ok=True)
    symphony.metric("declared_outputs", len(config.outputs))


@handler("runHostBuild")
def run_host_build(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    config = host(symphony, pytestconfig)
    result = bk.run_host_build(
        config, log_path=symphony.artifact_dir / "logs" / "host.log", timeout=timeout_s(beat), check_outputs=False
    )
    build_run(symphony).host_seconds = result.duration
    symphony.metric("seconds", result.duration)


@handler("checkHostOutputs")
def check_host_outputs(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    config = host(symphony, pytestconfig)
    found, missing = bk.check_host_outputs(config)
    if missing:
        raise bk.HostBuildFailed(
            f"the host build {config.display!r} left these declared outputs missing: {', '.join(missing)}; "
            f"fix the build or [tool.symphony.build] host_outputs in {config.pyproject}",
            missing=missing,
        )
    build_run(symphony).host_outputs = found
    symphony.metric("outputs", len(found))


@handler("recordHostBuild")
def record_host_build(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    config, run = host(symphony, pytestconfig), build_run(symphony)
    seconds = f" in {run.host_seconds:.1f} s" if run.host_seconds is not None else ""
    run.report["host"] = {
        "command": config.display,
        "outputs": [shown_path(p, pytestconfig.rootpath) for p in run.host_outputs],
        "summary": f"`{config.display}` passed{seconds}; {len(run.host_outputs)} declared output file(s).",
    }
    symphony.metric("host_outputs", len(run.host_outputs))


# -- 5. Artifacts -------------------------------------------------------------------------
@handler("collectArtifacts")
def collect_artifacts(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    builds: list[Any] = list(dist_outputs(symphony, PACKAGES).builds)
    found = bk.collect_artifacts(builds or bk.discover_packages(pytestconfig.rootpath))
    if not found:
        raise SymphonyError("no wheel or sdist to collect: movement 3 built nothing and no dist/ folder holds one")
    build_run(symphony).artifacts = found
    symphony.metric("artifacts", len(found))


def _artifacts(symphony: SequenceRun) -> list[Path]:
    return needed(build_run(symphony).artifacts, "the artifacts to check", "5.1 (Collect artifacts)")


@handler("hashArtifacts")
def hash_artifacts(symphony: SequenceRun) -> None:
    hashes = {str(p): bk.sha256_file(p) for p in _artifacts(symphony)}
    build_run(symphony).artifact_hashes = hashes
    symphony.metric("artifact_bytes", sum(Path(p).stat().st_size for p in hashes))


@handler("verifyArtifacts")
def verify_artifacts(symphony: SequenceRun) -> None:
    artifacts = _artifacts(symphony)
    problems = [p for artifact in artifacts for p in bk.verify_artifact(artifact)]
    for path, digest in build_run(symphony).artifact_hashes.items():
        if bk.sha256_file(Path(path)) != digest:
            problems.append(f"{Path(path).name}: changed since it was hashed")
    if problems:
        raise SymphonyError(f"{len(problems)} artifact problem(s):\n" + "\n".join(f"  {p}" for p in problems))
    symphony.metric("verified", len(artifacts))


@handler("checkDistributionMetadata")
def check_distribution_metadata(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    build_outputs.check_metadata(symphony, pytestconfig, _artifacts(symphony))


@handler("writeArtifactManifest")
def write_artifact_manifest(symphony: SequenceRun) -> None:
    written = build_outputs.write_artifact_manifests(symphony, _artifacts(symphony))
    symphony.metric("artifact_manifests", len(written))


@handler("recordArtifactMetrics")
def record_artifact_metrics(symphony: SequenceRun) -> None:
    entries = report(symphony).get("artifacts", {}).get("artifacts", [])
    symphony.metric("artifacts", len(entries))
    symphony.metric("artifact_bytes", sum(e["size"] for e in entries))
    symphony.metric("wheels", sum(1 for e in entries if e["kind"] == "wheel"))
    symphony.metric("sdists", sum(1 for e in entries if e["kind"] == "sdist"))


# -- 6. Verification ----------------------------------------------------------------------
@handler("lintWithRuff")
def lint_with_ruff(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    command = bk.find_ruff()
    if command is None:
        report(symphony)["lint"] = {"summary": "Skipped: ruff is not installed."}
        pytest.skip("ruff is not installed (pip install ruff), so the project is not linted")
    result = bk.run_ruff(
        command,
        pytestconfig.rootpath,
        log_path=symphony.artifact_dir / "lint.log",
        timeout=timeout_s(beat),
        cache_dir=run_of(pytestconfig).symphony_dir / "cache" / "ruff",
    )
    report(symphony)["lint"] = {"command": result.command, "summary": f"`{' '.join(result.command)}` passed."}
    symphony.metric("seconds", result.duration)


@handler("scoreConformity")
def score_conformity(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    run = build_run(symphony)
    run.conformity = conformity(pytestconfig)
    run.report["conformity"] = build_outputs.conformity_section(symphony, run.conformity)
    run.conformity_scored = True


@handler("generateSequenceDocs")
def generate_sequence_docs(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    root = pytestconfig.rootpath
    folder = bk.docs_dir(root) or run_of(pytestconfig).symphony_dir / "docs"
    project_specs = [e for e in specs(symphony, pytestconfig) if not e.builtin]
    try:
        result = bk.write_sequence_docs(folder, project_specs)
    except bk.DocsConflict as exc:
        raise SymphonyError(str(exc)) from None
    report(symphony)["docs"] = {
        "written": [shown_path(p, root) for p in result.written],
        "removed": [shown_path(p, root) for p in result.removed],
    }
    symphony.metric("docs", len(result.written))


@handler("checkScoreThresholds")
def check_score_thresholds(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    run = build_run(symphony)
    if not run.conformity_scored:
        pytest.skip("no conformity scores to check (beat 6.2 did not run)")
    if run.conformity is None:  # 6.2 passed in the run this one resumes: score again (the engine caches)
        run.conformity = conformity(pytestconfig)
    thresholds = bk.score_thresholds(pytestconfig.rootpath, symphony.dynamic)
    failures = bk.check_thresholds(run.conformity.violations, run.conformity.scores, thresholds)
    run.report["thresholds"] = {
        "dynamic": thresholds.dynamic,
        "min_score": thresholds.min_score,
        "fail_on": thresholds.fail_on,
        "failures": failures,
    }
    if failures:
        raise SymphonyError("the conformity thresholds are not met:\n" + "\n".join(failures))


@handler("writeBuildReport")
def write_build_report(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    build_run(symphony).build_report = build_outputs.write_report(symphony, pytestconfig, "passed")


@handler("archiveBuild")
def archive_build(symphony: SequenceRun, pytestconfig: pytest.Config) -> None:
    copied = build_outputs.archive(symphony, pytestconfig)
    symphony.metric("archived_files", len(copied))


# -- rollback -----------------------------------------------------------------------------
@handler("rollbackBuild")
def rollback_build(symphony: SequenceRun, beat: Beat, pytestconfig: pytest.Config) -> None:
    """Put every ``dist/`` back as it was: remove this run's files, move back those they replaced; report."""
    movement, failed = symphony.failed or (None, beat)
    label = f"{movement.number}.{failed.number} {failed.title}" if movement else failed.title
    build_outputs.roll_back(symphony, pytestconfig, label)
