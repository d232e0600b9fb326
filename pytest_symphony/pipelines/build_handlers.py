"""Handlers of the built-in build symphony (``build.yaml``): thin calls into :mod:`pytest_symphony.buildkit`.

Every handler is registered under the name the spec uses; a project overrides one by
registering a handler of the same name.  Beats share what they learn through
``symphony.state``; ``state["report"]`` collects what the build report shows, and
``state["dist_changes"]`` every file this run put into a ``dist/`` (and what it replaced),
so the rollback puts every ``dist/`` back exactly.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings
from pathlib import Path

import pytest

from pytest_symphony import buildkit as bk
from pytest_symphony.errors import DuplicateHandler, HandlerNotFound, SymphonyError
from pytest_symphony.pipelines.build_readiness import beat_problems
from pytest_symphony.pipelines.progress import live_line
from pytest_symphony.pipelines.build_support import (
    _build_env,
    _check_reproducible,
    _committed_manifests,
    _conformity,
    _domain_registry,
    _handler_info,
    _isolation,
    _manifest_specs,
    _manifests_dir,
    _needs,
    _report,
    _session,
    _severity,
    _specs,
    _staging,
    _timeout_s,
)
from pytest_symphony.pipelines.failures import builtin_handler as handler
from pytest_symphony.runtime.registry import Target, expander
from pytest_symphony.session_key import handlers_of, recorder_of, run_of
from pytest_symphony.stamps import utc_now

NO_HOST = "no host build configured"


class BuildWarning(UserWarning):
    """Something the build noticed that does not stop it (a stale domain registry entry)."""


# -- 1. Validation ------------------------------------------------------------------------
@handler("loadBuildContext")
def load_build_context(symphony, pytestconfig):
    sym = run_of(pytestconfig)
    context = bk.load_build_context(pytestconfig.rootpath)
    context["previous_build"] = bk.previous_build(
        sym.symphony_dir / "history.sqlite", symphony.sequence.id, exclude_run=sym.run_id
    )
    context.update(run_id=sym.run_id, dynamic=symphony.dynamic)
    _build_env(symphony, pytestconfig)
    context["source_date_epoch"] = symphony.state["source_date_epoch"]
    bk.write_json(symphony.artifact_dir / "build-context.json", context)
    _report(symphony)["context"] = context
    symphony.metric("pyproject_files", len(context["pyproject_files"]))
    _session(symphony, pytestconfig)
    return {"context": context, "run_started": time.time()}


@handler("validateOrchestrationDomains")
def validate_orchestration_domains(symphony, pytestconfig):
    entries = _specs(symphony, pytestconfig)
    problems = bk.spec_problems(entries)
    registry, found = _domain_registry(pytestconfig), []
    if registry is not None:
        try:
            shown = Path(bk.display_path(registry, pytestconfig.rootpath))
            check = bk.check_registry(bk.read_domain_registry(registry), entries, shown)
            problems += check.errors
            found = check.warnings
        except bk.WorkspaceError as exc:
            problems.append(str(exc))
    for message in found:
        warnings.warn(BuildWarning(message), stacklevel=1)
    symphony.state["validation"] = {
        "specs": len(entries),
        "registry": str(registry) if registry else None,
        "problems": problems,
        "warnings": found,
    }
    symphony.metric("specs", len(entries))
    if problems:
        raise SymphonyError(
            f"{len(problems)} problem(s) with the specs or the domain registry:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


@handler("validateGovernanceRules")
def validate_governance_rules(symphony, pytestconfig):
    result = _conformity(pytestconfig)
    critical = [v for v in result.violations if _severity(v) == "CRITICAL"]
    symphony.state.setdefault("validation", {})["critical_violations"] = len(critical)
    symphony.metric("critical_violations", len(critical))
    if critical:
        raise SymphonyError(
            f"{len(critical)} CRITICAL conformity violation(s); nothing is built until they are fixed:\n"
            + "\n".join(f"  {bk.violation_line(v)}" for v in critical)
        )


@handler("validateHandlers")
def validate_handlers(symphony, pytestconfig, request):
    sym = handlers_of(pytestconfig)
    problems, checked = [], 0
    for entry in _specs(symphony, pytestconfig):
        for movement in entry.sequence.movements if entry.sequence else ():
            for beat in movement.beats:
                checked += 1
                problems += beat_problems(sym, request, entry, movement, beat)
    symphony.state.setdefault("validation", {})["beats_checked"] = checked
    symphony.metric("beats_checked", checked)
    if problems:
        raise SymphonyError(f"{len(problems)} beat(s) cannot run:\n" + "\n".join(f"  {p}" for p in problems))


@handler("recordValidationResults")
def record_validation_results(symphony):
    validation = symphony.state.setdefault("validation", {})
    validation["recorded_at"] = utc_now()
    bk.write_json(symphony.artifact_dir / "validation.json", validation)
    _report(symphony)["validation"] = validation
    symphony.metric("validation_warnings", len(validation.get("warnings", [])))


# -- 2. Manifest preparation ----------------------------------------------------------------
@handler("regenerateOrchestrationDomains")
def regenerate_orchestration_domains(symphony, pytestconfig):
    registry = bk.regenerate_registry(_manifest_specs(symphony, pytestconfig), generated_at=utc_now())
    bk.write_json(_manifests_dir(pytestconfig) / "domains.json", registry)
    symphony.metric("domains", len(registry["domains"]))


@handler("writeCanonicalSpecs")
def write_canonical_specs(symphony, pytestconfig):
    canonical = bk.write_canonical_specs(_manifests_dir(pytestconfig), _manifest_specs(symphony, pytestconfig))
    symphony.metric("canonical_specs", len(canonical))
    return {"canonical": canonical}


@handler("generateManifests")
def generate_manifests(symphony, pytestconfig):
    sym, root = handlers_of(pytestconfig), pytestconfig.rootpath
    entries = _manifest_specs(symphony, pytestconfig)
    canonical = symphony.state.get("canonical") or bk.write_canonical_specs(_manifests_dir(pytestconfig), entries)
    packages = bk.discover_packages(root) if (root / "pyproject.toml").is_file() else []
    resolved: dict[tuple, dict] = {}
    scopes = {e.sequence.id: e.scope for e in entries if e.sequence is not None}

    def resolve(ref, sequence_id):
        try:
            hit = sym.registry.resolve(ref, scopes.get(sequence_id, frozenset()))
        except (HandlerNotFound, DuplicateHandler):
            return None
        resolved[(hit.name, hit.module, hit.origin)] = _handler_info(hit)
        return {"name": hit.name, "module": hit.module, "origin": hit.origin}

    for entry in entries:  # resolve first: undecorated handlers join the handlers manifest
        for beat in entry.sequence.beats if entry.sequence else ():
            for ref in beat.handlers:
                resolve(ref, entry.sequence.id)
    project_only = _committed_manifests(pytestconfig)
    infos = {
        (e.name, e.module, e.origin): _handler_info(e)
        for e in sym.registry.entries()
        if not (project_only and e.origin == "builtin")
    }
    infos.update(resolved)
    commit = (symphony.state.get("context") or {}).get("git", {}).get("commit")
    index = bk.generate_manifests(
        _manifests_dir(pytestconfig),
        root=root,
        entries=entries,
        packages=packages,
        handlers=infos.values(),
        resolve=resolve,
        canonical=canonical,
        commit=commit,
    )
    symphony.metric("manifests", len(index["manifests"]))
    return {"manifest_index": index}


@handler("validateManifestIntegrity")
def validate_manifest_integrity(symphony, pytestconfig):
    problems = bk.validate_manifests(_manifests_dir(pytestconfig), root=pytestconfig.rootpath)
    if problems:
        raise SymphonyError("the manifests are not consistent:\n" + "\n".join(f"  {p}" for p in problems))


@handler("recordManifestState")
def record_manifest_state(symphony, pytestconfig):
    folder = _manifests_dir(pytestconfig)
    index = bk.manifests.read_index(folder)
    _report(symphony)["manifests"] = {
        "dir": bk.display_path(folder, pytestconfig.rootpath),
        "files": index["manifests"],
        "specs": len(index["specs"]),
    }
    symphony.metric("manifest_files", len(index["manifests"]) + len(index["specs"]))


# -- 3. Package building ------------------------------------------------------------------
@expander("packages")
def packages(config) -> list[Target]:
    """The workspace packages in build order; a dependency cycle raises here, before any build."""
    ordered = bk.build_order(bk.discover_packages(config.rootpath))
    return [Target(p.name, p, path=str(p.pyproject), line=1) for p in ordered]


@handler("initializePackageBuild")
def initialize_package_build(symphony, pytestconfig):
    if importlib.util.find_spec("build") is None:
        raise SymphonyError(
            f"PyPA build is not installed for {sys.executable}; run: {sys.executable} -m pip install build"
        )
    root = pytestconfig.rootpath
    isolation = bk.build_isolation(root)
    found = bk.discover_packages(root)
    (symphony.artifact_dir / "logs").mkdir(exist_ok=True)
    symphony.metric("packages", len(found))
    symphony.metric("isolated", 1 if isolation else 0)
    return {"isolation": isolation, "builds": []}


@handler("buildPackage")
def build_package(symphony, beat, pytestconfig):
    pkg = symphony.target.value
    isolation = _isolation(symphony, pytestconfig)
    env = _build_env(symphony, pytestconfig)
    logs = symphony.artifact_dir / "logs"

    def build(outdir: Path, suffix: str = ""):
        label = f"building {pkg.name}" + (" again (ff: is it reproducible?)" if suffix else "")
        with live_line(pytestconfig, label) as on_line:
            return bk.build_package(
                pkg,
                isolation=bool(isolation),
                outdir=outdir,
                env=env,
                on_line=on_line,
                log_path=logs / f"{pkg.name}{'.' + suffix if suffix else ''}.log",
                run_started=symphony.state.get("run_started"),
                timeout=_timeout_s(beat),
            )

    result = build(_staging(symphony, pytestconfig, pkg.name))
    if symphony.dynamic == "ff":
        _check_reproducible(symphony, pytestconfig, pkg, result, build)
    backups = symphony.state["staging_root"] / ".replaced" / pkg.name
    changes = bk.publish(result.files, pkg.dist_dir, backups)
    symphony.state.setdefault("dist_changes", []).extend(changes)
    result.files, result.outdir = [c.path for c in changes], pkg.dist_dir
    symphony.state.setdefault("builds", []).append(result)
    symphony.metric("seconds", result.duration)
    symphony.metric("files", len(result.files))


@handler("recordPackageBuilds")
def record_package_builds(symphony, pytestconfig):
    builds = symphony.state.get("builds", [])
    isolation = _isolation(symphony, pytestconfig)
    _report(symphony)["packages"] = {
        "isolated": bool(isolation),
        "isolation_source": isolation.source,
        "builds": [b.to_json() for b in builds],
    }
    bk.write_json(symphony.artifact_dir / "packages.json", _report(symphony)["packages"])
    symphony.metric("packages_built", len(builds))
    symphony.metric("build_seconds", sum(b.duration for b in builds))


# -- 4. Host application ------------------------------------------------------------------
def _host(symphony, config):
    if "host" not in symphony.state:
        symphony.state["host"] = bk.host_config(config.rootpath)
    if symphony.state["host"] is None:
        _report(symphony)["host"] = {"summary": "No host build configured ([tool.symphony.build] host)."}
        pytest.skip(NO_HOST)
    return symphony.state["host"]


@handler("prepareHostBuild")
def prepare_host_build(symphony, pytestconfig):
    symphony.state.pop("host", None)  # read the configuration afresh for this run
    config = _host(symphony, pytestconfig)
    (symphony.artifact_dir / "logs").mkdir(exist_ok=True)
    symphony.metric("declared_outputs", len(config.outputs))


@handler("runHostBuild")
def run_host_build(symphony, beat, pytestconfig):
    config = _host(symphony, pytestconfig)
    result = bk.run_host_build(
        config, log_path=symphony.artifact_dir / "logs" / "host.log", timeout=_timeout_s(beat), check_outputs=False
    )
    symphony.metric("seconds", result.duration)
    return {"host_result": result}


@handler("checkHostOutputs")
def check_host_outputs(symphony, pytestconfig):
    config = _host(symphony, pytestconfig)
    found, missing = bk.check_host_outputs(config)
    if missing:
        raise bk.HostBuildFailed(
            f"the host build {config.display!r} left these declared outputs missing: {', '.join(missing)}; "
            f"fix the build or [tool.symphony.build] host_outputs in {config.pyproject}",
            missing=missing,
        )
    symphony.metric("outputs", len(found))
    return {"host_outputs": found}


@handler("recordHostBuild")
def record_host_build(symphony, pytestconfig):
    config = _host(symphony, pytestconfig)
    result = symphony.state.get("host_result")
    outputs = symphony.state.get("host_outputs", [])
    seconds = f" in {result.duration:.1f} s" if result else ""
    _report(symphony)["host"] = {
        "command": config.display,
        "outputs": [bk.display_path(p, pytestconfig.rootpath) for p in outputs],
        "summary": f"`{config.display}` passed{seconds}; {len(outputs)} declared output file(s).",
    }
    symphony.metric("host_outputs", len(outputs))


# -- 5. Artifacts -------------------------------------------------------------------------
@handler("collectArtifacts")
def collect_artifacts(symphony, pytestconfig):
    builds = symphony.state.get("builds")
    found = bk.collect_artifacts(builds if builds else bk.discover_packages(pytestconfig.rootpath))
    if not found:
        raise SymphonyError("no wheel or sdist to collect: movement 3 built nothing and no dist/ folder holds one")
    symphony.metric("artifacts", len(found))
    return {"artifacts": found}


def _artifacts(symphony) -> list[Path]:
    return _needs(symphony, "artifacts", "the artifacts to check", "5.1 (Collect artifacts)")


@handler("hashArtifacts")
def hash_artifacts(symphony):
    hashes = {str(p): bk.sha256_file(p) for p in _artifacts(symphony)}
    symphony.metric("artifact_bytes", sum(Path(p).stat().st_size for p in hashes))
    return {"artifact_hashes": hashes}


@handler("verifyArtifacts")
def verify_artifacts(symphony):
    problems = [p for artifact in _artifacts(symphony) for p in bk.verify_artifact(artifact)]
    for path, digest in symphony.state.get("artifact_hashes", {}).items():
        if bk.sha256_file(path) != digest:
            problems.append(f"{Path(path).name}: changed since it was hashed")
    if problems:
        raise SymphonyError(f"{len(problems)} artifact problem(s):\n" + "\n".join(f"  {p}" for p in problems))
    symphony.metric("verified", len(symphony.state["artifacts"]))


@handler("checkDistributionMetadata")
def check_distribution_metadata(symphony, pytestconfig):
    strict = bk.metadata_strict(pytestconfig.rootpath)
    checks = [bk.check_metadata(p) for p in _artifacts(symphony)]
    _report(symphony)["metadata"] = {"strict": strict, "checks": [c.to_json() for c in checks]}
    symphony.metric("metadata_warnings", sum(len(c.warnings) for c in checks))
    failed = [c for c in checks if c.failed(strict)]
    if failed:
        lines = [
            f"  {c.artifact.name}: {kind}: {text}"
            for c in failed
            for kind, items in (("error", c.errors), ("warning", c.warnings))
            for text in items
        ]
        raise bk.MetadataProblems(
            f"{len(failed)} distribution(s) fail the metadata check (as twine check {'--strict ' if strict else ''}"
            "would):\n"
            + "\n".join(lines)
            + "\nFix [project] in the package's pyproject.toml"
            + (', or set [tool.symphony.build] metadata = "errors" to let warnings pass' if strict else "")
        )
    for c in checks:
        for text in c.warnings:
            warnings.warn(BuildWarning(f"{c.artifact.name}: {text}"), stacklevel=1)


@handler("writeArtifactManifest")
def write_artifact_manifest(symphony):
    artifacts = _artifacts(symphony)
    checked = symphony.state.get("reproducibility", {})
    commit = (symphony.state.get("context") or {}).get("git", {}).get("commit")
    replaced = symphony.state.setdefault("replaced_files", {})
    by_dir: dict[Path, list[Path]] = {}
    for artifact in artifacts:
        by_dir.setdefault(Path(artifact).parent, []).append(artifact)
    written = []
    for folder, group in sorted(by_dir.items()):
        target = folder / "artifact-manifest.json"
        # put back (or removed, when new) by the rollback if a later beat fails
        replaced.setdefault(str(target), target.read_bytes() if target.is_file() else None)
        bk.write_artifact_manifest(group, commit, target, reproducibility=checked)
        written.append(target)
    combined = bk.write_artifact_manifest(
        artifacts, commit, symphony.artifact_dir / "artifact-manifest.json", reproducibility=checked
    )
    _report(symphony)["artifacts"] = {"artifacts": combined["artifacts"], "manifests": [str(p) for p in written]}
    symphony.metric("artifact_manifests", len(written))


@handler("recordArtifactMetrics")
def record_artifact_metrics(symphony):
    entries = _report(symphony).get("artifacts", {}).get("artifacts", [])
    symphony.metric("artifacts", len(entries))
    symphony.metric("artifact_bytes", sum(e["size"] for e in entries))
    symphony.metric("wheels", sum(1 for e in entries if e["kind"] == "wheel"))
    symphony.metric("sdists", sum(1 for e in entries if e["kind"] == "sdist"))


# -- 6. Verification ----------------------------------------------------------------------
@handler("lintWithRuff")
def lint_with_ruff(symphony, beat, pytestconfig):
    command = bk.find_ruff()
    if command is None:
        _report(symphony)["lint"] = {"summary": "Skipped: ruff is not installed."}
        pytest.skip("ruff is not installed (pip install ruff), so the project is not linted")
    result = bk.run_ruff(
        command,
        pytestconfig.rootpath,
        log_path=symphony.artifact_dir / "lint.log",
        timeout=_timeout_s(beat),
        cache_dir=run_of(pytestconfig).symphony_dir / "cache" / "ruff",
    )
    _report(symphony)["lint"] = {"command": result.command, "summary": f"`{' '.join(result.command)}` passed."}
    symphony.metric("seconds", result.duration)


@handler("scoreConformity")
def score_conformity(symphony, pytestconfig):
    from pytest_symphony.conformity.scores import band

    result = _conformity(pytestconfig)
    counts = {s: 0 for s in ("CRITICAL", "MAJOR", "MINOR", "INFO")}
    for v in result.violations:
        counts[_severity(v)] = counts.get(_severity(v), 0) + 1
    scores = {}
    for dimension, score in result.scores.items():
        name = str(getattr(dimension, "value", dimension))
        scores[name] = {"score": score, "band": band(score)}
        symphony.metric(f"score_{name.lower()}", score)
    _report(symphony)["conformity"] = {
        "scores": scores,
        "counts": counts,
        "violations": [v.to_dict() for v in result.violations],
    }
    return {"conformity": result}


@handler("generateSequenceDocs")
def generate_sequence_docs(symphony, pytestconfig):
    root = pytestconfig.rootpath
    folder = bk.docs_dir(root) or run_of(pytestconfig).symphony_dir / "docs"
    project_specs = [e for e in _specs(symphony, pytestconfig) if not e.builtin]
    try:
        result = bk.write_sequence_docs(folder, project_specs)
    except bk.DocsConflict as exc:
        raise SymphonyError(str(exc)) from None
    _report(symphony)["docs"] = {
        "written": [bk.display_path(p, root) for p in result.written],
        "removed": [bk.display_path(p, root) for p in result.removed],
    }
    symphony.metric("docs", len(result.written))


@handler("checkScoreThresholds")
def check_score_thresholds(symphony, pytestconfig):
    result = symphony.state.get("conformity")
    if result is None:
        pytest.skip("no conformity scores to check (beat 6.2 did not run)")
    thresholds = bk.score_thresholds(pytestconfig.rootpath, symphony.dynamic)
    failures = bk.check_thresholds(result.violations, result.scores, thresholds)
    _report(symphony)["thresholds"] = {
        "dynamic": thresholds.dynamic,
        "min_score": thresholds.min_score,
        "fail_on": thresholds.fail_on,
        "failures": failures,
    }
    if failures:
        raise SymphonyError("the conformity thresholds are not met:\n" + "\n".join(failures))


def _write_report(symphony, status: str, failed: str | None = None) -> tuple[Path, Path]:
    """The build report into the run's folder, listed at the end of the terminal summary."""
    where = symphony.state["session"]
    report = {
        "run_id": symphony.run_id,
        "dynamic": symphony.dynamic,
        "status": status,
        "failed_beat": failed,
        "generated_at": utc_now(),
        **_report(symphony),
    }
    paths = bk.write_build_report(where["run_dir"], report)
    where["written"].extend(bk.display_path(p, where["root"]) for p in paths)
    return paths


@handler("writeBuildReport")
def write_build_report(symphony, pytestconfig):
    _session(symphony, pytestconfig)
    md, _js = _write_report(symphony, "passed")
    return {"build_report": md}


@handler("archiveBuild")
def archive_build(symphony, pytestconfig):
    sym = run_of(pytestconfig)
    target = sym.symphony_dir / "archive" / sym.run_id
    copied = bk.archive_build(
        target,
        artifacts=symphony.state.get("artifacts", []),
        manifests_dir=_manifests_dir(pytestconfig),
        run_dir=sym.run_dir,
    )
    telemetry = sym.run_dir / "telemetry.jsonl"
    if not sym.is_worker:  # the controller writes telemetry: copy it again once the session is over

        def copy_final_telemetry() -> None:
            if telemetry.is_file():
                bk.write_atomic(target / "run" / telemetry.name, telemetry.read_text(encoding="utf-8"))

        pytestconfig.add_cleanup(copy_final_telemetry)
    recorder_of(pytestconfig).written.append(bk.display_path(target, pytestconfig.rootpath))
    symphony.metric("archived_files", len(copied))


# -- rollback -----------------------------------------------------------------------------
@handler("rollbackBuild")
def rollback_build(symphony, beat):
    """Put every ``dist/`` back as it was: remove this run's files, move back those they replaced; report."""
    removed = bk.undo(symphony.state.get("dist_changes", []))
    for path, content in symphony.state.get("replaced_files", {}).items():
        if content is None:
            Path(path).unlink(missing_ok=True)
            removed.append(Path(path))
        else:
            Path(path).write_bytes(content)
    symphony.state["rolled_back"] = [str(p) for p in removed]
    movement, failed = symphony.failed or (None, beat)
    label = f"{movement.number}.{failed.number} {failed.title}" if movement else failed.title
    symphony.emit("build:rolled-back", beat=label, removed=[str(p) for p in removed])
    _report(symphony)["rollback"] = {"failed_beat": label, "removed": [str(p) for p in removed]}
    if "session" in symphony.state:  # the context beat ran: the report has somewhere to go
        _write_report(symphony, "failed", label)
