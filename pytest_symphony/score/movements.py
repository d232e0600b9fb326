"""A movement and its beats, from their mappings: numbers, slugs, criteria, stories.

The one reading of a beat's or movement's number and slug, so the run, conformity and
the fixer agree on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .documents import BEAT_LIST_KEYS, RawDocument, beat_items
from .handler_refs import beat_handlers, run_command
from .model import EMPTY, Beat, Criterion, Movement, UserStory
from .slugs import SlugSet, slugify, split_camel, unique_slug
from .source import Located, item_line, line_of
from .spec_values import NormalizeContext, as_int, first_of, integral, is_int, kind_of, one_or_many


def _parts(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(value)
    return (value,)


_GWT = ("given", "when", "then", "and")
_CRITERIA_KEYS = ("acceptanceCriteria", "acceptanceCriteriaStructured")


def _criteria(ctx: NormalizeContext, node: Mapping[str, Any], pointer: str, line: int) -> tuple[Criterion, ...]:
    if not any(key in node for key in _CRITERIA_KEYS):  # most beats write none
        return ()
    found: list[Criterion] = []
    for _key, item, at in one_or_many(node, _CRITERIA_KEYS, line):
        if isinstance(item, Mapping):
            if any(item.get(k) is not None for k in _GWT):
                found.append(
                    Criterion(
                        given=_parts(item.get("given")),
                        when=_parts(item.get("when")),
                        then=_parts(item.get("then")),
                        and_=_parts(item.get("and")),
                        line=line_of(item, at),
                    )
                )
            elif item.get("text") is not None:
                found.append(Criterion(text=item.get("text"), line=line_of(item, at)))
            else:
                ctx.problem(
                    f"{pointer}/acceptanceCriteria/{len(found)}",
                    "an acceptance criterion needs a sentence or given/when/then parts",
                    line_of(item, at),
                )
                found.append(Criterion(text="", line=line_of(item, at)))  # keeps the index
        else:
            found.append(Criterion(text=item, line=at))  # the schema wants a string
    return tuple(found)


def user_story(node: Mapping[str, Any]) -> UserStory | None:
    value = node.get("userStory")
    if value is None:
        return None
    if isinstance(value, Mapping):
        return UserStory(
            persona=value.get("persona"),
            goal=value.get("goal"),
            benefit=value.get("benefit"),
            text=value.get("text"),
        )
    return UserStory(text=value)


# ----------------------------------------------------------------- beats, movements


def placeholder(line: int) -> Located:
    """An empty mapping standing in for a malformed item, so later items keep their index.

    Only ever part of a sequence that also has a problem, so it never reaches a run.
    """
    node = Located()
    node.line = line
    return node


def _number_and_id(
    node: Mapping[str, Any], keys: tuple[str, ...], position: int
) -> tuple[Any, Any, tuple[str, int] | None]:
    """(number, string id, declared): a declared number, a numeric id, else the 1-based position.

    The one reading of a beat's or movement's number: the run numbers beats by it,
    conformity checks ``declared`` ((key, value) as written, None for a position) and the
    fixer edits it, so ``beat: "3"`` is number 3 to all of them.
    """
    raw_id = node.get("id")
    number: Any = None
    declared: tuple[str, int] | None = None
    for key in keys:
        value = node.get(key)
        if value is not None:
            n = as_int(value)
            number = n if n is not None else value  # a bad number is carried to the schema
            declared = (key, n) if n is not None else None
            break
    sid: Any = None
    if raw_id is not None:
        n = as_int(raw_id)
        if n is not None:
            if number is None:
                number, declared = n, ("id", n)
        else:
            sid = raw_id  # a string id (anything else is carried to the schema)
    if number is None:
        number = position
    return number, sid, declared


def _plain_list(value: Any) -> Any:
    """A list as a plain one (its positions not held by the model); anything else as written."""
    return list(value) if isinstance(value, list) else value


def _beat(
    ctx: NormalizeContext, node: Mapping[str, Any], at: tuple[int, int], pointer: str, used: set[str], doc: RawDocument
) -> Beat:
    movement_index, index = at
    line = line_of(node)
    number, bid, declared_as = _number_and_id(node, ("beat", "number"), index + 1)
    name = first_of(node, "name", "title")
    handlers = beat_handlers(ctx, node, pointer, line)
    slug = ""
    for candidate in (name, bid):
        if isinstance(candidate, str):
            slug = slugify(candidate)
            if slug:
                break
    if not slug and handlers and isinstance(handlers[0].name, str):
        slug = slugify(split_camel(handlers[0].name))
    if not slug:
        slug = f"beat-{number if is_int(number) else index + 1}"
    subsequence = first_of(node, "subsequence", "invokes")
    if subsequence is None and isinstance(node.get("sequence"), str):
        subsequence = node["sequence"]
    inputs = first_of(node, "inputs", "input")
    retries = node.get("retries")
    return Beat(
        index=index,
        number=number,
        id=bid,
        name=name,
        slug=unique_slug(slug, used),
        handlers=handlers,
        event=node.get("event"),
        timeout=node.get("timeout"),
        retries=0 if retries is None else integral(retries),
        dynamics=node.get("dynamics"),
        inputs=EMPTY if inputs is None else inputs,
        acceptance_criteria=_criteria(ctx, node, pointer, line),
        user_story=user_story(node),
        scenario=node.get("scenario"),
        subsequence=subsequence,
        command=run_command(ctx, node, pointer, line),
        expand=str(node["expand"]) if node.get("expand") else None,
        critical=node.get("critical", True) is not False,
        declared=declared_as,
        description=node.get("description"),
        timeout_method=node.get("timeout_method", node.get("timeoutMethod")),
        overlap_retries=node.get("overlapRetries") is True,
        override_fixtures=_plain_list(node.get("overrideFixtures")),
        line=line,
        document=doc,
        movement_index=movement_index,
    )


def _beat_list(ctx: NormalizeContext, node: Mapping[str, Any], pointer: str, line: int) -> tuple[Any, Any]:
    """(the beat list, the declared count) of a movement."""
    declared: Any = None
    for key in BEAT_LIST_KEYS:
        value = node.get(key)
        if value is None or isinstance(value, list):
            continue
        if key == "beats" and is_int(value):
            declared = value
        elif key == "sequence" and isinstance(value, str):
            continue  # a sub-sequence name, not beats
        else:
            ctx.problem(
                f"{pointer}/{key}",
                f"{value!r} is {kind_of(value)}; {key} must be a list of beats"
                + (" (or an integer count)" if key == "beats" else ""),
                line,
            )
    return beat_items(node), declared


def _no_beats(node: Mapping[str, Any], index: int, declared: Any) -> str:
    """Why a movement yields no beat, and where its beats should go."""
    name = first_of(node, "name", "title")
    what = f"movement {index + 1}" + (f" {name!r}" if isinstance(name, str) else "")
    where = "list them under `beats:` (each a mapping with a name and a handler)"
    if declared is not None:
        return f"{what} declares {declared} beat(s) (beats: {declared}) but lists none; {where}"
    for key, value in node.items():
        if key not in BEAT_LIST_KEYS and isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            return (
                f"{what} has no beat list, but its key {key!r} holds a list of mappings: beats are read "
                f"only from {', '.join(BEAT_LIST_KEYS)}; rename {key!r} to `beats`"
            )
    empty = next((k for k in BEAT_LIST_KEYS if isinstance(node.get(k), list)), None)
    if empty is not None:
        return f"{what} has an empty `{empty}` list: a movement needs at least one beat; {where}"
    return f"{what} has no beats: a movement needs at least one beat; {where}"


def movement(
    ctx: NormalizeContext, node: Mapping[str, Any], index: int, used: set[str], document: RawDocument
) -> Movement:
    pointer = f"/movements/{index}"
    line = line_of(node)
    number, mid, declared_as = _number_and_id(node, ("movement", "number"), index + 1)
    name = first_of(node, "name", "title")
    items, declared = _beat_list(ctx, node, pointer, line)
    explained = any(p.pointer and p.pointer.startswith(pointer) for p in ctx.problems)
    if not items and not explained:  # a warning while another movement has beats; see normalize()
        ctx.problem(f"{pointer}/beats", _no_beats(node, index, declared), line, warning=True)
    beats: list[Beat] = []
    beat_slugs: set[str] = SlugSet()
    for i, item in enumerate(items):
        at = f"{pointer}/beats/{i}"
        if not isinstance(item, Mapping):
            at_line = item_line(items, i, line)
            ctx.problem(at, f"{item!r} is {kind_of(item)}; a beat must be a mapping (name, handler, ...)", at_line)
            item = placeholder(at_line)  # keeps later beats at their own index
        beats.append(_beat(ctx, item, (index, i), at, beat_slugs, document))
    slug = ""
    for candidate in (name, mid):
        if isinstance(candidate, str):
            slug = slugify(candidate)
            if slug:
                break
    if not slug:
        slug = f"movement-{number if is_int(number) else index + 1}"
    dynamics = node.get("dynamics")
    return Movement(
        index=index,
        number=number,
        id=mid,
        name=name,
        slug=unique_slug(slug, used),
        beats=tuple(beats),
        declared_beats=declared,
        dynamics=dynamics if isinstance(dynamics, str) else None,
        standalone=node.get("standalone") is True,
        declared=declared_as,
        description=node.get("description"),
        line=line,
        document=document,
    )


# ------------------------------------------------------------------------ sequence
