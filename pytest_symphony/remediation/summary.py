"""The end-of-run fix summary: each phase's fate, per code fixed / not fixable / rolled
back, the five scores before and after, and (``--symphony-diff``) the diffs.

It reads only the plain data each fix beat put on its report (``PhaseOutcome.to_dict``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..conformity.codes import CATALOG
from ..conformity.scores import band

__all__ = ["write_summary", "code_table"]

MAX_REASONS = 20


def code_table(outcomes: list[dict[str, Any]]) -> list[tuple[str, int, int, int]]:
    """(code, fixed, not fixable, rolled back) for every code seen, by catalog order then name.

    *fixed*: violations resolved by kept fixes; *rolled back*: by fixes of restored phases;
    *not fixable*: violations still reported at the end (no fix, unsafe, declined, or restored).
    """
    fixed: Counter[str] = Counter()
    rolled: Counter[str] = Counter()
    for o in outcomes:
        (fixed if o["kept"] else rolled).update(o["fixed"])
    remaining = Counter(outcomes[-1]["remaining"]) if outcomes else Counter()

    order = {name: i for i, name in enumerate(CATALOG)}
    codes = sorted(set(fixed) | set(rolled) | set(remaining), key=lambda c: (order.get(c, len(order)), c))
    return [(c, fixed[c], remaining[c], rolled[c]) for c in codes]


def write_summary(tr: Any, outcomes: list[dict[str, Any]], *, verbose: bool = False) -> None:
    diff_mode = any(o.get("mode") == "diff" for o in outcomes)
    tr.write_sep("-", "symphony diff" if diff_mode else "symphony fix")
    if diff_mode:
        diffs = {p: d for o in outcomes for p, d in o["diffs"].items()}
        for o in outcomes:
            if o["diffs"]:
                tr.write_line(f"# phase {o['number']} {o['title']}")
            for path in sorted(o["diffs"]):
                tr.write(o["diffs"][path])
        would = sum(sum(o["fixed"].values()) for o in outcomes if o["kept"])
    for o in outcomes:
        _write_phase(tr, o, diff_mode)
    _write_codes(tr, outcomes, diff_mode, verbose)
    _write_scores(tr, outcomes)
    if diff_mode:
        tr.write_line(
            f"{len(diffs)} file(s) would change ({would} violation(s) fixed); nothing was written; "
            "pytest --symphony-fix applies these fixes"
            if diffs
            else "no fix would apply"
        )
    elif any(o["files"] for o in outcomes):
        tr.write_line("review the changes; undo them with pytest --symphony-rollback")
        if any("UNAUTHORIZED_CHANGE" in o["remaining"] for o in outcomes[-1:]):
            tr.write_line(
                "fixed files differ from symphony.lock: approve them with pytest --symphony-approve once reviewed"
            )


def _write_phase(tr: Any, o: dict[str, Any], diff_mode: bool) -> None:
    """One phase's line: rolled back, nothing to fix, or what it fixed where."""
    head = f"phase {o['number']} {o['title']}: "
    n = sum(o["fixed"].values())
    if not o["kept"]:
        tr.write_line(
            head
            + f"ROLLED BACK ({o['reason']})"
            + (f"; files restored from snapshot {o['snapshot']}" if o["files"] else ""),
            red=True,
        )
    elif not n:
        dropped = f" ({o['dropped']} fix(es) dropped: they failed their proof)" if o.get("dropped") else ""
        tr.write_line(head + "nothing to fix" + dropped)
    else:
        verb = "would fix" if diff_mode else "kept the fixes of"
        where = f"{len(o['files'])} file(s)"
        extra = "" if diff_mode else f" [snapshot {o['snapshot']}]"
        if o.get("commit"):
            extra += f" [commit {o['commit'][:12]}]"
        if o.get("dropped"):
            extra += f"; dropped {o['dropped']} that failed their proof (not fixable, below)"
        tr.write_line(head + f"{verb} {n} violation(s) in {where}{extra}")


def _write_codes(tr: Any, outcomes: list[dict[str, Any]], diff_mode: bool, verbose: bool) -> None:
    """The per-code table, why the rest was not fixable, and the unsafe fixes left out."""
    rows = code_table(outcomes)
    if rows:
        width = max(28, max(len(r[0]) for r in rows) + 2)
        fixed_head = "would fix" if diff_mode else "fixed"
        tr.write_line(f"{'code':<{width}}{fixed_head:>10}{'not fixable':>13}{'rolled back':>13}")
        for code, fixed, remaining, rolled in rows:
            tr.write_line(f"{code:<{width}}{fixed:>10}{remaining:>13}{rolled:>13}")
    declined = list({(d["place"], d["code"], d["reason"]): d for o in outcomes for d in o["declined"]}.values())
    for d in declined[: (len(declined) if verbose else MAX_REASONS)]:
        tr.write_line(f"not fixable: {d['place']} {d['code']}: {d['reason']}")
    if len(declined) > MAX_REASONS and not verbose:
        tr.write_line(f"... {len(declined) - MAX_REASONS} more (-v lists them all)")
    unsafe: Counter[str] = Counter()
    for o in outcomes:
        unsafe.update(o["unsafe"])
    if unsafe:
        listed = ", ".join(f"{c} {n}" for c, n in sorted(unsafe.items()))
        tr.write_line(f"unsafe fixes not applied ({listed}): add --symphony-unsafe-fixes to apply them")


def _write_scores(tr: Any, outcomes: list[dict[str, Any]]) -> None:
    before, after = outcomes[0]["scores_before"], outcomes[-1]["scores_after"]
    if before:
        tr.write_line(f"{'score':<16}{'before':>8}{'after':>8}  band after")
        for dimension, score in before.items():
            later = after.get(dimension, score)
            tr.write_line(f"{dimension:<16}{score:>8.2f}{later:>8.2f}  {band(later)}")
