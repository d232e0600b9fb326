"""The conformity pipeline's fix mode: what its snapshot, analyze, fix and validate beats
do under ``--symphony-fix`` (write) and ``--symphony-diff`` (a copy: write nothing).

One :class:`FixRun` per process (the conformity sequence runs on one worker) holds the
:class:`~.phases.Remediation` the beats share.  The fix beat puts its phase's outcome on
its report as plain data; the plug-in gathers them on the controller for the summary.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from ..conformity.codes import Category
from ..conformity.engine import EngineResult, check_workspace
from ..conformity.items import RESULT_KEY, ConformityWarning, engine_result, in_phase, judge_file, report_payload
from ..conformity.settings import Settings
from ..conformity.violation import Violation
from ..errors import SymphonyError
from ..session_key import handlers_of, run_of
from .context import inside_root
from .gitcommit import commit_phase
from .phases import PHASE_TITLES, Remediation
from .snapshot import SNAPSHOTS_DIR
from .staging import StagedRegistry, Staging

__all__ = [
    "mode",
    "FixRun",
    "fix_run",
    "snapshot_beat",
    "fix_beat",
    "analyze_beat",
    "current_result",
    "validate_result",
]

RUN_KEY = pytest.StashKey["FixRun"]()
FIX, DIFF = "fix", "diff"


def mode(config: pytest.Config) -> str | None:
    """``"fix"``, ``"diff"`` or None (a detection run)."""
    try:
        if config.getoption("symphony_diff"):
            return DIFF
        return FIX if config.getoption("symphony_fix") else None
    except ValueError:  # the remediation plug-in is not registered
        return None


class FixRun:
    """This process's fixing run: the workspace it fixes (the rootdir, or a copy) and its phases."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.mode = mode(config)
        sym = run_of(config)
        self.staging = None
        root = config.rootpath
        registry: Any = handlers_of(config).registry
        if self.mode == DIFF:
            self.staging = Staging(root, sym.symphony_dir)
            config.add_cleanup(self.staging.close)
            registry = StagedRegistry(handlers_of(config).registry, root, self.staging.root)
            root = self.staging.root
        settings = Settings.from_config(config)
        settings.root = Path(root).resolve()
        snapshots = (sym.symphony_dir if self.staging is None else settings.symphony_path) / SNAPSHOTS_DIR
        self.root = Path(root)
        self.remediation = Remediation(
            self.root,
            settings,
            lambda: check_workspace(self.root, config=config, registry=registry),
            run_id=sym.run_id,
            snapshots_dir=snapshots,
            unsafe=bool(config.getoption("symphony_unsafe_fixes")),
            hook=config.hook,
            registry=registry,
        )
        if self.staging is None:  # the session's own first result serves as the starting point
            self.remediation.result = self.remediation.first = engine_result(config)


def fix_run(config: pytest.Config) -> FixRun:
    run = config.stash.get(RUN_KEY, None)
    if run is None:
        run = config.stash[RUN_KEY] = FixRun(config)
    return run


def current_result(config: pytest.Config) -> EngineResult:
    """What the workspace looks like now: fixed so far (fix mode), or as the copy would be (diff)."""
    return fix_run(config).remediation.current()


def validate_result(config: pytest.Config, phase: str, node: Any, categories: tuple[Category, ...]) -> EngineResult:
    """The result a validate beat judges; in fix mode its report carries the phase as fixed
    (the conformity summary and history then show the fixed workspace, not the one analyzed)."""
    run = fix_run(config)
    result = run.remediation.current()
    if run.mode == FIX:
        node.payload = report_payload(result, None, categories)
    return result


# -- the beats ------------------------------------------------------------------------------


def snapshot_beat(config: pytest.Config, phase: str, symphony: Any) -> dict[str, Any]:
    run = fix_run(config)
    snap = run.remediation.snapshot(phase)
    symphony.metric("snapshot_files", len(snap.files) if snap else 0)
    if snap is None:
        return {f"{phase}_snapshot": None}
    return {f"{phase}_snapshot": snap.id}


def _pending(run: FixRun, v: Violation) -> bool:
    """Whether this run will try to fix ``v`` (so analyze does not fail on it)."""
    if v.fix is None or not inside_root(v.place.path):
        return False
    return v.fix.safety.value == "safe" or run.remediation.unsafe


def analyze_beat(config: pytest.Config, phase: str, path: str, node: Any, categories: tuple[Category, ...]) -> None:
    """Judge one file on what fixing will leave: violations a fix will try are warnings."""
    run = fix_run(config)
    result = engine_result(config)
    pending = [v for v in result.of_file(path).violations if _pending(run, v)]
    try:
        judge_file(result, path, categories, node=node, pending=lambda v: _pending(run, v))
    finally:  # fix mode: validate reports the fixed phase instead; diff mode: this is the real state
        node.payload = None if run.mode == FIX else report_payload(result, path, categories)

    for v in pending:
        if in_phase(v, categories) and v.fix is not None:
            root = result.root or config.rootpath
            warnings.warn_explicit(
                ConformityWarning(
                    f"{v.place} {v.code} {v.severity}: {v.message} [the fix beat will {v.fix.description}]"
                ),
                ConformityWarning,
                str(root / v.place.path),
                v.place.line,
            )


def fix_beat(config: pytest.Config, phase: str, symphony: Any, node: Any) -> dict[str, Any]:
    run = fix_run(config)
    rem = run.remediation
    rem.on_event = lambda name, payload: symphony.emit(f"conformity:{phase}:{name}", **payload)
    try:
        outcome = rem.fix(phase)
    finally:
        rem.on_event = None
    data = outcome.to_dict()
    data["mode"] = run.mode
    node.symphony_fix = data
    if run.mode == FIX:  # later beats judge the fixed workspace (a fresh run when none was made)
        if outcome.after is not None:
            config.stash[RESULT_KEY] = outcome.after
        elif RESULT_KEY in config.stash:
            del config.stash[RESULT_KEY]
    symphony.metric("fixed", sum(outcome.codes().values()) if outcome.kept else 0)
    symphony.metric("rolled_back", 0 if outcome.kept else sum(outcome.codes().values()))
    symphony.metric("files", len(outcome.files))
    (symphony.artifact_dir / f"fix-{phase}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    title = PHASE_TITLES[phase]
    if not outcome.kept:
        raise SymphonyError(
            f"{title} fixes rolled back: {outcome.reason}"
            + (f"; every file restored from snapshot {outcome.snapshot}" if outcome.files else "")
        )
    if run.mode == FIX and config.getoption("symphony_fix_commit") and outcome.files:
        data["commit"] = commit_phase(config.rootpath, outcome, rem.snapshots.get(phase), rem.run_id)
    if run.mode == DIFF and outcome.diffs:
        body = "".join(outcome.diffs[p] for p in sorted(outcome.diffs))
        raise SymphonyError(
            f"{title}: --symphony-diff: {len(outcome.diffs)} file(s) would change; "
            f"pytest --symphony-fix applies these fixes\n{body}"
        )
    return {f"{phase}_fixed": dict(outcome.codes())}
