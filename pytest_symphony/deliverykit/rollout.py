"""Beat 12, Release Features: raise a flag's fractional split to the cohort, then measure it.

The edit is structural: flagd's ``fractional`` rule inside the flag's ``targeting`` gets
the release variant's weight set to the cohort percentage and the other bucket's to the
rest (a flag without targeting gets ``{"fractional": [[on, P], [off, 100 - P]]}``); every
other byte of the file stays.  The file is written atomically and committed alone.  Then
the fixed key sample is evaluated through OpenFeature: the share that gets the release
variant must be within ``tolerance`` percentage points of the cohort, else the original
file is written back (and committed) and the beat fails.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..paths import shown_path
from ..atomic import write_atomic
from ..remediation import json_edit
from . import git
from .documents import validate
from .errors import DeliveryError, Finding
from .flags import FlagEvaluator, release_variant, sample_keys
from .inputs import load_flag_document
from .settings import DeliverySettings

__all__ = ["ReleaseResult", "raise_split", "release", "restore_release"]


@dataclass(frozen=True)
class ReleaseResult:
    flag: str
    variant: str
    cohort: float
    measured_share: float
    sample_size: int
    path: Path
    original: bytes  #: the flags file before the edit (restore_release writes it back)
    commit: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "flag": self.flag,
            "variant": self.variant,
            "cohort": self.cohort,
            "measured_share": self.measured_share,
            "sample_size": self.sample_size,
            "path": str(self.path),
            "commit": self.commit,
        }


def _find_fractional(node: Any, parts: list[str]) -> list[str] | None:
    if isinstance(node, dict):
        if isinstance(node.get("fractional"), list):
            return parts + ["fractional"]
        for key, value in node.items():
            found = _find_fractional(value, parts + [key])
            if found:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _find_fractional(value, parts + [str(index)])
            if found:
                return found
    return None


def _set_value(text: str, root: Any, *, parts: list[str], value: Any) -> tuple[int, int, str]:
    return json_edit.set_value(text, root, parts, value)


def _apply(text: str, edit: Callable[[str, Any], tuple[int, int, str]]) -> str:
    start, end, replacement = edit(text, json_edit.parse(text))
    return text[:start] + replacement + text[end:]


def raise_split(text: str, flag: str, variant: str, percent: float) -> str:
    """``text`` with ``flag``'s fractional split giving ``percent`` to ``variant`` (ValueError if it cannot)."""
    document = json.loads(text)
    definition = document["flags"][flag]
    weight = int(percent) if float(percent).is_integer() else percent
    rest = 100 - percent
    rest = int(rest) if float(rest).is_integer() else rest
    targeting = definition.get("targeting")
    if definition.get("state") != "ENABLED":
        text = _apply(text, lambda t, r: json_edit.set_value(t, r, ["flags", flag, "state"], "ENABLED"))
    if not targeting:
        off = definition.get("defaultVariant")
        if not off or off == variant:
            raise ValueError(f"flag {flag!r} has no default variant other than {variant!r} to split against")
        rule = {"fractional": [[variant, weight], [off, rest]]}
        if "targeting" in definition:
            return _apply(text, lambda t, r: json_edit.set_value(t, r, ["flags", flag, "targeting"], rule))
        return _apply(text, lambda t, r: json_edit.insert_member(t, r, ["flags", flag], "targeting", rule))
    path = _find_fractional(targeting, ["flags", flag, "targeting"])
    if path is None:
        raise ValueError(f"flag {flag!r} has targeting without a fractional split; add one or empty the targeting")
    node: Any = document
    for part in path:
        node = node[int(part)] if isinstance(node, list) else node[part]
    buckets = [(i, b) for i, b in enumerate(node) if isinstance(b, list)]
    names = [b[0] for _, b in buckets]
    if len(buckets) != 2 or variant not in names:
        raise ValueError(
            f"flag {flag!r}: the fractional split must have two buckets, one of them {variant!r} (found {names})"
        )
    for index, bucket in buckets:
        value = weight if bucket[0] == variant else rest
        text = _apply(text, functools.partial(_set_value, parts=[*path, str(index), "1"], value=value))
    return text


def _commit(settings: DeliverySettings, path: Path, message: str) -> str:
    rel = shown_path(path, settings.root)
    git.git(settings.root, "add", "--", rel)
    git.git(settings.root, "commit", "-q", "-m", message, "--", rel)
    return git.head(settings.root)


def release(
    settings: DeliverySettings, flag: str | None = None, *, cohort: float | None = None, commit: bool = True
) -> ReleaseResult:
    """Beat 12: raise ``flag`` (default ``release_flag``) to ``cohort`` percent (default ``cohort``)."""
    flag = flag or settings.release_flag
    percent = settings.cohort if cohort is None else float(cohort)
    document, path = load_flag_document(settings)
    display = shown_path(path, settings.root)
    if not flag or flag not in document["flags"]:
        raise DeliveryError(
            "release",
            [
                Finding(
                    f"no flag {flag!r} to release",
                    display,
                    0,
                    "set [tool.symphony.delivery] release_flag to a flag of the file",
                )
            ],
        )
    if not 0 <= percent <= 100:
        raise DeliveryError("release", [Finding(f"cohort {percent} is not a percentage", *settings.where("cohort"))])
    variant = release_variant(flag, document["flags"][flag], display)
    original = path.read_bytes()
    try:
        edited = raise_split(original.decode("utf-8"), flag, variant, percent)
    except ValueError as exc:
        raise DeliveryError("release", [Finding(str(exc), display, 0, "edit the flag's targeting by hand")]) from exc
    problems = validate(json.loads(edited), "flags", display)
    if problems:  # never write a file the next run could not read
        raise DeliveryError("release", problems)
    write_atomic(path, edited.encode("utf-8"))
    sha = _commit(settings, path, f"chore(release): raise flag {flag} to {percent:g}%") if commit else None
    with FlagEvaluator(path, json.loads(edited)) as evaluator:
        share = evaluator.share(flag, variant, sample_keys(settings))
    result = ReleaseResult(flag, variant, percent, share, settings.sample_size, path, original, sha)
    if abs(share - percent) > settings.tolerance:
        restore_release(settings, result, commit=commit)
        raise DeliveryError(
            "release",
            [
                Finding(
                    f"flag {flag!r}: {share:.2f}% of {settings.sample_size} sample keys get {variant!r}, not "
                    f"{percent:g}% +/- {settings.tolerance:g}",
                    display,
                    0,
                    "the flags file was restored; check the targeting rules that come before the split",
                )
            ],
            result=result,
        )
    return result


def restore_release(settings: DeliverySettings, result: ReleaseResult, *, commit: bool = True) -> str | None:
    """Write the flags file back as it was before :func:`release` (atomically); commit it when asked."""
    write_atomic(result.path, result.original)
    if commit and result.commit:
        return _commit(settings, result.path, f"revert(release): restore flag {result.flag}")
    return None
