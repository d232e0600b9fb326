"""Links between beats and scenarios: which beat a scenario checks, and where it runs.

Which beat a scenario links to is the kernel's rule (:mod:`pytest_symphony.score.links`,
the one the conformity checker applies): a tag ``@beat:<sequence-id>/<beat>``, or a beat
naming the scenario in its ``scenario`` field.

A linked scenario runs right after its beat (after the last target of an expanded
beat), inside that beat's sequence run, and skips when the beat failed or was skipped.
Links are resolved against the beats collected in this session; a link to a sequence
that exists but is not collected leaves the scenario to run on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

import pytest

from ..collect import BeatItem
from ..errors import SymphonyError
from ..score.links import LINK_TAG, BeatLink, LinkRef, find_beat, normalize_name, resolve_link
from ..score.links import link_refs as _link_refs
from ..score.model import Sequence

if TYPE_CHECKING:
    from ..score.gherkin import ScenarioSpec
    from .collect import ScenarioItem

__all__ = [
    "LINK_TAG",
    "OUTCOME",
    "Link",
    "LinkRef",
    "BeatIndex",
    "find_beat",
    "link_refs",
    "normalize_name",
    "resolve",
    "linked_items",
    "place_after_beats",
    "skip_reason",
    "note_outcome",
]

#: What a beat that ran left for its linked scenarios: ``(status, reason)``.
OUTCOME = pytest.StashKey[tuple[str, str | None]]()

#: A resolved link (the kernel's): the beat, by position in its sequence.
Link = BeatLink


def link_refs(spec: "ScenarioSpec") -> tuple[list[LinkRef], str | None]:
    """The nearest level's link tags of a scenario, and a problem when that level names more than one beat."""
    return _link_refs(spec.scenario_tags, spec.rule_tags, spec.feature_tags)


class BeatIndex:
    """The beats collected in this session, by position, by sequence and by the scenario they name.

    Beats are only noted as they are collected; the maps are made when a scenario first asks
    (a run without features never pays for them).
    """

    def __init__(self) -> None:
        self._items: dict[tuple[str, int, int], list[BeatItem]] = {}
        self._sequences: dict[str, Sequence] = {}
        self._named: dict[str, list[tuple[str, int, int]]] = {}  # normalized scenario name -> beat keys
        self._pending: list[BeatItem] = []

    def add(self, item: BeatItem) -> None:
        self._pending.append(item)

    @property
    def items(self) -> dict[tuple[str, int, int], list[BeatItem]]:
        self._fold()
        return self._items

    @property
    def sequences(self) -> dict[str, Sequence]:
        self._fold()
        return self._sequences

    @property
    def named(self) -> dict[str, list[tuple[str, int, int]]]:
        self._fold()
        return self._named

    def _fold(self) -> None:
        pending, self._pending = self._pending, []
        for item in pending:
            plan = item.plan
            key = (plan.sequence.id, plan.movement.index, plan.beat.index)
            known = self._sequences.get(plan.sequence.id)
            if known is not None and known is not plan.sequence:
                continue  # a duplicate sequence id: its beats error; links go to the first file
            self._sequences[plan.sequence.id] = plan.sequence
            group = self._items.setdefault(key, [])
            group.append(item)
            if len(group) == 1 and plan.beat.scenario:
                self._named.setdefault(normalize_name(plan.beat.scenario), []).append(key)

    def naming(self, name: str) -> Link | None:
        """The first collected beat whose ``scenario`` field names the scenario (``name`` normalized)."""
        for key in self.named.get(name, ()):
            plan = self.items[key][0].plan
            return Link(plan.sequence, plan.movement, plan.beat, "beat field")
        return None


def resolve(item: "ScenarioItem", index: BeatIndex, known: Callable[[], dict[str, Sequence]]) -> None:
    """Set ``item.link`` (or ``item.link_problem``) by the kernel's rule, against the beats of this session."""
    spec = item.spec
    found = resolve_link(
        (spec.scenario_tags, spec.rule_tags, spec.feature_tags),
        spec.name,
        sequence=lambda sid: index.sequences.get(sid) or known().get(sid),
        known=lambda: set(index.sequences) | set(known()),
        named=index.naming,
    )
    item.link = found.link
    item.link_problem = None
    if found.problem:
        item.link_problem = SymphonyError(
            f"{item.feature_display}:{spec.line}: scenario {spec.name!r}: {found.problem}"
        )


def linked_items(item: "ScenarioItem", index: BeatIndex, present: set[int] | None = None) -> list[BeatItem]:
    if item.link is None:
        return []
    group = index.items.get(item.link.key, [])
    if present is None:
        return list(group)
    return [beat for beat in group if id(beat) in present]


def place_after_beats(items: list[pytest.Item], scenarios: Iterable["ScenarioItem"]) -> None:
    """Move each linked scenario right after the last item of its beat, in collection order."""
    position = {id(item): n for n, item in enumerate(items)}
    after: dict[int, list[pytest.Item]] = {}
    moved: set[int] = set()
    for scenario in scenarios:
        if id(scenario) not in position or not scenario.linked_items:
            continue
        anchor = max(scenario.linked_items, key=lambda beat: position[id(beat)])
        after.setdefault(id(anchor), []).append(scenario)
        moved.add(id(scenario))
    if not moved:
        return
    ordered: list[pytest.Item] = []
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
            return (
                f"{name}{target} did not run before this scenario in this process; linked scenarios run "
                "right after their beat (with xdist, use the default --dist load)"
            )
        status, reason = outcome
        if status == "failed":
            return f"{name}{target} failed"
        if status == "skipped":
            return f"{name}{target} was skipped" + (f" ({reason})" if reason else "")
    if item.linked_items[-1].sequence_node.run is None:
        return (
            f"the sequence run of {name} ended before this scenario ran; linked scenarios run right after "
            "their beat, so something reordered the tests"
        )
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
