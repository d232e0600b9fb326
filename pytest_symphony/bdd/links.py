"""Links between beats and scenarios: which beat a scenario checks, and where it runs.

A scenario links to a beat by the tag ``@beat:<sequence-id>/<beat>`` (on the scenario,
its Rule or its Feature; the nearest wins), or a beat names the scenario in its
``scenario`` field.  ``<beat>`` is the beat's slug (its node name), its declared id,
``<movement>/<beat>`` when two movements share a beat slug, or its number ``M.B``.

A linked scenario runs right after its beat (after the last target of an expanded
beat), inside that beat's sequence run, and skips when the beat failed or was skipped.
Links are resolved against the beats collected in this session; a link to a sequence
that exists but is not collected leaves the scenario to run on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

import pytest

from ..collect import BeatItem
from ..errors import SymphonyError
from ..score.model import Beat, Movement, Sequence
from ..score.normalize import slugify
from .tags import split_tag

if TYPE_CHECKING:
    from .collect import ScenarioItem
    from .features import ScenarioSpec

#: The tag (and marker) that links a scenario to a beat: ``@beat:release/pack``.
LINK_TAG = "beat"

#: What a beat that ran left for its linked scenarios: ``(status, reason)``.
OUTCOME = pytest.StashKey[tuple]()


@dataclass(frozen=True)
class LinkRef:
    """A link as written: ``@beat:<sequence>/<beat>``."""

    sequence: str
    beat: str
    tag: str


@dataclass(frozen=True)
class Link:
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


def link_refs(spec: "ScenarioSpec") -> tuple[list[LinkRef], str | None]:
    """The nearest level's link tags, and a problem when that level names more than one beat."""
    for level in (spec.scenario_tags, spec.rule_tags, spec.feature_tags):
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
    return " ".join(str(name).split()).casefold()


class BeatIndex:
    """The beats collected in this session, by position, by sequence and by the scenario they name."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, int, int], list[BeatItem]] = {}
        self.sequences: dict[str, Sequence] = {}
        self.named: dict[str, list[tuple[str, int, int]]] = {}  # normalized scenario name -> beat keys

    def add(self, item: BeatItem) -> None:
        plan = item.plan
        key = (plan.sequence.id, plan.movement.index, plan.beat.index)
        if plan.sequence.id in self.sequences and self.sequences[plan.sequence.id] is not plan.sequence:
            return  # a duplicate sequence id: its beats error; links go to the first file
        self.sequences[plan.sequence.id] = plan.sequence
        group = self.items.setdefault(key, [])
        group.append(item)
        if len(group) == 1 and plan.beat.scenario:
            self.named.setdefault(normalize_name(plan.beat.scenario), []).append(key)


def find_beat(sequence: Sequence, ref: str) -> tuple[Movement, Beat]:
    """The beat ``ref`` names in ``sequence``; a SymphonyError listing the beats when none or several match."""
    movement_ref, _, beat_ref = ref.rpartition("/")
    found = []
    for movement in sequence.movements:
        if movement_ref and movement_ref not in (movement.slug, movement.id, str(movement.number)):
            continue
        for beat in movement.beats:
            names = {beat.slug, beat.id, f"{movement.number}.{beat.number}", slugify(beat.name or "")}
            if beat_ref in names or slugify(beat_ref) == beat.slug:
                found.append((movement, beat))
    if len(found) == 1:
        return found[0]
    if found:
        options = ", ".join(f"{sequence.id}/{m.slug}/{b.slug}" for m, b in found)
        raise SymphonyError(f"names beat '{ref}', which several movements of sequence '{sequence.id}' have; "
                            f"write one of: {options}")
    beats = ", ".join(b.slug for m in sequence.movements for b in m.beats) or "none"
    raise SymphonyError(f"names beat '{ref}', which sequence '{sequence.id}' does not have (its beats: {beats})")


def resolve(item: "ScenarioItem", index: BeatIndex, known: Callable[[], dict[str, Sequence]]) -> None:
    """Set ``item.link`` (or ``item.link_problem``) from its tags, else from a beat that names it."""
    refs, problem = link_refs(item.spec)
    item.link, item.link_problem = None, None
    where = f"{item.feature_display}:{item.spec.line}: scenario {item.spec.name!r}"
    if problem:
        item.link_problem = SymphonyError(f"{where}: {problem}")
        return
    if refs:
        ref = refs[0]
        if not ref.sequence or not ref.beat:
            item.link_problem = SymphonyError(
                f"{where}: tag @{ref.tag} should read @{LINK_TAG}:<sequence-id>/<beat>, e.g. @{LINK_TAG}:release/pack")
            return
        sequence = index.sequences.get(ref.sequence) or known().get(ref.sequence)
        if sequence is None:
            ids = ", ".join(sorted(set(index.sequences) | set(known()))) or "none"
            item.link_problem = SymphonyError(
                f"{where}: tag @{ref.tag} names sequence '{ref.sequence}', which no spec declares "
                f"(known: {ids})")
            return
        try:
            movement, beat = find_beat(sequence, ref.beat)
        except SymphonyError as exc:
            item.link_problem = SymphonyError(f"{where}: tag @{ref.tag} {exc}")
            return
        item.link = Link(sequence, movement, beat, "tag")
        return
    for key in index.named.get(normalize_name(item.spec.name), ()):
        plan = index.items[key][0].plan
        item.link = Link(plan.sequence, plan.movement, plan.beat, "beat field")
        return


def linked_items(item: "ScenarioItem", index: BeatIndex, present: set[int] | None = None) -> list[BeatItem]:
    if item.link is None:
        return []
    group = index.items.get(item.link.key, [])
    if present is None:
        return list(group)
    return [beat for beat in group if id(beat) in present]


def place_after_beats(items: list, scenarios: Iterable["ScenarioItem"]) -> None:
    """Move each linked scenario right after the last item of its beat, in collection order."""
    position = {id(item): n for n, item in enumerate(items)}
    after: dict[int, list] = {}
    moved: set[int] = set()
    for scenario in scenarios:
        if id(scenario) not in position or not scenario.linked_items:
            continue
        anchor = max(scenario.linked_items, key=lambda beat: position[id(beat)])
        after.setdefault(id(anchor), []).append(scenario)
        moved.add(id(scenario))
    if not moved:
        return
    ordered: list = []
    for item in items:
        if id(item) in moved:
            continue
        ordered.append(item)
        ordered.extend(after.get(id(item), ()))
    items[:] = ordered


def skip_reason(item: "ScenarioItem") -> str | None:
    """Why a linked scenario must not run now, or None: its beat failed, was skipped, or did not run here."""
    if not item.linked_items or item.link is None:
        return None
    name = f"beat {item.link.label}"
    for beat in item.linked_items:
        outcome = beat.stash.get(OUTCOME, None)
        target = f" [{beat.plan.target.id}]" if beat.plan.target is not None else ""
        if outcome is None:
            return (f"{name}{target} did not run before this scenario in this process; linked scenarios run "
                    "right after their beat (with xdist, use the default --dist load)")
        status, reason = outcome
        if status == "failed":
            return f"{name}{target} failed"
        if status == "skipped":
            return f"{name}{target} was skipped" + (f" ({reason})" if reason else "")
    if item.linked_items[-1].sequence_node.run is None:
        return (f"the sequence run of {name} ended before this scenario ran; linked scenarios run right after "
                "their beat, so something reordered the tests")
    return None


def note_outcome(item: BeatItem, report: pytest.TestReport) -> None:
    """Remember how a beat ended, for the scenarios linked to it (worst phase wins)."""
    current = item.stash.get(OUTCOME, None)
    if current is not None and current[0] == "failed":
        return
    if report.failed:
        item.stash[OUTCOME] = ("failed", None)
    elif report.skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
        item.stash[OUTCOME] = ("skipped", reason.removeprefix("Skipped: "))
    elif report.when == "call" and current is None:
        item.stash[OUTCOME] = ("passed", None)
