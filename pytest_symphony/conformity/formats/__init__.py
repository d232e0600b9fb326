"""Report formats: ``text``, ``json``, ``sarif`` and ``github``.

Every renderer sorts violations by :attr:`Violation.key`, so output is deterministic.
:func:`render` dispatches on the ``--symphony-format`` name.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from ...options import CONFORMITY_FORMATS
from ..codes import Dimension, Severity
from ..violation import Checked, Violation

__all__ = ["FORMATS", "render", "tool_version", "sort_violations", "severity_counts"]

FORMATS: tuple[str, ...] = CONFORMITY_FORMATS


def tool_version() -> str:
    try:
        from pytest_symphony import __version__
    except Exception:  # pragma: no cover - the package always has one
        return "0+unknown"
    return str(__version__)


def sort_violations(violations: Iterable[Violation]) -> list[Violation]:
    return sorted(violations, key=lambda v: v.key)


def severity_counts(violations: Iterable[Violation]) -> dict[Severity, int]:
    counts = {s: 0 for s in (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.INFO)}
    for v in violations:
        counts[v.severity] += 1  # type: ignore[index]
    return counts


def render(
    fmt: str,
    violations: Iterable[Violation],
    *,
    scores: Mapping[Dimension, object] | None = None,
    checked: Checked | None = None,
    threshold: Severity | str = Severity.MAJOR,
    suppressed: Sequence[Violation] = (),
    unused: Sequence[object] = (),
    version: str | None = None,
    root: str | None = None,
) -> str:
    """Render in format ``fmt`` (one of :data:`FORMATS`)."""
    violations = list(violations)
    if fmt == "text":
        from .text import render_text

        return render_text(violations, threshold, unused=unused)
    if fmt == "json":
        from .json import render_json

        return render_json(
            violations,
            scores,
            checked=checked,
            threshold=threshold,
            suppressed=suppressed,
            unused=unused,
            version=version,
        )
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(
            violations, version, suppressed=suppressed, unused=unused, root=root
        )
    if fmt == "github":
        from .github import render_github

        return render_github(violations, unused=unused)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
