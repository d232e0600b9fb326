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
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any


from .model import EMPTY, Beat, Command, Criterion, HandlerRef, Movement, Sequence, SpecProblem, UserStory
from .schema_check import compile_schema

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


#: Whether a normalized document is valid (the schema compiled to Python, :mod:`.schema_check`);
#: only a "no" pays for jsonschema's messages.
IS_VALID = compile_schema(SCHEMA)[0]

_MAX_MESSAGE = 240


def _escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _plain(value: Any) -> Any:
    """A Mapping (MappingProxyType, Located) as a plain dict; anything else as is."""
    if value is EMPTY:  # nearly every beat's inputs
        return {}
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


def _beat(b: Beat) -> dict[str, Any]:
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


def _movement(m: Movement) -> dict[str, Any]:
    return {
        "number": m.number,
        "id": m.id,
        "name": m.name,
        "slug": m.slug,
        "description": m.description,
        "dynamics": m.dynamics,
        "declaredBeats": m.declared_beats,
        "beats": [_beat(b) for b in m.beats],
    }


def _lines(seq: Sequence) -> dict[str, int]:
    """The line of every node of the document that has one, by JSON pointer (for messages)."""
    lines: dict[str, int] = {"": seq.line}
    for hid, ref in seq.handlers.items():
        if ref.line:
            lines[f"/handlers/{_escape(hid)}"] = ref.line
    if seq.rollback is not None and seq.rollback.line:
        lines["/rollback"] = seq.rollback.line
    for i, m in enumerate(seq.movements):
        lines[f"/movements/{i}"] = m.line
        for j, b in enumerate(m.beats):
            at = f"/movements/{i}/beats/{j}"
            lines[at] = b.line
            for k, h in enumerate(b.handlers):
                if h.line:
                    lines[f"{at}/handlers/{k}"] = h.line
            for k, c in enumerate(b.acceptance_criteria):
                if c.line:
                    lines[f"{at}/acceptanceCriteria/{k}"] = c.line
    return lines


def sequence_document(seq: Sequence) -> dict[str, Any]:
    """The normalized JSON document of ``seq`` (what the shipped schema describes)."""
    handlers = {str(hid): _handler(ref) for hid, ref in seq.handlers.items()}
    return {
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
        "movements": [_movement(m) for m in seq.movements],
    }


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
    doc = sequence_document(seq)
    if IS_VALID(doc):
        return []
    lines = _lines(seq)
    problems = []
    for error in validator().iter_errors(doc):
        pointer = "".join(f"/{_escape(p)}" for p in error.absolute_path)
        problems.append(SpecProblem(seq.path, _message(error), _nearest_line(pointer, lines), 0, pointer))
    problems.sort(key=lambda p: (p.line, p.pointer or "", p.message))
    return problems


__all__ = ["IS_VALID", "SCHEMA", "validator", "sequence_document", "validate_sequence"]
