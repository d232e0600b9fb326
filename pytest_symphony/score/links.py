"""Scenario-to-beat links: which beat a Gherkin scenario checks.

One rule for the run (``bdd.links``: a linked scenario runs right after its beat) and the
checker (``conformity.features``: BDD_SPEC_MISSING, ORPHANED_SCENARIO), so both read a
feature file the same way:

- a tag ``@beat:<sequence-id>/<beat>`` (or ``@beat(<sequence-id>/<beat>)``) links a
  scenario; the nearest level that has one (the scenario, its Rule, its Feature) wins,
  and that level must name one beat;
- ``<beat>`` is the beat's slug, id, name or number ``M.B``, compared in slug form (so
  ``Pack``, ``PACK`` and ``pack`` name one beat), optionally after ``<movement>/`` (its
  slug, id, name or number) when two movements share a beat;
- a scenario without link tags links to the first beat whose ``scenario`` field names it
  (names compared without case and runs of blanks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from ..errors import LinkError
from .model import Beat, Movement, Sequence
from .normalize import slugify

__all__ = [
    "LINK_TAG",
    "LinkError",
    "LinkRef",
    "BeatLink",
    "LinkResult",
    "split_tag",
    "link_refs",
    "normalize_name",
    "names_beat",
    "find_beat",
    "resolve_link",
]

#: The tag (and marker) that links a scenario to a beat: ``@beat:release/pack``.
LINK_TAG = "beat"

#: Characters that end a tag's name: ``name:value`` or ``name(value)``.
_TAG_CUT = re.compile(r"[:(]")


def split_tag(tag: str) -> tuple[str, str | None]:
    """``"slow"`` -> ``("slow", None)``; ``"beat:release/pack"`` and ``"beat(release/pack)"`` -> ``("beat", "release/pack")``."""
    match = _TAG_CUT.search(tag)
    if match is None:
        return tag, None
    name, value = tag[: match.start()], tag[match.end() :]
    if match.group() == "(":
        value = value.removesuffix(")")
    return name, value


@dataclass(frozen=True)
class LinkRef:
    """A link as written: ``@beat:<sequence>/<beat>`` (``beat`` is empty when the tag names no beat)."""

    sequence: str
    beat: str
    tag: str


def link_refs(*levels: Iterable[str]) -> tuple[list[LinkRef], str | None]:
    """The nearest level's link tags (levels from the scenario outwards), and a problem when it names several beats."""
    for level in levels:
        refs = []
        for tag in level:
            name, value = split_tag(tag)
            if name == LINK_TAG:
                sequence, _, beat = (value or "").partition("/")
                refs.append(LinkRef(sequence.strip(), beat.strip(), tag))
        if len(refs) > 1:
            written = ", ".join("@" + r.tag for r in refs)
            return refs, f"links to {len(refs)} beats ({written}); a scenario runs after one beat, keep one tag"
        if refs:
            return refs, None
    return [], None


def normalize_name(name: str) -> str:
    """A scenario name as a beat's ``scenario`` field matches it: no case, one blank between words."""
    return " ".join(str(name).split()).casefold()


def _forms(*texts: object) -> set[str]:
    return {slugify(t) for t in texts if isinstance(t, str) and t} - {""}


def _names_movement(movement: Movement, ref: str) -> bool:
    return ref in (str(movement.number), movement.id) or slugify(ref) in _forms(
        movement.slug, movement.id, movement.name
    )


def names_beat(movement: Movement, beat: Beat, ref: str) -> bool:
    """Whether ``ref`` (``<beat>`` or ``<movement>/<beat>``) names ``beat`` of ``movement``."""
    movement_ref, _, beat_ref = ref.rpartition("/")
    if movement_ref and not _names_movement(movement, movement_ref):
        return False
    if beat_ref in (f"{movement.number}.{beat.number}", beat.id):
        return True
    return slugify(beat_ref) in _forms(beat.slug, beat.id, beat.name)


def find_beat(sequence: Sequence, ref: str) -> tuple[Movement, Beat]:
    """The beat ``ref`` names in ``sequence``; a :class:`LinkError` listing the beats when none or several match."""
    found = [(m, b) for m in sequence.movements for b in m.beats if names_beat(m, b, ref)]
    if len(found) == 1:
        return found[0]
    if found:
        options = ", ".join(f"{sequence.id}/{m.slug}/{b.slug}" for m, b in found)
        raise LinkError(
            f"names beat '{ref}', which several movements of sequence '{sequence.id}' have; write one of: {options}"
        )
    beats = ", ".join(b.slug for m in sequence.movements for b in m.beats) or "none"
    raise LinkError(f"names beat '{ref}', which sequence '{sequence.id}' does not have (its beats: {beats})")


@dataclass(frozen=True)
class BeatLink:
    """A resolved link: the beat, by position in its sequence."""

    sequence: Sequence
    movement: Movement
    beat: Beat
    how: str  # "tag" or "beat field"

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.sequence.id, self.movement.index, self.beat.index)

    @property
    def label(self) -> str:
        return f"{self.sequence.id}/{self.beat.slug} ({self.movement.number}.{self.beat.number})"


@dataclass(frozen=True)
class LinkResult:
    """A scenario's link (or None) and, when its tags are wrong, why (without the scenario's place)."""

    link: BeatLink | None = None
    problem: str | None = None


def resolve_link(
    levels: tuple[Iterable[str], ...],
    name: str,
    *,
    sequence: Callable[[str], Sequence | None],
    known: Callable[[], Iterable[str]],
    named: Callable[[str], BeatLink | None],
) -> LinkResult:
    """Link one scenario: by its nearest link tags, else by a beat naming it.

    ``levels``: its tags, rule tags and feature tags.  ``sequence``: a sequence by id (the
    first spec that declares it).  ``known``: every sequence id (for the message).
    ``named``: the first beat whose ``scenario`` field names a scenario (by :func:`normalize_name`).
    """
    refs, problem = link_refs(*levels)
    if problem:
        return LinkResult(problem=problem)
    if not refs:
        return LinkResult(link=named(normalize_name(name)))
    ref = refs[0]
    if not ref.sequence or not ref.beat:
        return LinkResult(
            problem=f"tag @{ref.tag} should read @{LINK_TAG}:<sequence-id>/<beat>, e.g. @{LINK_TAG}:release/pack"
        )
    found = sequence(ref.sequence)
    if found is None:
        ids = ", ".join(sorted(set(known()))) or "none"
        return LinkResult(
            problem=f"tag @{ref.tag} names sequence '{ref.sequence}', which no spec declares (known: {ids})"
        )
    try:
        movement, beat = find_beat(found, ref.beat)
    except LinkError as exc:
        return LinkResult(problem=f"tag @{ref.tag} {exc}")
    return LinkResult(link=BeatLink(found, movement, beat, "tag"))
