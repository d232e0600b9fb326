"""One delivery input file as data: read as located YAML or JSON, checked against its JSON Schema.

Every input has a schema in ``schemas/`` (shipped with the package, documented in
docs/delivery.md).  Problems are :class:`Finding` objects at the line of the value they are
about, so a bad file fails naming the file, the line and what to do.  jsonschema loads on
the first check.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..score.source import item_line, line_of, parse_text
from .errors import DeliveryError, Finding

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

__all__ = ["SCHEMA_DIR", "read_document", "schema", "validate"]

SCHEMA_DIR = Path(__file__).with_name("schemas")
_MAX_BYTES = 20 * 1024 * 1024


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of input ``name`` (roadmap, hypotheses, research, feedback, ...)."""
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return loaded


@lru_cache(maxsize=None)
def _validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name))


def _line(data: Any, parts: Sequence[Any]) -> int:
    """The line of the deepest located container on the path ``parts`` into ``data``."""
    line, node = line_of(data, 1), data
    for part in parts:
        if isinstance(node, list) and isinstance(part, int):
            line = item_line(node, part, line)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        line = line_of(node, line)
    return line


def validate(data: Any, name: str, display: str, *, line_offset: int = 0) -> list[Finding]:
    """Schema problems of ``data`` against input schema ``name``, each at its line."""
    findings = []
    for error in sorted(_validator(name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        line = line_offset or _line(data, list(error.absolute_path))
        findings.append(
            Finding(f"{where}: {error.message}", display, line, f"see the {name} schema in docs/delivery.md")
        )
    return findings[:50]


def read_document(path: Path, display: str) -> Any:
    """A YAML or JSON file as located data (lines kept); DeliveryError when it cannot be read or parsed."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DeliveryError("inputs", [Finding(f"cannot read: {exc}", display)]) from exc
    if len(raw) > _MAX_BYTES:
        raise DeliveryError("inputs", [Finding("larger than 20 MiB", display, 0, "split or trim the file")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeliveryError(
            "inputs", [Finding(f"not UTF-8 ({exc.reason} at byte {exc.start})", display, 0, "save the file as UTF-8")]
        ) from exc
    fmt = "json" if path.suffix == ".json" else "yaml"
    data, problem = parse_text(text, display, fmt)
    if problem is not None:
        raise DeliveryError("inputs", [Finding(problem.message, display, problem.line, "fix the syntax")])
    return data
