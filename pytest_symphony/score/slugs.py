"""Slugs: the names beats, movements and sequences get in node ids and file names.

One place for how a title becomes a slug and how a repeated slug is made unique, shared
by normalizing, the Gherkin reader, links and conformity.
"""

from __future__ import annotations

import re
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def slugify(text: str) -> str:
    """Lowercase ASCII, runs of anything else as one '-', no leading/trailing '-'."""
    if not text.isascii():  # accents dropped from their letters, other characters dropped
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", text.lower()).strip("-")


def split_camel(name: str) -> str:
    """ "loadBuildContext" -> "load Build Context" (slugify does the rest)."""
    return _CAMEL.sub(" ", name)


class SlugSet(set[str]):
    """Slugs taken so far, and for each base the last suffix handed out.

    With it :func:`unique_slug` costs O(1) per call however many beats share a name
    (a plain set makes 8,000 same-named beats quadratic: 32 million lookups).
    """

    __slots__ = ("suffixes",)

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.suffixes: dict[str, int] = {}


def unique_slug(slug: str, used: set[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3``... whichever is still free in ``used``.

    Slugs are never released, so a :class:`SlugSet` resumes after the last suffix given.
    """
    if slug not in used:
        used.add(slug)
        return slug
    suffixes = getattr(used, "suffixes", None)
    n = suffixes.get(slug, 1) if suffixes is not None else 1
    candidate = slug
    while candidate in used:
        n += 1
        candidate = f"{slug}-{n}"
    used.add(candidate)
    if suffixes is not None:
        suffixes[slug] = n
    return candidate


__all__ = ["SlugSet", "slugify", "split_camel", "unique_slug"]
