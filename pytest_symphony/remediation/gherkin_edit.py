"""Gherkin edits that leave every existing scenario as it was: scenarios are appended at
the end of a feature, a narrative is inserted right under the ``Feature:`` line.

:func:`check_kept` proves it: the edited file parses, and its background, rules and
first scenarios are, keyword for keyword and step for step, the ones it had before.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from gherkin.parser_types import Feature, GherkinDocument

__all__ = ["GherkinEditError", "parse", "append_blocks", "insert_narrative", "check_kept", "has_feature_line"]

_FEATURE = re.compile(r"^([ \t]*)(Feature|Business Need|Ability):.*$", re.M)


class GherkinEditError(Exception):
    """The feature does not parse, or an edit would change what it already says."""


def parse(text: str) -> GherkinDocument:
    from gherkin.parser import Parser

    try:
        return Parser().parse(str(text))
    except Exception as exc:  # CompositeParserException and friends
        raise GherkinEditError(f"the feature does not parse: {str(exc).splitlines()[0] if str(exc) else exc}") from None


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def append_blocks(text: str, blocks: Iterable[str]) -> str:
    """``text`` with ``blocks`` (each starting with a blank line) appended at the end."""
    nl = _newline(text) if text else "\n"
    out = text
    if out and not out.endswith(("\n", "\r")):
        out += nl
    for block in blocks:
        out += block.replace("\n", nl) if nl != "\n" else block
    return out


def has_feature_line(text: str) -> bool:
    return _FEATURE.search(text) is not None


def insert_narrative(text: str, lines: list[str]) -> tuple[int, str]:
    """Where and what to insert so ``lines`` sit under the ``Feature:`` line, two spaces deeper."""
    m = _FEATURE.search(text)
    if m is None:
        raise GherkinEditError("the file has no Feature: line")
    nl = _newline(text)
    indent = m.group(1) + "  "
    return m.end(), "".join(f"{nl}{indent}{line}" for line in lines)


def _strip(value: object) -> object:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("location", "id", "description")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _children(feature: Feature) -> list[object]:
    return [_strip(child) for child in feature.get("children", [])]


def check_kept(old: str, new: str) -> None:
    """Raise GherkinEditError unless ``new`` parses and begins with every part ``old`` had."""
    b = parse(old).get("feature") if old.strip() else None
    a = parse(new).get("feature")
    if not a:
        raise GherkinEditError("the edited file holds no feature")
    if b is None:
        return
    if (b.get("name"), b.get("keyword"), [t["name"] for t in b.get("tags", [])]) != (
        a.get("name"),
        a.get("keyword"),
        [t["name"] for t in a.get("tags", [])],
    ):
        raise GherkinEditError("the edit would change the feature's title or tags")
    old_children, new_children = _children(b), _children(a)
    if new_children[: len(old_children)] != old_children:
        raise GherkinEditError("the edit would change an existing scenario, rule or background")
    if b.get("description", "").strip() and b["description"].strip() not in a.get("description", ""):
        raise GherkinEditError("the edit would change the feature's description")
