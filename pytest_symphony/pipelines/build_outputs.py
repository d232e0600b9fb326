"""What the build writes beyond the packages: the manifests, artifact manifests, the build report,
and the rollback that takes back what it put into ``dist/``.

Kept out of ``build_handlers.py``, which registers the beats and stays their one place.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from pytest_symphony.paths import shown_path
from pytest_symphony import buildkit as bk
from pytest_symphony.runtime.context import SequenceRun
from pytest_symphony.session_key import handlers_of, recorder_of, run_of
from pytest_symphony.stamps import utc_now

from .build_run import MANIFESTS, PACKAGES, BuildRun, build_run, dist_outputs
from .build_support import committed_manifests, manifest_specs, manifests_dir, severity


class BuildWarning(UserWarning):
    """Something the build noticed that does not stop it (a stale domain registry entry)."""


def generate_manifests(symphony: SequenceRun, config: pytest.Config) -> dict[str, Any]:
    """Movement 2's manifests, with every handler the specs resolve to (as the run resolves them)."""
    run = build_run(symphony)
    entries = manifest_specs(symphony, config)
    return bk.generate_project_manifests(
        manifests_dir(config),
        root=config.rootpath,
        entries=entries,
        registry=handlers_of(config).registry,
        canonical=run.canonical or bk.write_canonical_specs(manifests_dir(config), entries),
        commit=commit(run),
        builtin_handlers=not committed_manifests(config),
    )


def commit(run: BuildRun) -> str | None:
    """The git commit beat 1.1 found, if any."""
    found = ((run.context or {}).get("git") or {}).get("commit")
    return None if found is None else str(found)


def check_metadata(symphony: SequenceRun, config: pytest.Config, artifacts: list[Path]) -> None:
    """Each distribution's metadata as ``twine check`` checks it; warnings pass unless strict."""
    strict = bk.metadata_strict(config.rootpath)
    checks = [bk.check_metadata(p) for p in artifacts]
    build_run(symphony).report["metadata"] = {"strict": strict, "checks": [c.to_json() for c in checks]}
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


def write_artifact_manifests(symphony: SequenceRun, artifacts: list[Path]) -> list[Path]:
    """``artifact-manifest.json`` in each ``dist/`` (put back by the rollback) and one for the run."""
    run = build_run(symphony)
    replaced = dist_outputs(symphony, MANIFESTS).replaced
    by_dir: dict[Path, list[Path]] = {}
    for artifact in artifacts:
        by_dir.setdefault(Path(artifact).parent, []).append(artifact)
    written = []
    for folder, group in sorted(by_dir.items()):
        target = folder / "artifact-manifest.json"
        replaced.setdefault(str(target), target.read_bytes() if target.is_file() else None)
        bk.write_artifact_manifest(group, commit(run), target, reproducibility=run.reproducibility)
        written.append(target)
    combined = bk.write_artifact_manifest(
        artifacts, commit(run), symphony.artifact_dir / "artifact-manifest.json", reproducibility=run.reproducibility
    )
    run.report["artifacts"] = {"artifacts": combined["artifacts"], "manifests": [str(p) for p in written]}
    return written


def conformity_section(symphony: SequenceRun, result: Any) -> dict[str, Any]:
    """The report's conformity section (scores with their bands, counts, violations); a metric per score."""
    from pytest_symphony.conformity.scores import band  # the engine is optional: present once it has run

    counts = {s: 0 for s in ("CRITICAL", "MAJOR", "MINOR", "INFO")}
    for v in result.violations:
        counts[severity(v)] = counts.get(severity(v), 0) + 1
    scores = {}
    for dimension, score in result.scores.items():
        name = str(getattr(dimension, "value", dimension))
        scores[name] = {"score": score, "band": band(score)}
        symphony.metric(f"score_{name.lower()}", score)
    return {"scores": scores, "counts": counts, "violations": [v.to_dict() for v in result.violations]}


def write_report(symphony: SequenceRun, config: pytest.Config, status: str, failed: str | None = None) -> Path:
    """The build report into the run's folder, listed at the end of the terminal summary; returns the Markdown."""
    sym = run_of(config)
    report = {
        "run_id": symphony.run_id,
        "dynamic": symphony.dynamic,
        "status": status,
        "failed_beat": failed,
        "generated_at": utc_now(),
        **build_run(symphony).report,
    }
    paths = bk.write_build_report(sym.run_dir, report)
    recorder_of(config).written.extend(shown_path(p, config.rootpath) for p in paths)
    return paths[0]


def archive(symphony: SequenceRun, config: pytest.Config) -> list[Path]:
    """ff: artifacts, manifests and the run folder under ``<symphony dir>/archive/<run id>/``."""
    sym = run_of(config)
    target = sym.symphony_dir / "archive" / sym.run_id
    copied = bk.archive_build(
        target, artifacts=build_run(symphony).artifacts or [], manifests_dir=manifests_dir(config), run_dir=sym.run_dir
    )
    telemetry = sym.run_dir / "telemetry.jsonl"
    if not sym.is_worker:  # the controller writes telemetry: copy it again once the session is over

        def copy_final_telemetry() -> None:
            if telemetry.is_file():
                bk.write_atomic(target / "run" / telemetry.name, telemetry.read_text(encoding="utf-8"))

        config.add_cleanup(copy_final_telemetry)
    recorder_of(config).written.append(shown_path(target, config.rootpath))
    return copied


def roll_back(symphony: SequenceRun, config: pytest.Config, label: str) -> list[Path]:
    """Put every ``dist/`` back as it was: remove this run's files, move back those they replaced."""
    removed = bk.undo(dist_outputs(symphony, PACKAGES).changes)
    for path, content in dist_outputs(symphony, MANIFESTS).replaced.items():
        if content is None:
            Path(path).unlink(missing_ok=True)
            removed.append(Path(path))
        else:
            Path(path).write_bytes(content)
    run = build_run(symphony)
    run.rolled_back = [str(p) for p in removed]
    symphony.emit("build:rolled-back", beat=label, removed=run.rolled_back)
    run.report["rollback"] = {"failed_beat": label, "removed": run.rolled_back}
    if run.context is not None or run.build_report is not None:  # a report of this run has something to say
        write_report(symphony, config, "failed", label)
    return removed
