"""``--symphony-fix-commit``: one git commit per kept phase.

Before anything runs, the work tree must be a git work tree with nothing staged (the
commits must hold the fixes and nothing else).  After a phase is kept, its files are
staged and committed with a message naming the phase, the codes fixed and the snapshot
that undoes it.  A file that held uncommitted work of yours before the fix is not
committed (that work is yours to commit): the phase stays fixed in the work tree and
the beat says so.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import SymphonyError

__all__ = ["GitError", "check_ready", "commit_phase"]


class GitError(SymphonyError):
    """git is missing, this is no work tree, changes are staged, or a commit failed."""


def _git(root: Path, *args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], input=data, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("--symphony-fix-commit needs git on PATH") from None


def check_ready(root: Path) -> None:
    """Raise GitError unless ``root`` is in a git work tree with nothing staged."""
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        raise GitError(f"--symphony-fix-commit: {root} is not inside a git work tree")
    staged = _git(root, "diff", "--cached", "--name-only", "--relative")
    if staged.returncode != 0:
        raise GitError(f"--symphony-fix-commit: git diff --cached failed: {staged.stderr.decode(errors='replace')}")
    names = staged.stdout.decode(errors="replace").split()
    if names:
        listed = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
        raise GitError(
            f"--symphony-fix-commit: other changes are staged ({listed}); commit or unstage them first, "
            "so that each fix commit holds only its fixes"
        )


def message(outcome: Any, run_id: str) -> str:
    codes = Counter(v.code for fix in outcome.applied for v in fix.violations)
    summary = ", ".join(f"{code} x{n}" for code, n in sorted(codes.items()))
    lines = [
        f"symphony fix: phase {outcome.number} {outcome.title} ({summary})",
        "",
        f"Applied by pytest --symphony-fix in run {run_id}; undo with pytest --symphony-rollback={outcome.snapshot}.",
        "",
    ]
    for fix in outcome.applied:
        lines.append(f"- {fix.code}: {fix.description} ({', '.join(fix.files)})")
    return "\n".join(lines) + "\n"


def commit_phase(root: Path, outcome: Any, snapshot: Any, run_id: str) -> str:
    """Commit the kept phase's files; returns the new commit's hash."""
    files = [p for p in outcome.files]
    if not files:
        raise GitError("the phase changed no file")
    for path in files:
        entry = snapshot.files.get(path) if snapshot is not None else None
        if entry is None or not entry.existed:
            continue
        indexed = _git(root, "show", f":./{path}")
        before = (snapshot.folder / "files" / path).read_bytes()
        if indexed.returncode != 0 or indexed.stdout != before:
            raise GitError(
                f"phase {outcome.number} is kept but not committed: {path} held uncommitted changes "
                "before the fix; review and commit it yourself"
            )
    added = _git(root, "add", "--", *files)
    if added.returncode != 0:
        raise GitError(f"git add failed: {added.stderr.decode(errors='replace').strip()}")
    done = _git(root, "commit", "--quiet", "-F", "-", data=message(outcome, run_id).encode())
    if done.returncode != 0:
        _git(root, "reset", "--quiet", "--", *files)
        raise GitError(
            f"phase {outcome.number} is kept but git commit failed: "
            f"{(done.stderr or done.stdout).decode(errors='replace').strip()}"
        )
    head: bytes = _git(root, "rev-parse", "HEAD").stdout
    return head.decode().strip()
