"""Partial runs: a selected beat never runs without the beats it stands on.

A node id, an IDE click, ``-k``, ``--deselect``, ``--lf``, ``--sw`` all keep some beats of
a sequence and drop others.  After every plugin has selected, the beats before the last
selected beat of each sequence are pulled back in, in order, as ordinary items (a node id
collects only its own beat, so then the whole sequence is collected afresh).  Beats the
dynamic leaves out stay out; ``--symphony-isolated`` turns the pulling off.

Each pulled-in beat carries the beat it was pulled in for as a user property, so the
terminal summary (on the xdist controller too) can say who stood on whom.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pytest

from .beat_item import NTH
from .collect import BeatItem, ExpandedBeat, SequenceNode
from .runtime import dynamics

if TYPE_CHECKING:
    from .resume import Resume

PULLED_IN = "symphony_pulled_in_for"
ISOLATED = "symphony_isolated"


class PartialRun:
    """A plugin: which beats stood in for others (pulled in, or isolated with ``--symphony-isolated``),
    as the reports say on the controller, and the beats ``--lf`` must not forget."""

    def __init__(self, config: pytest.Config, dynamic: str, resume: "Resume | None") -> None:
        self.config = config
        self.dynamic = dynamic
        self.resume = resume
        self.isolated: bool = bool(config.getoption("symphony_isolated"))
        self.pulled_in: list[tuple[str, str]] = []  # (beat pulled in, the beat it stands under)
        self.ran_isolated: list[str] = []

    def arrange(self, session: pytest.Session, collected: list[pytest.Item], items: list[pytest.Item]) -> None:
        """Once every plugin has selected: pull back the beats the selected ones stand on, or label the isolated."""
        if self.isolated:
            mark_isolated(items)
        else:
            pull_in_predecessors(self.dynamic, self.resume, session, collected, items)

    @pytest.hookimpl(trylast=True)  # after --lf's plugin forgot a skipped test: a blocked beat is not done
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup":
            for name, value in report.user_properties:
                if name == PULLED_IN:
                    self.pulled_in.append((report.nodeid, str(value)))
                elif name == ISOLATED:
                    self.ran_isolated.append(str(value))
        if getattr(report, "symphony_blocked", False):
            remember_as_not_passed(self.config, report)

    def lines(self) -> list[str]:
        return summary_lines(self.pulled_in, self.ran_isolated)


def pull_in_predecessors(
    dynamic: str,
    resume: "Resume | None",
    session: pytest.Session,
    collected: list[pytest.Item],
    items: list[pytest.Item],
) -> None:
    """Add to ``items`` every earlier beat of each sequence that has a selected beat.

    A sub-pipeline's beats belong to their outermost sequence: selecting one pulls in the
    beats of the parent before it too.
    """
    kept = {id(item) for item in items}
    selected: dict[int, list[BeatItem]] = {}
    for item in items:
        if isinstance(item, BeatItem):
            selected.setdefault(id(item.sequence_node.root), []).append(item)
    if not selected:
        return
    by_sequence: dict[int, list[BeatItem]] = {}
    for item in collected:
        if isinstance(item, BeatItem) and id(item.sequence_node.root) in selected:
            by_sequence.setdefault(id(item.sequence_node.root), []).append(item)
    narrowed = _narrowed_files(session.config)
    whole = sum(map(len, selected.values())) == sum(map(len, by_sequence.values()))
    if whole and not narrowed and resume is None:  # every beat of these sequences runs already
        return
    replaced: dict[int, BeatItem] = {}
    added: list[BeatItem] = []
    restored: set[int] = set()
    for key, chosen in selected.items():
        node = chosen[0].sequence_node.root
        beats = sorted(by_sequence.get(key, chosen), key=_order)
        if node.path in narrowed:  # a node id collected only part of its file
            fresh = _collect_afresh(session, node)
            replaced.update({id(old): _same(fresh, old) for old in chosen})
            chosen = [replaced[id(old)] for old in chosen]
            kept |= {id(item) for item in chosen}
            beats = fresh
        beats = [b for b in beats if dynamics.allows(dynamic, b.needed_dynamic)]
        needed = _stood_on(node, beats, chosen)
        if resume is not None:
            needed, skipped = resume.plan(node, beats, chosen, needed)
            restored |= {id(b) for b in skipped}
        for item in needed:
            if id(item) in kept:
                continue
            item.user_properties.append((PULLED_IN, _label(max(chosen, key=_order))))
            added.append(item)
            kept.add(id(item))
    if not (added or replaced or restored):
        return
    dropped = [item for item in items if id(item) in restored]
    items[:] = [*(replaced.get(id(item), item) for item in items if id(item) not in restored), *added]
    _undeselect(session.config, added)
    if dropped:  # their state was restored from the run resumed: they did not run
        session.config.hook.pytest_deselected(items=dropped)


def _order(item: BeatItem) -> tuple[Any, ...]:
    return item.order_key


def _stood_on(node: SequenceNode, beats: list[BeatItem], chosen: list[BeatItem]) -> list[BeatItem]:
    """The beats (in order) that some chosen beat stands on: every beat before it, back to the start
    of the nearest movement at or before its own that declares ``standalone: true`` (such a movement
    reads persisted evidence, not the earlier movements' state)."""
    movements = node.sequence.movements
    cuts, cut = [], 0
    for index, movement in enumerate(movements):
        if movement.standalone:
            cut = index
        cuts.append(cut)
    keys = sorted(_order(item) for item in chosen)
    needed, at = [], 0
    for beat in beats:  # in order
        key = _order(beat)
        while at < len(keys) and keys[at] <= key:
            at += 1
        if at == len(keys):
            break
        if key[0][0] >= cuts[keys[at][0][0]]:
            needed.append(beat)
    return needed


def _narrowed_files(config: pytest.Config) -> set[Path]:
    """Files that a ``path::name`` argument collected only in part."""
    base = config.invocation_params.dir
    return {(base / arg.split("::", 1)[0]).resolve() for arg in config.args if "::" in arg}


def _collect_afresh(session: pytest.Session, node: SequenceNode) -> list[BeatItem]:
    """Every beat of ``node``'s sequence, collected through pytest's hooks under a new sequence node."""
    parent = node.parent
    assert parent is not None, "a sequence node lies in its spec file"
    fresh = SequenceNode.from_parent(
        parent,
        name=node.name,
        sequence=node.sequence,
        spec_file=node.spec_file,
        handler_scope=node.handler_scope,
        duplicate_of=node.duplicate_of,
    )
    items = list(session.genitems(fresh))
    note_expanded_order(items)
    return sorted((item for item in items if isinstance(item, BeatItem)), key=_order)


def _same(fresh: list[BeatItem], old: BeatItem) -> BeatItem:
    return next(item for item in fresh if item.nodeid == old.nodeid)


def _label(item: BeatItem) -> str:
    return f"{item.plan.sequence.id} {item.plan.label} {item.plan.beat.slug}"


def _undeselect(config: pytest.Config, items: Sequence[pytest.Item]) -> None:
    """Beats that ``-k`` or ``--deselect`` had reported deselected run after all: the header's count says so."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    deselected = getattr(reporter, "stats", {}).get("deselected")
    if deselected:
        back = {id(item) for item in items}
        deselected[:] = [item for item in deselected if id(item) not in back]


def note_expanded_order(items: list[pytest.Item]) -> None:
    """Remember each item's place among the items of its expanded beat (collection order)."""
    for n, item in enumerate(items):
        if isinstance(item, BeatItem) and isinstance(item.parent, ExpandedBeat):
            item.stash[NTH] = n


def mark_isolated(items: list[pytest.Item]) -> None:
    """``--symphony-isolated``: label each selected beat that runs without some beat before it."""
    seen: dict[int, set[tuple[int, int]]] = {}
    for item in items:
        if isinstance(item, BeatItem):
            seen.setdefault(id(item.sequence_node), set()).add((item.plan.movement.index, item.plan.beat.index))
    for item in items:
        if not isinstance(item, BeatItem):
            continue
        mine = seen[id(item.sequence_node)]
        earlier = [
            (m.index, b.index)
            for m in item.plan.sequence.movements
            for b in m.beats
            if (m.index, b.index) < (item.plan.movement.index, item.plan.beat.index)
        ]
        if any(key not in mine for key in earlier):  # (within its own sequence run)
            item.user_properties.append((ISOLATED, _label(item)))


def remember_as_not_passed(config: pytest.Config, report: pytest.TestReport) -> None:
    """A beat skipped behind a failed beat never ran: ``--lf`` must run it again after the fix.

    pytest's last-failed plugin forgets every skipped test; this puts the blocked beat back
    into the set it saves (its ``lastfailed`` mapping, keyed as that plugin keys it).
    """
    plugin = config.pluginmanager.get_plugin("lfplugin")
    lastfailed = getattr(plugin, "lastfailed", None)
    if lastfailed is not None:
        lastfailed[getattr(report, "id", report.nodeid)] = True


def summary_lines(reports: list[tuple[str, str]], isolated: list[str]) -> list[str]:
    """``(pulled-in beat nodeid, the beat it was pulled in for)`` pairs, as terminal lines."""
    lines = []
    by_target: dict[str, list[str]] = {}
    for nodeid, target in reports:
        by_target.setdefault(target, []).append(nodeid.rsplit("::", 1)[-1])
    for target, beats in by_target.items():
        lines.append(f"pulled in {len(beats)} earlier beat(s) for beat {target}: {', '.join(beats)}")
    if isolated:
        lines.append(
            f"--symphony-isolated: {len(isolated)} beat(s) ran without the beats before them "
            f"(symphony.state started empty): {', '.join(isolated)}"
        )
    return lines
