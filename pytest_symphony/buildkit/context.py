"""The build context: what is being built, from which commit, on which Python and platform."""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..git_env import git_environment
from ..paths import shown_path
from pytest_symphony.telemetry.store import HistoryError, HistoryStore

from .workspace import pyproject_files, read_pyproject

__all__ = ["git_state", "load_build_context", "previous_build"]


#: Variables that would point git at another repository than ``root``.
def _git(root: Path, *args: str) -> str | None:
    """stdout of ``git -C root args`` (stripped), or None when git fails or is missing."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=30,
            env=git_environment(),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_state(root: Path) -> dict[str, Any]:
    """Commit, branch and dirty state of the git work tree holding ``root``.

    Every value is ``None`` when git is missing or ``root`` is not in a work tree;
    ``commit`` is also ``None`` in a repository without commits, ``branch`` on a
    detached HEAD.  ``dirty`` counts changes to tracked files only (like
    ``git describe --dirty``); untracked files are counted in ``untracked``.
    """
    state: dict[str, Any] = {
        "available": shutil.which("git") is not None,
        "toplevel": None,
        "commit": None,
        "short_commit": None,
        "branch": None,
        "detached": None,
        "dirty": None,
        "untracked": None,
    }
    if not state["available"]:
        return state
    toplevel = _git(root, "rev-parse", "--show-toplevel")
    if toplevel is None:
        return state
    state["toplevel"] = toplevel
    commit = _git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    state["commit"] = commit or None
    state["short_commit"] = commit[:12] if commit else None
    branch = _git(root, "symbolic-ref", "--short", "-q", "HEAD")
    state["branch"] = branch or None
    state["detached"] = not branch
    status = _git(root, "status", "--porcelain=v1", "--untracked-files=normal")
    if status is not None:
        lines = [line for line in status.splitlines() if line]
        untracked = sum(1 for line in lines if line.startswith("??"))
        state["untracked"] = untracked
        state["dirty"] = len(lines) > untracked
    return state


def load_build_context(root: Path) -> dict[str, Any]:
    """A JSON-able description of the build about to run in ``root``.

    Keys: ``root``, ``pyproject`` (the root file, or None), ``project`` (``name`` and
    ``version`` of the root ``[project]``, None when it has none), ``pyproject_files``
    (the workspace packages' files, relative to root), ``git`` (see :func:`git_state`),
    ``python``, ``platform`` and ``created_at``.  A broken root pyproject.toml raises
    :class:`~pytest_symphony.buildkit.workspace.WorkspaceError`.
    """
    root = Path(root).resolve()
    pyproject = root / "pyproject.toml"
    project: dict[str, Any] | None = None
    files: list[str] = []
    if pyproject.is_file():
        data = read_pyproject(pyproject)
        table = data.get("project")
        if isinstance(table, dict) and isinstance(table.get("name"), str):
            project = {
                "name": table["name"],
                "version": table.get("version") if isinstance(table.get("version"), str) else None,
                "dynamic": sorted(d for d in table.get("dynamic", []) if isinstance(d, str)),
            }
        files = [shown_path(p, root, resolve=False) for p in pyproject_files(root)]
    return {
        "root": str(root),
        "pyproject": str(pyproject) if pyproject.is_file() else None,
        "project": project,
        "pyproject_files": files,
        "git": git_state(root),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "platform": platform.platform(),
        },
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def previous_build(
    history: Path, sequence: str, *, exclude_run: str | None = None, look_back: int = 50
) -> dict[str, Any] | None:
    """The newest earlier run of ``sequence`` in the SQLite history, or None.

    Gives its run id, start, commit, dynamic, exit status and beat counts by status.  A
    missing history file is not created; an unreadable one counts as no history.
    """
    if not Path(history).is_file():
        return None
    try:
        with HistoryStore(history) as store:
            for run in store.runs(limit=look_back):
                if run.get("run_id") == exclude_run:
                    continue
                attempts = store.attempts(run_id=run["run_id"], sequence=sequence)
                if not attempts:
                    continue
                counts: dict[str, int] = {}
                for a in attempts:
                    counts[a.get("status") or "unknown"] = counts.get(a.get("status") or "unknown", 0) + 1
                return {
                    "run_id": run["run_id"],
                    "started_at": run.get("started_at"),
                    "ended_at": run.get("ended_at"),
                    "git_commit": run.get("git_commit"),
                    "dynamic": run.get("dynamic"),
                    "exit_status": run.get("exit_status"),
                    "beats": counts,
                }
    except HistoryError:
        return None
    return None
