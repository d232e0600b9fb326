"""Conformity as pytest outcomes: one engine run per session, each checked file judged
against the threshold (violations at or above it fail, those below warn), and the
plain data a report carries to the controller.

Used by the plain-run items (ini ``symphony_conformity = true``) and by the built-in
conformity pipeline's analyze beats alike.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import pytest

from ..errors import SymphonyError
from .codes import Category, lookup
from .formats.text import format_violation
from .gather import session_inputs
from .violation import Violation

if TYPE_CHECKING:  # the engine pulls in libcst: imported only when a check runs
    from .engine import EngineResult

__all__ = [
    "ConformityWarning",
    "ConformityFailure",
    "PHASES",
    "engine_result",
    "phase_files",
    "judge_file",
    "report_payload",
]

RESULT_KEY = pytest.StashKey["EngineResult"]()

#: The conformity pipeline's movements and the categories each one analyzes.
PHASES: dict[str, tuple[Category, ...]] = {
    "domain": (Category.ORCHESTRATION, Category.GOVERNANCE),
    "sequence": (Category.SEQUENCE,),
    "handler": (Category.HANDLER, Category.TRACEABILITY, Category.DEPENDENCY),
}
ALL = tuple(Category)


class ConformityWarning(UserWarning):
    """A conformity violation below the ``symphony_fail_on`` threshold."""


class ConformityFailure(SymphonyError):
    """A checked file has violations at or above the threshold (its message lists them)."""


def engine_result(config: pytest.Config) -> EngineResult:
    """This session's engine run (made once, on first use)."""
    result = config.stash.get(RESULT_KEY, None)
    if result is None:
        result = rerun(config)
    return result


def rerun(config: pytest.Config) -> EngineResult:
    """A fresh engine run (after fixes; cached scans make it cheap)."""
    from .engine import check_workspace  # libcst and every check: only when conformity runs

    result = check_workspace(config.rootpath, inputs=session_inputs(config))
    config.stash[RESULT_KEY] = result
    return result


def _category(v: Violation) -> Category | None:
    code = lookup(v.code)
    return code.category if code is not None else None


def in_phase(v: Violation, categories: Iterable[Category]) -> bool:
    """Whether ``v`` belongs to a phase (a plugin code without a category: to the first)."""
    categories = tuple(categories)
    cat = _category(v)
    if cat is None:
        return Category.ORCHESTRATION in categories
    return cat in categories


def phase_files(result: EngineResult, categories: Iterable[Category] = ALL) -> list[str]:
    """Files a phase checks: by kind, plus every file holding one of its violations."""
    categories = tuple(categories)
    spec_like = (".json", ".yaml", ".yml")
    files: set[str] = set()
    for path in result.files:
        is_python = path.endswith(".py")
        is_feature = path.endswith(".feature")
        if categories == ALL:
            files.add(path)
        elif (
            (Category.ORCHESTRATION in categories or Category.SEQUENCE in categories)
            and path.endswith(spec_like)
            and not path.endswith("symphony.lock")
        ):
            files.add(path)
        elif Category.HANDLER in categories and (is_python or is_feature):
            files.add(path)
    files |= {v.place.path for v in result.violations if in_phase(v, categories)}
    files |= {e[0] for e in result.errors if e[0] and _error_phase(e[0], categories)}
    return sorted(files)


def _error_phase(path: str, categories: tuple[Category, ...]) -> bool:
    if path.endswith((".py", ".feature")):
        return Category.HANDLER in categories
    return Category.ORCHESTRATION in categories


def judge_file(
    result: EngineResult,
    path: str,
    categories: Iterable[Category] = ALL,
    *,
    node: Any = None,
    pending: Callable[[Violation], bool] | None = None,
) -> None:
    """Fail with every violation at or above the threshold; warn with those below.

    ``node`` (the running item) gets the report payload first (see :func:`report_payload`),
    so a failing file's findings still reach the controller.  ``pending``: violations a
    fix will try (fix mode), judged by the fix beat instead of here.
    """
    categories = tuple(categories)
    if node is not None:
        node.payload = report_payload(result, path, categories)
    found = result.of_file(path)
    mine = [v for v in found.violations if in_phase(v, categories) and not (pending and pending(v))]
    errors = found.errors if _error_phase(path, categories) else []
    failing = [v for v in mine if v.severity >= result.threshold]
    below = [v for v in mine if v.severity < result.threshold]
    root = result.root or Path.cwd()
    for v in below:
        warnings.warn_explicit(
            ConformityWarning(format_violation(v)), ConformityWarning, str(root / v.place.path), v.place.line
        )
    if _error_phase(path, categories):  # warned once: by the phase that owns the file's errors
        for u in found.unused:
            warnings.warn_explicit(
                ConformityWarning(f"{u.place} {u.message}"), ConformityWarning, str(root / u.place.path), u.place.line
            )
    if failing or errors:
        lines = [f"{p}:{line}:{col} could not be checked: {message}" for p, line, col, message in errors]
        lines += [format_violation(v) for v in sorted(failing, key=lambda v: v.key)]
        if below:
            lines.append(f"warnings (below {result.threshold}):")
            lines += [format_violation(v) for v in sorted(below, key=lambda v: v.key)]
        head = f"{path}: {len(failing)} conformity violation(s) at or above {result.threshold}"
        raise ConformityFailure(head + "\n" + "\n".join(lines))


def report_payload(result: EngineResult, path: str | None, categories: Iterable[Category] = ALL) -> dict[str, Any]:
    """Plain data for the controller: this file's violations, suppressions and the run summary
    (``path`` None: the whole workspace's)."""
    categories = tuple(categories)
    if path is None:
        violations, suppressed, unused = result.violations, result.suppressed, result.unused_suppressions
    else:
        found = result.of_file(path)
        violations, suppressed, unused = found.violations, found.suppressed, found.unused
    return {
        "path": path,
        "violations": [v.to_dict() for v in violations if in_phase(v, categories)],
        "suppressed": [v.to_dict() for v in suppressed if in_phase(v, categories)],
        "unused": [u.to_dict() for u in unused],
        "summary": result.summary(),
    }


def first_line(result: EngineResult, path: str, categories: Iterable[Category] = ALL) -> int:
    """The line of the file's first violation (of these categories): where an IDE lands."""
    categories = tuple(categories)
    lines = [v.place.line for v in result.of_file(path).violations if in_phase(v, categories)]
    return min(lines) if lines else 1
