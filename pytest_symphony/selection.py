"""Which items run, and in what order: ``--symphony``, dynamics, strict beat order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Generator

import pytest

from .builtins import NODEID_PREFIX
from .collect import BeatItem, PipelineSpec, SequenceNode, SpecErrorItem
from .handlers import HandlerRegistration
from .partial import PartialRun, note_expanded_order
from .run import SymphonyRun
from .runtime import dynamics
from .score.loader import load_spec

if TYPE_CHECKING:
    from .builtins import Pipeline
    from .score.model import Movement
    from .shards import Sharding

#: Collects what a ``symphony:<root>::...`` node id names into the items; returns whether it named any.
NodeIdClaim = Callable[[pytest.Session, str, list[pytest.Item]], bool]
#: Places an area's items once the beats are in order (bdd: linked scenarios after their beats).
Arranger = Callable[[pytest.Session, list[pytest.Item]], None]


class Selection:
    """A plugin: which items run and in what order, around every other plugin's selection.

    Made at configure, where the areas add to it (``node_id_roots``, ``arrangers``), and
    registered at collection, after every plugin's configure, so its wrapper is the outermost.
    """

    def __init__(
        self,
        config: pytest.Config,
        run: SymphonyRun,
        handlers: HandlerRegistration,
        partial: PartialRun,
        sharding: "Sharding | None",
    ) -> None:
        self.config = config
        self.hook = config.hook
        self.run = run
        self.handlers = handlers
        self.partial = partial
        self.sharding = sharding
        self.node_id_args: list[str] = take_node_id_args(config)  # symphony:<root>::... node ids
        self.node_id_roots: dict[str, list[NodeIdClaim]] = {}  # root -> what collects its node ids
        self.arrangers: list[Arranger] = []

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> Generator[None, None, None]:
        """``--symphony`` and dynamics first; once every plugin has selected and ordered (``-k``,
        ``--deselect``, ``--lf``, ``--sw``, ``--ff``, random orders), the beats a selected beat
        stands on come back, each sequence's beats go in spec order, the areas place their
        items (linked scenarios after their beats), and last a shard keeps its share."""
        note_expanded_order(items)
        collected = list(items)
        collected += select(self, session, items)
        result = yield
        self.partial.arrange(session, collected, items)
        order_beats(items)
        for arrange in self.arrangers:
            arrange(session, items)
        if self.sharding is not None:  # a shard keeps whole sequences, their riders and files
            self.sharding.keep(session, items)
        return result


def select(sel: Selection, session: pytest.Session, items: list[pytest.Item]) -> list[pytest.Item]:
    """Apply ``--symphony`` (collecting named built-in pipelines) and ``--symphony-dynamic``.

    A built-in pipeline is also collected when a ``symphony:<alias>::...`` node id names one
    of its beats, or when ``--lf`` has failures of it to run again.  Returns every item
    collected here, selected or not (the beats a selected beat stands on come from them).
    """
    before = {id(item) for item in items}
    _collect_last_failed_pipelines(sel, session, items)
    named = _collect_named(sel, session, items)
    wanted, movements = _wanted_ids(sel, session, items) if sel.run.selected else (set(), {})
    added = [item for item in items if id(item) not in before]
    _keep_named(sel, items)
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    if sel.run.selected:
        wanted |= named
        for item in items:
            if isinstance(item, SpecErrorItem) or (
                isinstance(item, BeatItem) and _wanted_beat(item, wanted, movements)
            ):
                keep.append(item)
            elif not isinstance(item, BeatItem) and sel.hook.pytest_symphony_select_item(item=item, wanted=wanted):
                keep.append(item)
            else:
                dropped.append(item)
    else:
        keep = list(items)
    quiet = [i for i in keep if isinstance(i, BeatItem) and not dynamics.allows(sel.run.dynamic, i.needed_dynamic)]
    if quiet:
        skip = set(map(id, quiet))
        keep = [i for i in keep if id(i) not in skip]
        dropped.extend(quiet)
    if dropped:
        session.config.hook.pytest_deselected(items=dropped)
    items[:] = keep
    return added


def take_node_id_args(config: pytest.Config) -> list[str]:
    """Take ``symphony:<root>::...`` node ids off ``config.args``: pytest would look for a file.

    Built-in pipelines (``symphony:build``) and the conformity items of plain runs
    (``symphony:conformity::<file>``) live outside the project's files; their node ids are
    selected at collection instead (``_collect_named``).  xdist workers parse the same
    command line, so each takes its own.
    """
    taken = [arg for arg in config.args if arg.startswith(NODEID_PREFIX)]
    if taken:
        config.args = [arg for arg in config.args if not arg.startswith(NODEID_PREFIX)]
    return taken


def _collect_named(sel: Selection, session: pytest.Session, items: list[pytest.Item]) -> set[str]:
    """Collect what each ``symphony:`` node id names; returns the sequence ids of named pipelines."""
    pipelines = {p.nodeid: p for p in _pipelines(sel).values()}
    ids: set[str] = set()
    for arg in sel.node_id_args:
        root, _, rest = arg.partition("::")
        claimed = False
        pipeline = pipelines.get(root)
        if pipeline is not None and (not rest or rest.split("::", 1)[0] == _slug(pipeline)):
            ids.add(_collect_pipeline(session, pipeline, items))
            claimed = True
        for claim in sel.node_id_roots.get(root, ()):
            claimed = claim(session, arg, items) or claimed
        if not claimed:
            known = sorted(set(pipelines) | set(sel.node_id_roots))
            raise pytest.UsageError(
                f"{arg}: no item has this node id (node ids of this kind begin with "
                f"{', '.join(known)}); run pytest --collect-only -q to list them"
            )
    return ids


def _slug(pipeline: "Pipeline") -> str | None:
    sequence = load_spec(pipeline.spec).sequence
    return sequence.slug if sequence is not None else None


def _keep_named(sel: Selection, items: list[pytest.Item]) -> None:
    """Under a root that node ids name, only the named items stay (a pipeline ``--symphony`` names stays whole)."""
    if not sel.node_id_args:
        return
    roots = {arg.split("::", 1)[0] for arg in sel.node_id_args}
    whole = set(sel.run.selected)

    def asked(item: pytest.Item) -> bool:
        if item.nodeid.split("::", 1)[0] not in roots:
            return True
        if isinstance(item, BeatItem) and ({_root_id(item), "all"} & whole):
            return True
        return any(item.nodeid == arg or item.nodeid.startswith(arg + "::") for arg in sel.node_id_args)

    items[:] = [item for item in items if asked(item)]  # as pytest collects a node id: the rest never was


def _pipelines(sel: Selection) -> dict[str, "Pipeline"]:
    pipelines: dict[str, Pipeline] = {}
    for batch in sel.hook.pytest_symphony_pipelines(config=sel.config):
        for pipeline in batch or ():
            pipelines.setdefault(pipeline.alias, pipeline)
    return pipelines


def _wanted_ids(
    sel: Selection, session: pytest.Session, items: list[pytest.Item]
) -> tuple[set[str], dict[str, set[str]]]:
    """The sequence ids ``--symphony`` names, and per id the movements it names (``id/movement``)."""
    collected = {_root_id(i) for i in items if isinstance(i, BeatItem)}
    pipelines = _pipelines(sel)
    wanted: set[str] = set()
    movements: dict[str, set[str]] = {}  # sequence id -> the movements named (WHOLE: all of them)
    unknown: list[str] = []
    for entry in sel.run.selected:  # every named pipeline's handlers first: one's collection may check another's
        name = entry.partition("/")[0]
        pipeline = pipelines.get(name) or (None if name in collected else _pipeline_by_id(pipelines, name))
        if pipeline is not None:
            sel.handlers.load_pipeline(pipeline)
    for entry in sel.run.selected:
        name, _, movement = entry.partition("/")
        if name == "all":
            wanted |= collected
            continue
        if name in collected:
            found = name
        elif (pipeline := pipelines.get(name) or _pipeline_by_id(pipelines, name)) is not None:
            found = _collect_pipeline(session, pipeline, items)
        else:
            unknown.append(entry)
            continue
        wanted.add(found)
        movements.setdefault(found, set()).add(movement or WHOLE)
    if unknown:
        known = sorted(collected) + sorted(pipelines)
        raise pytest.UsageError(
            f"--symphony: unknown sequence {', '.join(map(repr, unknown))}; known: "
            + (", ".join(known) if known else "none (no specs under ini symphony_paths)")
        )
    _check_movements(items, movements)
    return wanted, movements


#: In ``_wanted_ids``' movement refs: the whole sequence is named.
WHOLE = "*"


def _root_id(item: BeatItem) -> str:
    return item.sequence_node.root.sequence.id


def _wanted_beat(item: BeatItem, wanted: set[str], movements: dict[str, set[str]]) -> bool:
    root = item.sequence_node.root
    if root.sequence.id not in wanted:
        return False
    refs = movements.get(root.sequence.id)
    if not refs or WHOLE in refs:
        return True
    movement = root.sequence.movements[item.order_key[0][0]]
    return bool(refs & _movement_names(movement))


def _movement_names(movement: Movement) -> set[str]:
    return {movement.slug, str(movement.number), *((movement.id,) if movement.id else ())}


def _check_movements(items: list[pytest.Item], movements: dict[str, set[str]]) -> None:
    """``--symphony=id/movement`` naming no movement of that sequence is a usage error listing them."""
    for sequence_id, refs in movements.items():
        refs = refs - {WHOLE}
        if not refs:
            continue
        sequence = next(
            (_root(i).sequence for i in items if isinstance(i, BeatItem) and _root_id(i) == sequence_id), None
        )
        if sequence is None:
            continue
        names = set().union(*(_movement_names(m) for m in sequence.movements))
        missing = sorted(refs - names)
        if missing:
            known = ", ".join(m.slug + (f" ({m.id})" if m.id and m.id != m.slug else "") for m in sequence.movements)
            raise pytest.UsageError(
                f"--symphony={sequence_id}/{missing[0]}: '{sequence_id}' has no movement "
                f"'{missing[0]}'; its movements: {known}"
            )


def _root(item: BeatItem) -> SequenceNode:
    return item.sequence_node.root


def _pipeline_by_id(pipelines: dict[str, "Pipeline"], name: str) -> "Pipeline | None":
    for pipeline in pipelines.values():
        result = load_spec(pipeline.spec)
        if result.sequence is not None and result.sequence.id == name:
            return pipeline
    return None


def _collect_last_failed_pipelines(sel: Selection, session: pytest.Session, items: list[pytest.Item]) -> None:
    """``--lf`` after a failed built-in pipeline: collect it, so its failures run again."""
    config = session.config
    if not config.getoption("lf", False) or config.cache is None:
        return
    failed_paths = {str(nodeid).split("::", 1)[0] for nodeid in config.cache.get("cache/lastfailed", {})}
    for pipeline in _pipelines(sel).values():
        if pipeline.nodeid in failed_paths:
            _collect_pipeline(session, pipeline, items)


def _collect_pipeline(session: pytest.Session, pipeline: "Pipeline", items: list[pytest.Item]) -> str:
    """Collect a built-in spec that lives in the package, outside the rootdir (once)."""
    for item in items:
        if isinstance(item, BeatItem) and item.path == pipeline.spec:
            return _root_id(item)
    node = PipelineSpec.from_parent(
        session, name=pipeline.nodeid, path=pipeline.spec, nodeid=pipeline.nodeid, pipeline=pipeline
    )
    new = list(session.genitems(node))
    items.extend(new)
    for item in new:
        if isinstance(item, BeatItem):
            return _root_id(item)
    return pipeline.alias


def order_beats(items: list[pytest.Item]) -> None:
    """Keep each sequence's beats together and in spec order (a sub-pipeline's inside its parent's),
    wherever other plugins moved them."""
    groups: dict[int, list[BeatItem]] = {}
    layout: list[int | pytest.Item] = []
    for item in items:
        if isinstance(item, BeatItem):
            key = id(item.sequence_node.root)
            if key not in groups:
                groups[key] = []
                layout.append(key)
            groups[key].append(item)
        else:
            layout.append(item)
    if not groups:
        return
    ordered: list[pytest.Item] = []
    for entry in layout:
        if isinstance(entry, int):
            beats = sorted(groups[entry], key=lambda i: i.order_key)
            ordered.extend(beats)
        else:
            ordered.append(entry)
    items[:] = ordered
