"""What the build symphony's beats share: the run's state, its settings read once, the specs.

Kept apart from ``build_handlers.py`` so that module holds the handlers themselves (a
handler must be defined in its pipeline's handler module to be scoped to it).
"""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path
from typing import Any

import pytest

from pytest_symphony import buildkit as bk
from pytest_symphony import options
from pytest_symphony.errors import SymphonyError
from pytest_symphony.runtime.timing import parse_duration_ms
from pytest_symphony.score.loader import load_spec
from pytest_symphony.session_key import recorder_of, run_of

ENGINE = "pytest_symphony.conformity.engine"


def _report(symphony) -> dict[str, Any]:
    return symphony.state.setdefault("report", {})


def _manifests_dir(config) -> Path:
    """Where the project commits its manifests (ini ``symphony_manifests``), else the symphony folder."""
    committed = options.value(config, "symphony_manifests")
    return config.rootpath / committed if committed else run_of(config).symphony_dir / "manifests"


def _timeout_s(beat) -> float | None:
    """A subprocess limit a little inside the beat's timeout, so the process is killed, not abandoned."""
    ms = parse_duration_ms(beat.timeout)
    return None if ms is None else max(1.0, ms / 1000 * 0.95)


def _run_pipelines(config) -> list:
    """The built-in pipelines (alias, spec) this run names on ``--symphony``."""
    sym = run_of(config)
    found, ids = {}, None
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


def _specs(symphony, config) -> list[bk.SpecEntry]:
    """The project's specs plus this run's built-in pipelines, loaded once per run."""
    if "specs" not in symphony.state:
        sym = run_of(config)
        root = config.rootpath
        files = [(p, bk.display_path(p, root), None) for p in bk.find_spec_files(sym.spec_roots)]
        files += [
            (p.spec, f"builtin:{p.alias}", frozenset({p.handler_module} - {None})) for p in _run_pipelines(config)
        ]
        symphony.state["specs"] = bk.load_specs(files, max_bytes=sym.max_spec_bytes)
    return symphony.state["specs"]


def _committed_manifests(config) -> bool:
    return _manifests_dir(config) != run_of(config).symphony_dir / "manifests"


def _manifest_specs(symphony, config) -> list[bk.SpecEntry]:
    """The specs the manifests describe: committed manifests hold the project's own only, so they do
    not change with the pipelines a run names; the build's output copy holds this run's built-ins too."""
    entries = _specs(symphony, config)
    return [e for e in entries if not e.builtin] if _committed_manifests(config) else entries


def _domain_registry(config) -> Path | None:
    value = options.value(config, "symphony_domain_registry")
    value = value[0] if isinstance(value, list) and value else value
    return config.rootpath / str(value) if value else None


def _conformity(config):
    """Run the conformity engine over the project; skip the beat when the engine is not installed."""
    try:
        from pytest_symphony.conformity.engine import check_workspace
        from pytest_symphony.conformity.gather import session_inputs
    except ModuleNotFoundError as exc:
        if exc.name not in (ENGINE, "pytest_symphony.conformity"):
            raise
        pytest.skip(f"the conformity engine ({ENGINE}) is not installed")
    return check_workspace(config.rootpath, inputs=session_inputs(config))


def _severity(v) -> str:
    return str(getattr(v.severity, "value", v.severity)).upper()


def _session(symphony, config) -> dict[str, Any]:
    """What the report and the rollback (which get no config) need to know of the session."""
    sym = run_of(config)
    return symphony.state.setdefault(
        "session", {"run_dir": sym.run_dir, "root": config.rootpath, "written": recorder_of(config).written}
    )


def _isolation(symphony, config) -> bk.Isolation:
    """The isolation setting beat 3.1 settled (or, when it did not run, the project's)."""
    if symphony.state.get("isolation") is None:
        symphony.state["isolation"] = bk.build_isolation(config.rootpath)
    return symphony.state["isolation"]


def _needs(symphony, key: str, what: str, beat: str):
    """What an earlier beat left in the run's state, or a clear failure naming that beat."""
    if key not in symphony.state:
        raise SymphonyError(
            f"{what} come from beat {beat}, which did not run in this session; "
            f"run the whole movement (a -k selection left beat {beat} out)"
        )
    return symphony.state[key]


def _build_env(symphony, config) -> dict[str, str]:
    """Variables every package build gets: SOURCE_DATE_EPOCH from the commit, unless the user set one."""
    if "build_env" not in symphony.state:
        found = bk.source_date_epoch(config.rootpath)
        from_git = found is not None and found[1] != "the environment"
        symphony.state["build_env"] = {"SOURCE_DATE_EPOCH": found[0]} if from_git else {}
        symphony.state["source_date_epoch"] = {"value": found[0], "source": found[1]} if found else None
    return symphony.state["build_env"]


def _handler_info(entry) -> dict[str, Any]:
    func = inspect.unwrap(entry.func)
    code = getattr(func, "__code__", None)
    return {
        "name": entry.name,
        "module": entry.module,
        "origin": entry.origin,
        "file": code.co_filename if code else None,
        "line": code.co_firstlineno if code else None,
    }


def _staging(symphony, config, name: str) -> Path:
    """A fresh folder of this run for one build's output; the session's end removes what is left."""
    root = symphony.artifact_dir / "staging"
    if "staging_root" not in symphony.state:
        symphony.state["staging_root"] = root
        config.add_cleanup(lambda: shutil.rmtree(root, ignore_errors=True))
    folder = root / name
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def _check_reproducible(symphony, config, pkg, first, build) -> None:
    """ff: build the package a second time and compare; a difference fails the beat."""
    second = build(_staging(symphony, config, f"{pkg.name}.again"), "again")
    by_name = {f.name: f for f in second.files}
    results = symphony.state.setdefault("reproducibility", {})
    bad = []
    for artifact in first.files:
        twin = by_name.get(artifact.name)
        found = (
            bk.compare_builds(artifact, twin)
            if twin
            else bk.Comparison(artifact.name, False, False, "the second build did not produce it")
        )
        results[artifact.name] = {"reproducible": found.identical, "detail": found.detail}
        if not found.acceptable:
            bad.append(f"  {artifact.name}: {found.detail}")
    shutil.rmtree(second.outdir, ignore_errors=True)
    symphony.metric("reproducible", 0 if bad else 1)
    if bad:
        sde = symphony.state.get("source_date_epoch")
        hint = (
            f"SOURCE_DATE_EPOCH={sde['value']} (from {sde['source']})"
            if sde
            else "no SOURCE_DATE_EPOCH: commit the project to git or set SOURCE_DATE_EPOCH"
        )
        raise bk.NotReproducible(f"two builds of {pkg.name} from the same sources differ ({hint}):\n" + "\n".join(bad))
