"""JSON report, schema version 1 (``report.schema.json`` beside this module, JSON
Schema draft 2020-12).

Top level: ``schema_version`` (1), ``tool`` {name, version}, ``threshold`` (the
``symphony_fail_on`` severity), ``summary`` (counts), ``scores`` (per dimension: score,
band, checked count or null, violations by severity; null when no scores were
computed), ``violations`` (unsuppressed, sorted by place), ``suppressed`` (silenced
violations, same shape) and ``unused_suppressions``.  A change that removes or renames
a member, or changes its meaning, increments ``schema_version``; members may be added
within a version.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Iterable, Mapping, Sequence

from ..codes import Dimension, Severity
from ..scores import DimensionScore, band, score_details
from ..violation import Checked, Violation
from . import UnusedNote, severity_counts, sort_violations, tool_version

__all__ = ["SCHEMA_VERSION", "report_dict", "render_json", "load_schema"]

SCHEMA_VERSION = 1


def load_schema() -> dict[str, Any]:
    """The report's JSON Schema."""
    text = resources.files(__package__).joinpath("report.schema.json").read_text("utf-8")
    schema = json.loads(text)
    assert isinstance(schema, dict), "report.schema.json holds an object"
    return schema


def _scores(
    violations: Sequence[Violation],
    scores: Mapping[Dimension, Any] | None,
    checked: Checked | None,
) -> dict[str, Any] | None:
    if scores is None:
        if checked is None:
            return None
        scores = score_details(violations, checked)
    counts = {d: {s: 0 for s in severity_counts(())} for d in Dimension}
    for v in violations:
        counts[v.dimension][v.severity] += 1
    out: dict[str, Any] = {}
    n: int | None
    for d in Dimension:
        if d not in scores:
            continue
        value = scores[d]
        if isinstance(value, DimensionScore):
            score, n = value.score, value.checked
        else:
            score, n = float(value), (checked[d] if checked is not None else None)
        out[d.value] = {
            "score": score,
            "band": band(score),
            "checked": n,
            "violations": {s.value: c for s, c in counts[d].items()},
        }
    return out


def report_dict(
    violations: Iterable[Violation],
    scores: Mapping[Dimension, Any] | None = None,
    *,
    checked: Checked | None = None,
    threshold: Severity | str = Severity.MAJOR,
    suppressed: Iterable[Violation] = (),
    unused: Sequence[UnusedNote] = (),
    version: str | None = None,
) -> dict[str, Any]:
    """The report as a JSON-ready mapping.

    ``scores``: from :func:`~pytest_symphony.conformity.scores.score_all` (floats) or
    :func:`~pytest_symphony.conformity.scores.score_details`; when omitted and
    ``checked`` is given they are computed from ``violations``.
    """
    threshold = Severity.parse(threshold)
    ordered = sort_violations(violations)
    silenced = sort_violations(suppressed)
    unused_sorted = sorted(unused, key=lambda u: u.key)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pytest-symphony", "version": version or tool_version()},
        "threshold": threshold.value,
        "summary": {
            "violations": len(ordered),
            "by_severity": {s.value: n for s, n in severity_counts(ordered).items()},
            "at_or_above_threshold": sum(1 for v in ordered if v.severity >= threshold),
            "suppressed": len(silenced),
            "unused_suppressions": len(unused_sorted),
        },
        "scores": _scores(ordered, scores, checked),
        "violations": [v.to_dict() for v in ordered],
        "suppressed": [v.to_dict() for v in silenced],
        "unused_suppressions": [u.to_dict() for u in unused_sorted],
    }


def render_json(
    violations: Iterable[Violation],
    scores: Mapping[Dimension, Any] | None = None,
    **kwargs: Any,
) -> str:
    """:func:`report_dict` as indented JSON text ending with a newline."""
    return json.dumps(report_dict(violations, scores, **kwargs), indent=2, ensure_ascii=False) + "\n"
