"""The build symphony's settings read once per run, and the project's specs.

The values the beats share are the typed :class:`~.build_run.BuildRun`; these helpers read
what the project says (ini keys, ``[tool.symphony.build]``, the spec files) into it on
first use.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from pytest_symphony.paths import shown_path
from pytest_symphony import buildkit as bk
from pytest_symphony import options
from pytest_symphony.builtins import Pipeline
from pytest_symphony.runtime.context import SequenceRun
from pytest_symphony.runtime.timing import parse_duration_ms
from pytest_symphony.score.loader import load_spec
from pytest_symphony.score.model import Beat
from pytest_symphony.session_key import run_of

from .build_run import PACKAGES, build_run, dist_outputs

ENGINE = "pytest_symphony.conformity.engine"


def report(symphony: SequenceRun) -> dict[str, Any]:
    """The build report's sections, filled beat by beat."""
    return build_run(symphony).report


def manifests_dir(config: pytest.Config) -> Path:
    """Where the project commits its manifests (ini ``symphony_manifests``), else the symphony folder."""
    committed = options.value(config, "symphony_manifests")
    return config.rootpath / committed if committed else run_of(config).symphony_dir / "manifests"


def timeout_s(beat: Beat) -> float | None:
    """A subprocess limit a little inside the beat's timeout, so the process is killed, not abandoned."""
    ms = parse_duration_ms(beat.timeout)
    return None if ms is None else max(1.0, ms / 1000 * 0.95)


def _run_pipelines(config: pytest.Config) -> list[Pipeline]:
    """The built-in pipelines (alias, spec) this run names on ``--symphony``."""
    sym = run_of(config)
    found: dict[str, Pipeline] = {}
    ids: dict[str, Pipeline] | None = None
    for batch in config.hook.pytest_symphony_pipelines(config=config):
        for pipeline in batch or ():
            found.setdefault(pipeline.alias, pipeline)
    named = []
    for name in sym.selected:
        if name in found:
            named.append(found[name])
            continue
        if ids is None:
            ids = {}
            for p in found.values():
                seq = load_spec(p.spec).sequence
                if seq is not None:
                    ids[seq.id] = p
        if name in ids:
            named.append(ids[name])
    return list({p.alias: p for p in named}.values())


def specs(symphony: SequenceRun, config: pytest.Config) -> list[bk.SpecEntry]:
    """The project's specs plus this run's built-in pipelines, loaded once per run."""
    run = build_run(symphony)
    if run.specs is None:
        sym = run_of(config)
        root = config.rootpath
        files: list[tuple[Path, str, frozenset[str] | None]] = [
            (p, shown_path(p, root), None) for p in bk.find_spec_files(sym.spec_roots)
        ]
        files += [
            (p.spec, f"builtin:{p.alias}", frozenset([p.handler_module] if p.handler_module else []))
            for p in _run_pipelines(config)
        ]
        run.specs = bk.load_specs(files, max_bytes=sym.max_spec_bytes)
    return run.specs


def committed_manifests(config: pytest.Config) -> bool:
    return manifests_dir(config) != run_of(config).symphony_dir / "manifests"


def manifest_specs(symphony: SequenceRun, config: pytest.Config) -> list[bk.SpecEntry]:
    """The specs the manifests describe: committed manifests hold the project's own only, so they do
    not change with the pipelines a run names; the build's output copy holds this run's built-ins too."""
    entries = specs(symphony, config)
    return [e for e in entries if not e.builtin] if committed_manifests(config) else entries


def domain_registry(config: pytest.Config) -> Path | None:
    value = options.value(config, "symphony_domain_registry")
    value = value[0] if isinstance(value, list) and value else value
    return config.rootpath / str(value) if value else None


def conformity(config: pytest.Config) -> Any:
    """Run the conformity engine over the project; skip the beat when the engine is not installed.

    Imported here, not at the top: the engine is an optional part of the package.
    """
    try:
        from pytest_symphony.conformity.engine import check_workspace
        from pytest_symphony.conformity.gather import session_inputs
    except ModuleNotFoundError as exc:
        if exc.name not in (ENGINE, "pytest_symphony.conformity"):
            raise
        pytest.skip(f"the conformity engine ({ENGINE}) is not installed")
    return check_workspace(config.rootpath, inputs=session_inputs(config))


def severity(v: Any) -> str:
    return str(getattr(v.severity, "value", v.severity)).upper()


def isolation(symphony: SequenceRun, config: pytest.Config) -> bk.Isolation:
    """The project's isolation setting, read once per run."""
    run = build_run(symphony)
    if run.isolation is None:
        run.isolation = bk.build_isolation(config.rootpath)
    return run.isolation


def build_env(symphony: SequenceRun, config: pytest.Config) -> dict[str, str]:
    """Variables every package build gets: SOURCE_DATE_EPOCH from the commit, unless the user set one."""
    run = build_run(symphony)
    if run.build_env is None:
        found = bk.source_date_epoch(config.rootpath)
        from_git = found is not None and found[1] != "the environment"
        run.build_env = {"SOURCE_DATE_EPOCH": found[0]} if found is not None and from_git else {}
        run.source_date_epoch = {"value": found[0], "source": found[1]} if found else None
    return run.build_env


def staging(symphony: SequenceRun, config: pytest.Config, name: str) -> Path:
    """A fresh folder of this run for one build's output; the session's end removes what is left."""
    outputs = dist_outputs(symphony, PACKAGES)
    root = symphony.artifact_dir / "staging"
    if outputs.staging_root is None:
        outputs.staging_root = root
        config.add_cleanup(lambda: shutil.rmtree(root, ignore_errors=True))
    folder = root / name
    shutil.rmtree(folder, ignore_errors=True)
    return folder
