"""The JSON report: the report dict as written, checked against its versioned schema.

``schema/report.schema.json`` documents every field (``$id`` names the major
version; ``schema_version`` in the document names major.minor).  Tools that read
the report should check ``schema_version`` starts with ``1.``.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from json.encoder import encode_basestring as _string
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "report.schema.json"


def render_json(report: Mapping[str, Any]) -> str:
    """Stable, readable JSON (keys in report order, one level of indent per nesting)."""
    try:
        return dumps_indented(report) + "\n"
    except ValueError:  # a NaN or an infinity somewhere: rare, so only then walk the document
        return dumps_indented(_finite(report)) + "\n"


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1, allow_nan=False)``, the same text, faster.

    With an indent, the standard library encodes in Python through nested generators; a full
    history's report (10,000 runs in its trends and audit) spent most of a second there.  This
    appends to one list instead.  NaN and infinities raise ``ValueError`` as ``json.dumps`` does."""
    out: list[str] = []
    _encode(value, "\n", out)
    return "".join(out)


def _encode(value: Any, newline: str, out: list[str]) -> None:
    """Append ``value``'s JSON; ``newline`` is a line break plus the indent of ``value``'s own level."""
    if isinstance(value, str):
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + " "
        first = True
        for key, item in value.items():
            out.append(("{" if first else ",") + inner + _string(_key(key)) + ": ")
            first = False
            _encode(item, inner, out)
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + " "
        first = True
        for item in value:
            out.append(("[" if first else ",") + inner)
            first = False
            _encode(item, inner, out)
        out.append(newline + "]")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _float(value: float) -> str:
    if value != value or value in (math.inf, -math.inf):
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as ``json.dumps`` writes it."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such numbers (a broken timer, say) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@lru_cache(maxsize=1)
def _validator() -> Validator:
    import jsonschema

    cls = jsonschema.validators.validator_for(schema())
    return cls(schema(), format_checker=None)


def validate_report(document: Mapping[str, Any]) -> list[str]:
    """Every way ``document`` differs from the schema, as ``/json/pointer: message`` lines."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in errors]
