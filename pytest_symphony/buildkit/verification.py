"""Movement 6's checks: lint with Ruff, and conformity results against a dynamic's thresholds."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from pytest_symphony.errors import SymphonyError

from .process import LOG_TAIL_LINES, run_logged
from .settings import Thresholds

__all__ = ["LintFailed", "LintResult", "check_thresholds", "find_ruff", "run_ruff", "violation_line"]

_SEVERITY_RANK = {"INFO": 0, "MINOR": 1, "MAJOR": 2, "CRITICAL": 3}


class LintFailed(SymphonyError):
    """Ruff reported problems (or could not run); carries the output's last lines."""


@dataclass
class LintResult:
    command: list[str]
    returncode: int
    log_path: Path | None
    duration: float
    tail: str


def find_ruff() -> list[str] | None:
    """The command that runs Ruff: ``ruff`` on PATH, else ``python -m ruff``; None when neither exists."""
    exe = shutil.which("ruff")
    if exe:
        return [exe]
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    return None


def run_ruff(
    command: list[str],
    root: Path,
    *,
    log_path: Path | None = None,
    timeout: float | None = None,
    cache_dir: Path | None = None,
) -> LintResult:
    """``ruff check .`` in ``root`` (so the project's Ruff configuration applies).

    ``cache_dir`` keeps Ruff's cache out of the project tree (the symphony folder holds it).

    Raises :class:`LintFailed` with the output's tail when Ruff reports problems, fails,
    or times out.
    """
    cmd = [*command, "check", "--output-format", "concise", "."]
    if cache_dir is not None:
        cmd[-1:-1] = ["--cache-dir", str(cache_dir)]
    started = time.time()
    header = f"# lint: {' '.join(cmd)}\n# cwd: {root}\n\n"
    code, tail, _ = run_logged(cmd, cwd=Path(root), log_path=log_path, header=header, timeout=timeout)
    duration = time.time() - started
    if code != 0:
        what = {1: "Ruff found problems", None: "Ruff timed out or could not start"}.get(
            code, f"Ruff failed with exit code {code}"
        )
        where = f"full log: {log_path}" if log_path else "no log file was requested"
        raise LintFailed(
            f"{what} in {root}; {where}\n--- last {LOG_TAIL_LINES} lines ---\n{tail.rstrip()}\n---\n"
            f"Fix them (many with: {' '.join(command)} check --fix .), or override the "
            "'lintWithRuff' handler with the project's own lint"
        )
    return LintResult(cmd, code, log_path, duration, tail)


def _severity(v: Any) -> str:
    return str(getattr(v.severity, "value", v.severity)).upper()


def _dimension(d: Any) -> str:
    return str(getattr(d, "value", d))


def _place(v: Any) -> str:
    place = getattr(v, "place", None)
    return "?" if place is None else str(place)  # Place prints as file:line:col


def violation_line(v: Any) -> str:
    """``file:line:col CODE SEVERITY message``, as the conformity items print them."""
    return f"{_place(v)} {v.code} {_severity(v)} {v.message}"


def check_thresholds(violations: Iterable[Any], scores: Mapping[Any, float], thresholds: Thresholds) -> list[str]:
    """Why the conformity results fail ``thresholds`` (empty when they pass).

    Fails on every violation at or above ``thresholds.fail_on`` and every dimension
    scoring below ``thresholds.min_score``.
    """
    limit = _SEVERITY_RANK[thresholds.fail_on]
    reasons: list[str] = []
    blocking = [v for v in violations if _SEVERITY_RANK.get(_severity(v), 0) >= limit]
    if blocking:
        reasons.append(
            f"{len(blocking)} violation(s) at {thresholds.fail_on} or worse fail the build at dynamic "
            f"{thresholds.dynamic}:"
        )
        reasons += [f"  {violation_line(v)}" for v in sorted(blocking, key=violation_line)]
    for dimension, score in scores.items():
        if score < thresholds.min_score:
            reasons.append(
                f"{_dimension(dimension)} scores {score:.4f}, below the {thresholds.min_score:.2f} "
                f"required at dynamic {thresholds.dynamic} ({thresholds.source})"
            )
    return reasons
