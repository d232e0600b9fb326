"""Which items run, and in what order: ``--symphony``, dynamics, strict beat order."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .collect import BeatItem, SpecErrorItem, SpecFile
from .runtime import dynamics
from .score.loader import load_spec

if TYPE_CHECKING:
    from .pipelines import Pipeline
    from .session import SymphonySession


def select(sym: "SymphonySession", session: pytest.Session, items: list) -> None:
    """Apply ``--symphony`` (collecting named built-in pipelines) and ``--symphony-dynamic``."""
    keep: list = []
    dropped: list = []
    if sym.selected:
        wanted = _wanted_ids(sym, session, items)
        for item in items:
            if isinstance(item, SpecErrorItem) or (isinstance(item, BeatItem) and item.plan.sequence.id in wanted):
                keep.append(item)
            elif not isinstance(item, BeatItem) and sym.hook.pytest_symphony_select_item(item=item, wanted=wanted):
                keep.append(item)
            else:
                dropped.append(item)
    else:
        keep = list(items)
    quiet = [i for i in keep if isinstance(i, BeatItem) and not dynamics.allows(sym.dynamic, i.needed_dynamic)]
    if quiet:
        skip = set(map(id, quiet))
        keep = [i for i in keep if id(i) not in skip]
        dropped.extend(quiet)
    if dropped:
        session.config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _wanted_ids(sym: "SymphonySession", session: pytest.Session, items: list) -> set[str]:
    collected = {i.plan.sequence.id for i in items if isinstance(i, BeatItem)}
    pipelines: dict[str, Pipeline] = {}
    for batch in sym.hook.pytest_symphony_pipelines(config=sym.config):
        for pipeline in batch or ():
            pipelines.setdefault(pipeline.alias, pipeline)
    wanted: set[str] = set()
    unknown: list[str] = []
    for name in sym.selected:
        if name == "all":
            wanted |= collected
        elif name in collected:
            wanted.add(name)
        elif name in pipelines or _pipeline_by_id(pipelines, name):
            pipeline = pipelines.get(name) or _pipeline_by_id(pipelines, name)
            wanted.add(_collect_pipeline(session, pipeline, items))
        else:
            unknown.append(name)
    if unknown:
        known = sorted(collected) + sorted(pipelines)
        raise pytest.UsageError(
            f"--symphony: unknown sequence {', '.join(map(repr, unknown))}; known: "
            + (", ".join(known) if known else "none (no specs under ini symphony_paths)")
        )
    return wanted


def _pipeline_by_id(pipelines: dict[str, "Pipeline"], name: str) -> "Pipeline | None":
    for pipeline in pipelines.values():
        result = load_spec(pipeline.spec)
        if result.sequence is not None and result.sequence.id == name:
            return pipeline
    return None


def _collect_pipeline(session: pytest.Session, pipeline: "Pipeline", items: list) -> str:
    """Collect a built-in spec that lives in the package, outside the rootdir."""
    node = SpecFile.from_parent(session, path=pipeline.spec, nodeid=f"symphony:{pipeline.alias}", pipeline=pipeline)
    new = list(session.genitems(node))
    items.extend(new)
    for item in new:
        if isinstance(item, BeatItem):
            return item.plan.sequence.id
    return pipeline.alias


def order_beats(items: list) -> None:
    """Keep each sequence's beats together and in spec order, wherever other plugins moved them."""
    groups: dict[int, list[BeatItem]] = {}
    layout: list = []
    for item in items:
        if isinstance(item, BeatItem):
            key = id(item.sequence_node)
            if key not in groups:
                groups[key] = []
                layout.append(key)
            groups[key].append(item)
        else:
            layout.append(item)
    if not groups:
        return
    ordered: list = []
    for entry in layout:
        if isinstance(entry, int):
            ordered.extend(sorted(groups[entry], key=lambda i: (i.plan.movement.index, i.plan.beat.index)))
        else:
            ordered.append(entry)
    items[:] = ordered
