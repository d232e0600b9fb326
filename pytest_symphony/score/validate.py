"""The normalized sequence document and its JSON Schema.

``sequence_document(seq)`` is the one JSON form every spec shape normalizes to (what the
shipped ``schema/sequence.schema.json`` describes).  ``validate_sequence(seq)`` checks it
with one validator compiled at import and returns every error as a
:class:`~pytest_symphony.score.model.SpecProblem`: message prefixed by the error's path,
``pointer`` set, and the line of the nearest node (beat, movement, handler...) that has
one, sorted by line.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import TYPE_CHECKING, Any, Mapping


from .model import Beat, Command, Criterion, HandlerRef, Movement, Sequence, SpecProblem, UserStory

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SCHEMA: dict[str, Any] = json.loads(
    resources.files(__package__).joinpath("schema").joinpath("sequence.schema.json").read_text("utf-8")
)


@functools.lru_cache(maxsize=None)
def validator() -> Draft202012Validator:
    """The one precompiled jsonschema validator, built on the first invalid document.

    Importing jsonschema costs ~50 ms, which a run whose specs are all valid never pays.
    """
    from jsonschema import Draft202012Validator

    return Draft202012Validator(SCHEMA)


# ------------------------------------------------------------------ the fast check
#
# jsonschema is the authority for every message, but walking a valid 100-beat document
# through it costs ~50 ms, nearly all of a load.  The schema uses a handful of
# keywords, so it is also compiled here into plain closures that answer one question:
# "is this document valid?".  Only a "no" pays for ``validator().iter_errors``.  A keyword
# this compiler does not know fails at import, and tests compare both on many documents.

_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "$comment", "default", "examples"}


def _type_check(names: tuple[str, ...]) -> Any:
    """A predicate for a JSON type or list of types (booleans are never numbers)."""
    plain = tuple(
        {"string": str, "object": dict, "array": list, "boolean": bool, "null": type(None)}[n]
        for n in names
        if n not in ("number", "integer")
    )
    number = "number" in names
    integer = "integer" in names
    if not number and not integer:
        return lambda x: isinstance(x, plain)

    def check(x: Any) -> bool:
        if isinstance(x, plain):
            return True
        if isinstance(x, bool):
            return False
        if isinstance(x, int):
            return True
        if isinstance(x, float):
            return number or x.is_integer()
        return False

    return check


def _compile(schema: Any, root: dict[str, Any], cache: dict[str, Any]) -> Any:
    """One predicate for ``schema``: a list of small checks run in order."""
    if schema is True:
        return lambda x: True
    if schema is False:
        return lambda x: False
    checks: list[Any] = []
    for key, value in schema.items():
        if key in _ANNOTATIONS or key in ("then", "else", "additionalProperties", "required"):
            continue  # then/else go with "if"; the object keywords with "properties"
        if key == "$ref":
            if not value.startswith("#/$defs/"):
                raise ValueError(f"unsupported $ref {value!r}")
            name = value[len("#/$defs/") :]
            if name not in cache:
                cache[name] = lambda x: True  # replaced below; guards a recursive $ref
                cache[name] = _compile(root["$defs"][name], root, cache)
            checks.append(lambda x, name=name: cache[name](x))
        elif key == "type":
            checks.append(_type_check(tuple(value) if isinstance(value, list) else (value,)))
        elif key == "properties":
            checks.append(_object_check(schema, root, cache))
        elif key == "items":
            item = _compile(value, root, cache)

            def items(x: Any, item: Any = item) -> bool:
                if isinstance(x, list):
                    for v in x:
                        if not item(v):
                            return False
                return True

            checks.append(items)
        elif key == "minimum":
            checks.append(lambda x, m=value: isinstance(x, bool) or not isinstance(x, (int, float)) or x >= m)
        elif key == "minLength":
            checks.append(lambda x, m=value: not isinstance(x, str) or len(x) >= m)
        elif key == "minItems":
            checks.append(lambda x, m=value: not isinstance(x, list) or len(x) >= m)
        elif key == "enum":
            checks.append(lambda x, allowed=tuple(value): any(x == a and type(x) is type(a) for a in allowed))
        elif key == "if":
            test = _compile(value, root, cache)
            then = _compile(schema.get("then", True), root, cache)
            other = _compile(schema.get("else", True), root, cache)
            checks.append(lambda x, t=test, a=then, b=other: a(x) if t(x) else b(x))
        else:
            raise ValueError(f"the fast check does not know the schema keyword {key!r}")
    if "properties" not in schema and ("additionalProperties" in schema or "required" in schema):
        checks.append(_object_check(schema, root, cache))
    if len(checks) == 1:
        return checks[0]

    def all_of(x: Any, checks: tuple[Any, ...] = tuple(checks)) -> bool:
        for check in checks:
            if not check(x):
                return False
        return True

    return all_of


def _object_check(schema: dict[str, Any], root: dict[str, Any], cache: dict[str, Any]) -> Any:
    """properties + additionalProperties + required, in one pass over the object."""
    props = {k: _compile(v, root, cache) for k, v in schema.get("properties", {}).items()}
    extra_schema = schema.get("additionalProperties", True)
    extra = None if extra_schema is True else _compile(extra_schema, root, cache)
    required = tuple(schema.get("required", ()))

    def check(x: Any) -> bool:
        if not isinstance(x, dict):
            return True
        for name in required:
            if name not in x:
                return False
        get = props.get
        for k, v in x.items():
            prop = get(k)
            if prop is not None:
                if not prop(v):
                    return False
            elif extra is not None and not extra(v):
                return False
        return True

    return check


IS_VALID = _compile(SCHEMA, SCHEMA, {})

_MAX_MESSAGE = 240


def _escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _plain(value: Any) -> Any:
    """A Mapping (MappingProxyType, Located) as a plain dict; anything else as is."""
    if isinstance(value, Mapping):
        return dict(value)
    return value


def _handler(ref: HandlerRef) -> dict[str, Any]:
    return {
        "name": ref.name,
        "module": ref.module,
        "timeoutMs": ref.timeout_ms,
        "retries": ref.retries,
        "command": _command(ref.command),
    }


def _command(command: Command | None) -> dict[str, Any] | None:
    if command is None:
        return None
    return {
        "argv": list(command.argv) if command.argv is not None else None,
        "shell": command.shell,
        "interpreter": command.interpreter,
        "cwd": command.cwd,
        "env": dict(command.env),
    }


def _story(story: UserStory | None) -> dict[str, Any] | None:
    if story is None:
        return None
    return {"persona": story.persona, "goal": story.goal, "benefit": story.benefit, "text": story.text}


def _criterion(c: Criterion) -> dict[str, Any]:
    if c.text is not None:
        return {"text": c.text}
    return {"given": list(c.given), "when": list(c.when), "then": list(c.then), "and": list(c.and_)}


def _beat(b: Beat, at: str, lines: dict[str, int]) -> dict[str, Any]:
    lines[at] = b.line
    for k, h in enumerate(b.handlers):
        if h.line:
            lines[f"{at}/handlers/{k}"] = h.line
    for k, c in enumerate(b.acceptance_criteria):
        if c.line:
            lines[f"{at}/acceptanceCriteria/{k}"] = c.line
    return {
        "number": b.number,
        "id": b.id,
        "name": b.name,
        "slug": b.slug,
        "description": b.description,
        "handlers": [_handler(h) for h in b.handlers],
        "event": b.event,
        "timeout": b.timeout,
        "retries": b.retries,
        "dynamics": b.dynamics,
        "inputs": _plain(b.inputs),
        "acceptanceCriteria": [_criterion(c) for c in b.acceptance_criteria],
        "userStory": _story(b.user_story),
        "scenario": b.scenario,
        "subsequence": b.subsequence,
        "command": _command(b.command),
    }


def _movement(m: Movement, at: str, lines: dict[str, int]) -> dict[str, Any]:
    lines[at] = m.line
    return {
        "number": m.number,
        "id": m.id,
        "name": m.name,
        "slug": m.slug,
        "description": m.description,
        "dynamics": m.dynamics,
        "declaredBeats": m.declared_beats,
        "beats": [_beat(b, f"{at}/beats/{j}", lines) for j, b in enumerate(m.beats)],
    }


def _document(seq: Sequence) -> tuple[dict[str, Any], dict[str, int]]:
    lines: dict[str, int] = {"": seq.line}
    handlers = {}
    for hid, ref in seq.handlers.items():
        handlers[str(hid)] = _handler(ref)
        if ref.line:
            lines[f"/handlers/{_escape(hid)}"] = ref.line
    if seq.rollback is not None and seq.rollback.line:
        lines["/rollback"] = seq.rollback.line
    doc = {
        "id": seq.id,
        "idDeclared": seq.id_declared,
        "name": seq.name,
        "slug": seq.slug,
        "version": seq.version,
        "kind": seq.kind,
        "status": seq.status,
        "description": seq.description,
        "domainId": seq.domain_id,
        "dynamics": seq.dynamics,
        "events": list(seq.events) if isinstance(seq.events, tuple) else seq.events,
        "governance": _plain(seq.governance),
        "declaredBeats": seq.declared_beats,
        "declaredMovements": seq.declared_movements,
        "userStory": _story(seq.user_story),
        "handlers": handlers,
        "rollback": _handler(seq.rollback) if seq.rollback is not None else None,
        "movements": [_movement(m, f"/movements/{i}", lines) for i, m in enumerate(seq.movements)],
    }
    return doc, lines


def sequence_document(seq: Sequence) -> dict[str, Any]:
    """The normalized JSON document of ``seq`` (what the shipped schema describes)."""
    return _document(seq)[0]


def _nearest_line(pointer: str, lines: Mapping[str, int]) -> int:
    while True:
        line = lines.get(pointer)
        if line:
            return line
        if not pointer:
            return 0
        pointer = pointer.rsplit("/", 1)[0]


def _message(error: Any) -> str:
    message = error.message
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    path = "/".join(str(p) for p in error.absolute_path)
    return f"{path}: {message}" if path else message


def validate_sequence(seq: Sequence) -> list[SpecProblem]:
    """Every schema error of ``seq``'s normalized document, sorted by source line."""
    doc, lines = _document(seq)
    if IS_VALID(doc):
        return []
    problems = []
    for error in validator().iter_errors(doc):
        pointer = "".join(f"/{_escape(p)}" for p in error.absolute_path)
        problems.append(SpecProblem(seq.path, _message(error), _nearest_line(pointer, lines), 0, pointer))
    problems.sort(key=lambda p: (p.line, p.pointer or "", p.message))
    return problems


__all__ = ["IS_VALID", "SCHEMA", "validator", "sequence_document", "validate_sequence"]
