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

import re
import unicodedata
from dataclasses import replace
from types import MappingProxyType
from typing import Any, Mapping

from .model import (
    Command,
    EMPTY,
    Beat,
    Criterion,
    HandlerRef,
    Movement,
    Sequence,
    SpecProblem,
    UserStory,
)
from .integrity import in_range
from .source import Located, item_line, line_of

_NUMERIC = re.compile(r"\s*[+-]?\d+\s*\Z")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

#: Keys that may hold a movement's beat list, in order of preference.
BEAT_LIST_KEYS = ("beats", "steps", "sequence")


# ------------------------------------------------------------------------- helpers


def slugify(text: str) -> str:
    """Lowercase ASCII, runs of anything else as one '-', no leading/trailing '-'."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", text.lower()).strip("-")


def split_camel(name: str) -> str:
    """"loadBuildContext" -> "load Build Context" (slugify does the rest)."""
    return _CAMEL.sub(" ", name)


class SlugSet(set):
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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_int(value: Any) -> int | None:
    """An int from an int, an integral float, or a numeric string; else None."""
    if _is_int(value):
        return value
    if isinstance(value, float) and value.is_integer() and in_range(int(value)):
        return int(value)
    if isinstance(value, str) and len(value) <= 40 and _NUMERIC.match(value):
        number = int(value)
        return number if in_range(number) else None  # a 30-digit "number" is a label
    return None


def _integral(value: Any) -> Any:
    """1.0 -> 1; anything else as written (the schema judges it)."""
    if isinstance(value, float) and value.is_integer() and in_range(int(value)):
        return int(value)
    return value


def _first(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = mapping.get(key)
        if value is not None:
            return value
    return None


def _version(value: Any) -> Any:
    """A version as text: as written for a number (1.10 stays "1.10")."""
    if _is_number(value):
        return getattr(value, "text", None) or str(value)
    return value


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if _is_number(value):
        return "a number"
    if value is None:
        return "null"
    return "a string"


class _Context:
    """What normalizing one file needs: its path, its handler declarations, its problems."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[SpecProblem] = []
        self.declared: dict[str, HandlerRef] = {}

    def problem(self, pointer: str, message: str, line: int = 0, column: int = 0, *, warning: bool = False) -> None:
        where = pointer.lstrip("/")
        text = f"{where}: {message}" if where else message
        self.problems.append(SpecProblem(self.path, text, line, column, pointer, warning))


# ------------------------------------------------------------------------ handlers


def _timeout_ms(value: Any) -> float | None:
    """A number of milliseconds, or None for a duration string (kept in ``raw``)."""
    return value if _is_number(value) else None


def _ref_from_string(text: str, line: int, raw: Any = None) -> HandlerRef:
    text = text.strip()
    module, sep, name = text.rpartition("#")
    if not sep:
        return HandlerRef(name=text, line=line, raw=raw if raw is not None else text)
    return HandlerRef(name=name, module=module or None, line=line, raw=raw if raw is not None else text)


def _ref_from_mapping(
    ctx: _Context, obj: Mapping[str, Any], pointer: str, line: int, *, default_name: str | None = None
) -> HandlerRef:
    """``{name: "module#func", timeout, retries, ...}``; other keys stay in ``raw``."""
    name = _first(obj, "name", "handler", "id")
    if name is None:
        name = default_name
    line = line_of(obj, line)
    if name is None:
        ctx.problem(pointer, "a handler object needs a name, e.g. name: 'module#function'", line)
        return HandlerRef(name="?", line=line, raw=obj)  # keeps later handlers at their index
    if isinstance(name, str):
        ref = _ref_from_string(name, line, raw=obj)
    else:
        ref = HandlerRef(name=name, line=line, raw=obj)  # the schema reports the type
    timeout = obj.get("timeout")
    retries = obj.get("retries")
    command = _script(ctx, obj, pointer, line) if obj.get("script") is not None else None
    return replace(ref, timeout_ms=_timeout_ms(timeout), retries=_integral(retries), command=command)


#: A declared script runs through the interpreter its suffix names.
_INTERPRETERS = {".py": "python", ".js": "node", ".cjs": "node", ".mjs": "node", ".sh": "sh"}


def _script(ctx: _Context, obj: Mapping[str, Any], pointer: str, line: int) -> Command | None:
    """``{script, method?, args?}`` (the origin system's handler form) as the process it runs."""
    script, args = obj.get("script"), obj.get("args", [])
    if not isinstance(script, str) or not script.strip():
        ctx.problem(f"{pointer}/script", f"must be a path to a script, not {_kind(script)}", line)
        return None
    if isinstance(args, str):
        args = [args]
    if not isinstance(args, list) or not all(isinstance(a, (str, int, float)) for a in args):
        ctx.problem(f"{pointer}/args", "must be a list of arguments (strings or numbers)", line)
        return None
    method = obj.get("method")
    argv = (script, *((str(method),) if isinstance(method, str) else ()), *(str(a) for a in args))
    suffix = "." + script.rsplit(".", 1)[-1] if "." in script.rsplit("/", 1)[-1] else ""
    return Command(argv=argv, interpreter=_INTERPRETERS.get(suffix.lower()), cwd=_text(obj.get("cwd")),
                   env=_env(ctx, obj.get("env"), f"{pointer}/env", line))


def _run(ctx: _Context, node: Mapping[str, Any], pointer: str, line: int) -> Command | None:
    """A beat's ``run:``: a shell string, or an argv list; with ``cwd`` and ``env``."""
    value = node.get("run")
    if value is None:
        return None
    cwd, env = _text(node.get("cwd")), _env(ctx, node.get("env"), f"{pointer}/env", line)
    if isinstance(value, str) and value.strip():
        return Command(shell=value, cwd=cwd, env=env)
    if isinstance(value, list) and value and all(isinstance(a, (str, int, float)) for a in value):
        return Command(argv=tuple(str(a) for a in value), cwd=cwd, env=env)
    ctx.problem(f"{pointer}/run", "must be a command: a string (run by the shell) or a list of arguments", line)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _env(ctx: _Context, value: Any, pointer: str, line: int) -> Mapping[str, str]:
    if value is None:
        return EMPTY
    if isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, (str, int, float))
                                          for k, v in value.items()):
        return MappingProxyType({k: str(v) for k, v in value.items()})
    ctx.problem(pointer, "must map variable names to strings", line)
    return EMPTY


def _declarations(ctx: _Context, value: Any, line: int) -> dict[str, HandlerRef]:
    """The top-level ``handlers``: a list of ``{id, ...}`` or a mapping ``{id: {...}}``."""
    declared: dict[str, HandlerRef] = {}
    if value is None:
        return declared
    if isinstance(value, list):
        for i, entry in enumerate(value):
            pointer = f"/handlers/{i}"
            at = item_line(value, i, line)
            if isinstance(entry, str):
                declared.setdefault(entry, _ref_from_string(entry, at))
            elif isinstance(entry, Mapping):
                hid = _first(entry, "id", "name")
                if not isinstance(hid, str):
                    ctx.problem(pointer, "a declared handler needs a string id", at)
                    continue
                # The id is the registry key (`name` in this form is a human title),
                # unless the entry names its function under `handler`.
                target = entry.get("handler") if isinstance(entry.get("handler"), str) else hid
                ref = _ref_from_mapping(ctx, {**entry, "name": target}, pointer, at)
                declared.setdefault(hid, replace(ref, raw=entry, line=at))
            else:
                ctx.problem(pointer, f"a declared handler must be an id or a mapping, not {_kind(entry)}", at)
        return declared
    if isinstance(value, Mapping):
        for hid, entry in value.items():
            hid = str(hid)
            at = line_of(entry, line_of(value, line))
            if entry is None:
                declared[hid] = HandlerRef(name=hid, line=at)
            elif isinstance(entry, str):
                declared[hid] = _ref_from_string(entry, at)
            elif isinstance(entry, Mapping):  # script/method/... stay in raw
                declared[hid] = _ref_from_mapping(ctx, entry, f"/handlers/{_escape(hid)}", at, default_name=hid)
            else:
                ctx.problem(
                    f"/handlers/{_escape(hid)}",
                    f"a declared handler must be a mapping or a 'module#function' string, not {_kind(entry)}",
                    at,
                )
        return declared
    ctx.problem("/handlers", f"must be a list or a mapping of handler declarations, not {_kind(value)}", line)
    return declared


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _resolve_id(ctx: _Context, name: str, line: int) -> HandlerRef:
    """A handler named by id: its declaration (placed at the reference), else the name itself."""
    decl = ctx.declared.get(name)
    if decl is not None:
        return replace(decl, line=line)
    return _ref_from_string(name, line)


def _beat_handlers(ctx: _Context, beat: Mapping[str, Any], pointer: str, line: int) -> tuple[HandlerRef, ...]:
    refs: list[HandlerRef] = []
    for key in ("handler", "handlers"):
        value = beat.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            at = item_line(value, i, line) if isinstance(value, list) else line
            if isinstance(item, str):
                refs.append(_resolve_id(ctx, item.strip(), at))
            elif isinstance(item, Mapping):
                refs.append(_ref_from_mapping(ctx, item, f"{pointer}/handlers/{len(refs)}", at))
            else:
                ctx.problem(
                    f"{pointer}/{key}",
                    f"a handler is a name, 'module#function' or a mapping with a name, not {_kind(item)}",
                    at,
                )
    seen: set[tuple[Any, str]] = set()
    unique: list[HandlerRef] = []
    for ref in refs:
        key = (ref.module, ref.name if isinstance(ref.name, str) else repr(ref.name))
        if key not in seen:
            seen.add(key)
            unique.append(ref)
    return tuple(unique)


# ------------------------------------------------------------- criteria and stories


def _parts(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(value)
    return (value,)


_GWT = ("given", "when", "then", "and")


def _criteria(ctx: _Context, node: Mapping[str, Any], pointer: str, line: int) -> tuple[Criterion, ...]:
    found: list[Criterion] = []
    for key in ("acceptanceCriteria", "acceptanceCriteriaStructured"):
        value = node.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            at = item_line(value, i, line) if isinstance(value, list) else line
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


def _user_story(node: Mapping[str, Any]) -> UserStory | None:
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


def _placeholder(line: int) -> Located:
    """An empty mapping standing in for a malformed item, so later items keep their index.

    Only ever part of a sequence that also has a problem, so it never reaches a run.
    """
    node = Located()
    node.line = line
    return node


def _number_and_id(node: Mapping[str, Any], keys: tuple[str, ...], position: int) -> tuple[Any, Any, tuple[str, int] | None]:
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
            n = _as_int(value)
            number = n if n is not None else value  # a bad number is carried to the schema
            declared = (key, n) if n is not None else None
            break
    sid: Any = None
    if raw_id is not None:
        n = _as_int(raw_id)
        if n is not None:
            if number is None:
                number, declared = n, ("id", n)
        else:
            sid = raw_id  # a string id (anything else is carried to the schema)
    if number is None:
        number = position
    return number, sid, declared


def _beat(ctx: _Context, node: Mapping[str, Any], index: int, pointer: str, used: set[str]) -> Beat:
    line = line_of(node)
    number, bid, declared_as = _number_and_id(node, ("beat", "number"), index + 1)
    name = _first(node, "name", "title")
    handlers = _beat_handlers(ctx, node, pointer, line)
    slug = ""
    for candidate in (name, bid):
        if isinstance(candidate, str):
            slug = slugify(candidate)
            if slug:
                break
    if not slug and handlers and isinstance(handlers[0].name, str):
        slug = slugify(split_camel(handlers[0].name))
    if not slug:
        slug = f"beat-{number if _is_int(number) else index + 1}"
    subsequence = _first(node, "subsequence", "invokes")
    if subsequence is None and isinstance(node.get("sequence"), str):
        subsequence = node["sequence"]
    inputs = _first(node, "inputs", "input")
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
        retries=0 if retries is None else _integral(retries),
        dynamics=node.get("dynamics"),
        inputs=EMPTY if inputs is None else inputs,
        acceptance_criteria=_criteria(ctx, node, pointer, line),
        user_story=_user_story(node),
        scenario=node.get("scenario"),
        subsequence=subsequence,
        command=_run(ctx, node, pointer, line),
        expand=str(node["expand"]) if node.get("expand") else None,
        critical=node.get("critical", True) is not False,
        declared=declared_as,
        description=node.get("description"),
        line=line,
        raw=node,
    )


def _beat_list(ctx: _Context, node: Mapping[str, Any], pointer: str, line: int) -> tuple[Any, Any]:
    """(the beat list, the declared count) of a movement."""
    declared: Any = None
    chosen: Any = None
    for key in BEAT_LIST_KEYS:
        value = node.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            if value and chosen is None:
                chosen = value
            elif chosen is None and not value:
                continue
        elif key == "beats" and _is_int(value):
            declared = value
        elif key == "sequence" and isinstance(value, str):
            continue  # a sub-sequence name, not beats
        else:
            ctx.problem(
                f"{pointer}/{key}",
                f"{value!r} is {_kind(value)}; {key} must be a list of beats"
                + (" (or an integer count)" if key == "beats" else ""),
                line,
            )
    return (chosen if chosen is not None else []), declared


def _no_beats(node: Mapping[str, Any], index: int, declared: Any) -> str:
    """Why a movement yields no beat, and where its beats should go."""
    name = _first(node, "name", "title")
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


def _movement(ctx: _Context, node: Mapping[str, Any], index: int, used: set[str]) -> Movement:
    pointer = f"/movements/{index}"
    line = line_of(node)
    number, mid, declared_as = _number_and_id(node, ("movement", "number"), index + 1)
    name = _first(node, "name", "title")
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
            ctx.problem(at, f"{item!r} is {_kind(item)}; a beat must be a mapping (name, handler, ...)", at_line)
            item = _placeholder(at_line)  # keeps later beats at their own index
        beats.append(_beat(ctx, item, i, at, beat_slugs))
    slug = ""
    for candidate in (name, mid):
        if isinstance(candidate, str):
            slug = slugify(candidate)
            if slug:
                break
    if not slug:
        slug = f"movement-{number if _is_int(number) else index + 1}"
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
        raw=node,
    )


# ------------------------------------------------------------------------ sequence


def _rollback(ctx: _Context, data: Mapping[str, Any], line: int) -> HandlerRef | None:
    for key in ("rollback", "rollbackHandler"):
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            return _resolve_id(ctx, value.strip(), line)
        if isinstance(value, Mapping):
            if _first(value, "name", "handler") is None:
                return None  # a rollback policy without a handler: raw only
            name = _first(value, "handler", "name")
            if isinstance(name, str) and name.strip() in ctx.declared:
                return _resolve_id(ctx, name.strip(), line_of(value, line))
            ref = _ref_from_mapping(ctx, {**value, "name": name}, f"/{key}", line_of(value, line))
            return replace(ref, raw=value)
        ctx.problem(f"/{key}", f"{value!r} is {_kind(value)}; {key} must name a handler", line)
        return None
    strategy = data.get("rollbackStrategy")
    if isinstance(strategy, Mapping) and isinstance(strategy.get("handler"), str):
        return _resolve_id(ctx, strategy["handler"].strip(), line_of(strategy, line))
    return None


def normalize(
    data: Mapping[str, Any], *, path: str, stem: str, content_hash: str = ""
) -> tuple[Sequence, list[SpecProblem]]:
    """The sequence a spec mapping describes, and the structural problems found on the way."""
    ctx = _Context(path)
    wrapped = data.get("musicalSequence")
    if isinstance(wrapped, Mapping):
        if len(data) > 1:  # keep the wrapper's siblings too; the inner mapping's keys win
            inner = type(wrapped)(data)
            del inner["musicalSequence"]
            inner.update(wrapped)
            for attr in ("line", "col"):
                if hasattr(wrapped, attr):
                    setattr(inner, attr, getattr(wrapped, attr))
            wrapped = inner
        data = wrapped
    line = line_of(data, 1)

    raw_id = _first(data, "id", "sequenceId")
    id_declared = raw_id is not None
    seq_id: Any = raw_id if id_declared else stem
    slug = slugify(seq_id) if isinstance(seq_id, str) else ""
    if not slug:
        slug = slugify(stem) or "sequence"

    ctx.declared = _declarations(ctx, data.get("handlers"), line)

    movements: list[Movement] = []
    declared_movements: Any = None
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
                    f"{item!r} is {_kind(item)}; a movement must be a mapping with beats",
                    at_line,
                )
                item = _placeholder(at_line)  # keeps later movements at their own index
            movements.append(_movement(ctx, item, i, used))
    elif _is_int(raw_movements):
        declared_movements = raw_movements
        ctx.problem(
            "/movements",
            f"{raw_movements} is a count; movements must be the list of movements itself",
            line,
        )
    else:
        ctx.problem("/movements", f"{raw_movements!r} is {_kind(raw_movements)}; movements must be a list", line)

    top_beats = data.get("beats")
    declared_beats = top_beats if not isinstance(top_beats, list) else None
    version = data.get("version")
    if version is None and isinstance(data.get("metadata"), Mapping):
        version = data["metadata"].get("version")
    events = data.get("events")
    governance = data.get("governance")
    dynamics = data.get("dynamics")

    sequence = Sequence(
        id=seq_id,
        name=_first(data, "name", "title"),
        slug=slug,
        path=path,
        movements=tuple(movements),
        events=tuple(events) if isinstance(events, list) else events,
        governance=EMPTY if governance is None else governance,
        handlers=MappingProxyType(dict(ctx.declared)),
        rollback=_rollback(ctx, data, line),
        declared_beats=_integral(declared_beats),
        declared_movements=declared_movements,
        version=_version(version),
        kind=data.get("kind"),
        status=data.get("status"),
        description=data.get("description"),
        domain_id=data.get("domainId"),
        user_story=_user_story(data),
        dynamics=dynamics if isinstance(dynamics, str) else None,
        content_hash=content_hash,
        line=line,
        raw=data,
        id_declared=id_declared,
    )
    if movements and not any(m.beats for m in movements):  # the file would leave no trace in a run
        ctx.problems = [replace(p, warning=False) for p in ctx.problems]
    return sequence, ctx.problems


__all__ = ["BEAT_LIST_KEYS", "SlugSet", "normalize", "slugify", "split_camel", "unique_slug"]
