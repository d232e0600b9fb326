"""Every spec shape found in the wild, into one score model.

``normalize(data, ...)`` takes the top-level mapping from :mod:`.source` and returns the
:class:`~pytest_symphony.score.model.Sequence` plus the structural problems it found
(a movement that is not a mapping, a beat list that is a string, ...).  It never raises.
Scalar fields of the wrong type (a numeric name, a negative retries) are carried into the
model as written so the schema (:mod:`.validate`) reports them with their pointer; fields
this module does not know stay in each node's ``raw`` mapping.

Shapes accepted:

- a ``musicalSequence`` wrapper; ``id`` or ``sequenceId`` (else the file stem);
  ``name`` or ``title``;
- beats under ``beats``, ``steps`` or ``sequence`` (first non-empty list), with an
  integer ``beats`` beside them taken as the declared count;
- numbers from ``movement``/``beat``, ``number`` or a numeric ``id``, else the position;
- handlers as ``"name"``, ``"module#func"``, ``{name: "module#func", ...}``, or
  ``handlers: [ids]`` into a top-level ``handlers`` list (``[{id, ...}]``) or mapping
  (``{name: {timeout, retries, ...}}``);
- acceptance criteria as sentences or ``{given, when, then, and}``; user stories as a
  sentence or ``{persona, goal, benefit}``.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from collections.abc import Mapping
from typing import Any

from .documents import BEAT_LIST_KEYS, HeldDocument, RawDocument, unwrap
from .handler_refs import declarations, rollback_ref
from .model import EMPTY, Movement, Sequence, SpecProblem
from .movements import movement, placeholder, user_story
from .slugs import SlugSet, slugify, split_camel, unique_slug
from .source import item_line, line_of
from .spec_values import NormalizeContext, first_of, integral, is_int, kind_of, version_text


def _movements(
    ctx: NormalizeContext, data: Mapping[str, Any], line: int, document: RawDocument
) -> tuple[list[Movement], Any]:
    """(the movements, a declared movement count) of a sequence mapping."""
    movements: list[Movement] = []
    raw_movements = data.get("movements")
    if raw_movements is None:
        ctx.problem(
            "/movements",
            "missing: a sequence needs a list of movements, each with a list of beats "
            "(movements: [{name: ..., beats: [...]}])",
            line,
        )
    elif isinstance(raw_movements, list):
        used: set[str] = SlugSet()
        for i, item in enumerate(raw_movements):
            if not isinstance(item, Mapping):
                at_line = item_line(raw_movements, i, line)
                ctx.problem(
                    f"/movements/{i}",
                    f"{item!r} is {kind_of(item)}; a movement must be a mapping with beats",
                    at_line,
                )
                item = placeholder(at_line)  # keeps later movements at their own index
            movements.append(movement(ctx, item, i, used, document))
    elif is_int(raw_movements):
        ctx.problem(
            "/movements",
            f"{raw_movements} is a count; movements must be the list of movements itself",
            line,
        )
        return movements, raw_movements
    else:
        ctx.problem("/movements", f"{raw_movements!r} is {kind_of(raw_movements)}; movements must be a list", line)
    return movements, None


def normalize(
    data: Mapping[str, Any], *, path: str, stem: str, content_hash: str = "", document: RawDocument | None = None
) -> tuple[Sequence, list[SpecProblem]]:
    """The sequence a spec mapping describes, and the structural problems found on the way.

    ``document`` is where its nodes reach their raw mappings later (:mod:`.documents`);
    by default they hold ``data``.
    """
    ctx = NormalizeContext(path)
    data = unwrap(data)
    if document is None:
        document = HeldDocument(data)
    line = line_of(data, 1)

    raw_id = first_of(data, "id", "sequenceId")
    id_declared = raw_id is not None
    seq_id: Any = raw_id if id_declared else stem
    slug = slugify(seq_id) if isinstance(seq_id, str) else ""
    if not slug:
        slug = slugify(stem) or "sequence"

    ctx.declared = declarations(ctx, data.get("handlers"), line)
    movements, declared_movements = _movements(ctx, data, line, document)

    top_beats = data.get("beats")
    version = data.get("version")
    if version is None and isinstance(data.get("metadata"), Mapping):
        version = data["metadata"].get("version")
    events = data.get("events")
    governance = data.get("governance")
    dynamics = data.get("dynamics")

    sequence = Sequence(
        id=seq_id,
        name=first_of(data, "name", "title"),
        slug=slug,
        path=path,
        movements=tuple(movements),
        events=tuple(events) if isinstance(events, list) else events,
        governance=EMPTY if governance is None else governance,
        handlers=MappingProxyType(dict(ctx.declared)),
        rollback=rollback_ref(ctx, data, line),
        declared_beats=integral(top_beats if not isinstance(top_beats, list) else None),
        declared_movements=declared_movements,
        version=version_text(version),
        kind=data.get("kind"),
        status=data.get("status"),
        description=data.get("description"),
        domain_id=data.get("domainId"),
        user_story=user_story(data),
        dynamics=dynamics if isinstance(dynamics, str) else None,
        content_hash=content_hash,
        line=line,
        document=document,
        id_declared=id_declared,
    )
    if movements and not any(m.beats for m in movements):  # the file would leave no trace in a run
        ctx.problems = [replace(p, warning=False) for p in ctx.problems]
    return sequence, ctx.problems


# slugs and BEAT_LIST_KEYS (from .documents) are imported from here by conformity, bdd and the tests.
__all__ = ["BEAT_LIST_KEYS", "SlugSet", "normalize", "slugify", "split_camel", "unique_slug"]
