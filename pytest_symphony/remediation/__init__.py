"""Remediation: ``pytest --symphony-fix``, safe by construction.

Fixes follow the conformity pipeline's three phases; every phase is snapshotted,
applied as proven, non-overlapping edits written atomically, re-checked until nothing
changes, and kept or restored whole (:mod:`.phases`).  Outside pytest::

    from pytest_symphony.remediation import fix_workspace
    run = fix_workspace(Path("."))                 # safe fixes; unsafe=True adds the unsafe ones
    for outcome in run.outcomes:
        print(outcome.phase, outcome.kept, outcome.reason, dict(outcome.codes()))

Importing this package imports nothing heavy (its pytest plug-in loads on every run);
the names below load on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .phases import Remediation
    from .snapshot import Snapshot

__all__ = [
    "fix_workspace",
    "rollback",
    "Remediation",
    "PhaseOutcome",
    "PHASE_TITLES",
    "Snapshot",
    "RollbackError",
    "find_snapshots",
    "list_snapshots",
]

_LAZY = {
    "Remediation": "phases",
    "PhaseOutcome": "phases",
    "PHASE_TITLES": "phases",
    "Snapshot": "snapshot",
    "RollbackError": "snapshot",
    "find_snapshots": "snapshot",
    "list_snapshots": "snapshot",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fix_workspace(
    root: Path, *, unsafe: bool = False, run_id: str | None = None, phases: list[str] | None = None
) -> "Remediation":
    """Fix the workspace at ``root`` (settings from its ini file); returns the finished run."""
    # the engine and the phases load libcst and every check: only when a fix runs
    from ..conformity.engine import check_workspace
    from ..conformity.settings import Settings
    from ..stamps import new_run_id
    from .phases import Remediation
    from .snapshot import SNAPSHOTS_DIR

    root = Path(root).resolve()
    settings = Settings.from_root(root)
    remediation = Remediation(
        root,
        settings,
        lambda: check_workspace(root),
        run_id=run_id or new_run_id(),
        snapshots_dir=settings.symphony_path / SNAPSHOTS_DIR,
        unsafe=unsafe,
    )
    remediation.run(phases)
    return remediation


def rollback(root: Path, snapshots_dir: Path, which: str | None = None) -> "list[tuple[Snapshot, list[str]]]":
    """Restore the last run's snapshots (or the run or snapshot named ``which``), last phase
    first; refuses, changing nothing, when a file was edited since.  Returns what each restored."""
    from .snapshot import find_snapshots, restore_in_order

    chosen = find_snapshots(snapshots_dir, Path(root), which)
    return restore_in_order(chosen, f"--symphony-rollback {which or ''}".strip())
