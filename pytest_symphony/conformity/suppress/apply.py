"""Applying suppressions: kept and suppressed violations, and every suppression that
silenced nothing or names an unknown code."""

from __future__ import annotations

from typing import Collection, Iterable

from ..codes import is_known
from ..violation import Violation
from .suppression import Suppression, SuppressionResult, UnusedSuppression


def apply_suppressions(
    violations: Iterable[Violation],
    suppressions: Iterable[Suppression],
    *,
    known: Collection[str] | None = None,
    active: Collection[str] | None = None,
) -> SuppressionResult:
    """Split ``violations`` into kept and suppressed; list what silenced nothing.

    ``known``: the code names a suppression may name (default: the catalog and plugin
    codes); any other name is reported as ``unknown``.  ``active``: the codes whose
    checks ran; a suppression of a code that did not run is not reported as unused
    (default: every code ran).  Results are sorted by place.
    """
    sups = list(suppressions)
    used: set[tuple[int, str]] = set()  # (suppression index, code or "*")
    kept: list[Violation] = []
    suppressed: list[Violation] = []
    # comments can only match on their own (path, target line): index them
    by_line: dict[tuple[str, int], list[int]] = {}
    spec_idx: list[int] = []
    for i, s in enumerate(sups):
        if s.kind == "comment":
            if s.target_line is not None:
                by_line.setdefault((s.place.path, s.target_line), []).append(i)
        else:
            spec_idx.append(i)
    for v in violations:
        hit = False
        for i in by_line.get((v.place.path, v.place.line), []) + spec_idx:
            s = sups[i]
            if s.matches(v):
                hit = True
                used.add((i, "*" if s.all_codes else v.code))
        (suppressed if hit else kept).append(v)

    def is_known_code(code: str) -> bool:
        return code in known if known is not None else is_known(code)

    unused: list[UnusedSuppression] = []
    for i, s in enumerate(sups):
        if s.all_codes:
            if (i, "*") not in used:
                unused.append(UnusedSuppression(s, None, "unused"))
            continue
        for code in sorted(s.codes):
            if not is_known_code(code):
                unused.append(UnusedSuppression(s, code, "unknown"))
            elif (i, code) not in used and (active is None or code in active):
                unused.append(UnusedSuppression(s, code, "unused"))
    kept.sort(key=lambda v: v.key)
    suppressed.sort(key=lambda v: v.key)
    unused.sort(key=lambda u: u.key)
    return SuppressionResult(kept, suppressed, unused)
