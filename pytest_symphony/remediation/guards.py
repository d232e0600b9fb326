"""Proofs a file's new text must pass before it is written.

* A spec-like file (``.json``, ``.yaml``, ``.yml``) still parses with the runtime's loader,
  and loses nothing: every member of every mapping is still there, no list got shorter,
  no mapping or list became a scalar.  Only a fix that declares a removal (an unsafe fix
  whose description says so) may shorten a list.
* A Python module still parses and still defines every top-level function and class.
* A feature still parses and keeps its title, tags, background, rules and scenarios.

This is what makes "never remove a beat, handler, event, criterion or unknown field"
hold for every fix, a plugin's included, whatever its own code does.
"""

from __future__ import annotations

from typing import Any

from ..score.source import SPEC_SUFFIXES, format_of
from .gherkin_edit import GherkinEditError, check_kept
from .pyedit import PythonEditError, check_preserved
from .structured import load_data

__all__ = ["FixRefused", "verify_file", "lost_parts", "is_spec_like"]


class FixRefused(Exception):
    """A fix's result failed a proof: it is not applied."""


def is_spec_like(rel: str) -> bool:
    return rel.lower().endswith(SPEC_SUFFIXES)


def lost_parts(old: Any, new: Any, where: str = "") -> list[str]:
    """JSON pointers of what ``old`` had and ``new`` lacks (members, list items, containers)."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [where or "/"]
        out = []
        for key, value in old.items():
            here = f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in new:
                out.append(here)
            else:
                out += lost_parts(value, new[key], here)
        return out
    if isinstance(old, list):
        if not isinstance(new, list):
            return [where or "/"]
        out = [f"{where}/{i}" for i in range(len(new), len(old))]
        for i, (a, b) in enumerate(zip(old, new)):
            out += lost_parts(a, b, f"{where}/{i}")
        return out
    return []


def verify_file(rel: str, old: str | None, new: str, *, removes: bool = False) -> None:
    """Raise FixRefused unless ``new`` is a sound successor of ``old`` (None: a new file)."""
    lower = rel.lower()
    if is_spec_like(lower):
        fmt = format_of(rel, new)
        try:
            new_data = load_data(fmt, new)
        except Exception as exc:
            raise FixRefused(f"{rel} would no longer parse: {exc}") from None
        if old is None or removes:
            return
        try:
            old_data = load_data(fmt, old)
        except Exception:
            return  # it did not parse before: the parse check above is all there is to prove
        lost = lost_parts(old_data, new_data)
        if lost:
            raise FixRefused(f"{rel} would lose {', '.join(lost[:5])}{' ...' if len(lost) > 5 else ''}")
    elif lower.endswith(".py"):
        try:
            check_preserved(old or "", new)
        except PythonEditError as exc:
            raise FixRefused(f"{rel}: {exc}") from None
    elif lower.endswith(".feature"):
        try:
            check_kept(old or "", new)
        except GherkinEditError as exc:
            raise FixRefused(f"{rel}: {exc}") from None
