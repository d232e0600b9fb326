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
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "report.schema.json"


def render_json(report: dict) -> str:
    """Stable, readable JSON (keys in report order, one level of indent per nesting)."""
    try:
        return json.dumps(report, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    except ValueError:  # a NaN or an infinity somewhere: rare, so only then walk the document
        return json.dumps(_finite(report), ensure_ascii=False, indent=1, allow_nan=False) + "\n"


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
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    cls = jsonschema.validators.validator_for(schema())
    return cls(schema(), format_checker=None)


def validate_report(document: dict) -> list[str]:
    """Every way ``document`` differs from the schema, as ``/json/pointer: message`` lines."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in errors]
