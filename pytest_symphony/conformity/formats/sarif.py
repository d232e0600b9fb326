"""SARIF 2.1.0 for code scanning.

One run of the ``pytest-symphony`` driver.  ``tool.driver.rules`` lists every known code
(catalog order, then plugin codes) with ``id`` = code name, a short and a full
description, ``defaultConfiguration.level`` mapped from severity (CRITICAL and MAJOR:
``error``, MINOR: ``warning``, INFO: ``note``) and the category, dimension, severity
and fix safety as properties.  Each result carries ``ruleId``/``ruleIndex``, ``level``,
the message, one physical location (URI relative to ``%SRCROOT%``, 1-based region,
``endColumn`` exclusive), and the fix's exact text edits as SARIF ``fixes`` where known.
Suppressed violations appear with an ``inSource`` suppression; unused suppressions as
tool execution notifications.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Iterable, Sequence
from urllib.parse import quote

from ..codes import Code, Severity, all_codes
from ..violation import Place, Violation
from . import sort_violations, tool_version

__all__ = ["SARIF_SCHEMA_URI", "LEVELS", "sarif_log", "render_sarif", "rule_descriptor"]

SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.MAJOR: "error",
    Severity.MINOR: "warning",
    Severity.INFO: "note",
}

_SENTENCE_END = re.compile(r"(?<=[A-Za-z0-9)`\"'])\.(?:\s|$)")


def _first_sentence(text: str) -> str:
    m = _SENTENCE_END.search(text)
    return text[: m.start() + 1] if m else text


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def rule_descriptor(code: Code) -> dict[str, Any]:
    full = code.summary if code.fix_summary is None else f"{code.summary} Fix: {code.fix_summary}"
    return {
        "id": code.name,
        "name": _camel(code.name),
        "shortDescription": {"text": _first_sentence(code.summary)},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": LEVELS[code.severity]},
        "properties": {
            "category": code.category.value,
            "dimension": code.dimension.value,
            "severity": code.severity.value,
            "fixSafety": code.fix.value,
            "tags": ["conformity", code.category.value],
        },
    }


def _is_absolute(path: str) -> bool:
    return PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute()


def _artifact(path: str) -> dict[str, Any]:
    if _is_absolute(path):
        if PureWindowsPath(path).drive:
            return {"uri": PureWindowsPath(path).as_uri()}
        return {"uri": PurePosixPath(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _location(place: Place) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": place.line, "startColumn": place.col}
    if place.end_line is not None:
        region["endLine"] = place.end_line
        if place.end_col is not None:
            region["endColumn"] = place.end_col
    return {"physicalLocation": {"artifactLocation": _artifact(place.path), "region": region}}


def _fixes(v: Violation) -> list[dict[str, Any]] | None:
    if v.fix is None or not v.fix.edits:
        return None
    by_path: dict[str, list[dict[str, Any]]] = {}
    for e in sorted(v.fix.edits, key=lambda e: (e.path, e.start_offset, e.end_offset)):
        by_path.setdefault(e.path, []).append(
            {
                "deletedRegion": {
                    "charOffset": e.start_offset,
                    "charLength": e.end_offset - e.start_offset,
                },
                "insertedContent": {"text": e.replacement},
            }
        )
    return [
        {
            "description": {"text": v.fix.description},
            "artifactChanges": [
                {"artifactLocation": _artifact(path), "replacements": reps}
                for path, reps in by_path.items()
            ],
        }
    ]


def _result(v: Violation, index: int, suppressed: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "severity": v.severity.value,  # type: ignore[union-attr]
        "dimension": v.dimension.value,  # type: ignore[union-attr]
        "fixSafety": v.fix_safety.value,
    }
    if v.sequence is not None:
        props["sequence"] = v.sequence
    if v.beat is not None:
        props["beat"] = v.beat
    if v.place.pointer is not None:
        props["jsonPointer"] = v.place.pointer
    result: dict[str, Any] = {
        "ruleId": v.code,
        "ruleIndex": index,
        "level": LEVELS[v.severity],  # type: ignore[index]
        "message": {"text": v.message},
        "locations": [_location(v.place)],
    }
    fixes = _fixes(v)
    if fixes:
        result["fixes"] = fixes
    if suppressed:
        result["suppressions"] = [{"kind": "inSource"}]
    result["properties"] = props
    return result


def sarif_log(
    violations: Iterable[Violation],
    version: str | None = None,
    *,
    suppressed: Iterable[Violation] = (),
    unused: Sequence[Any] = (),
    root: str | Path | None = None,
) -> dict[str, Any]:
    """The SARIF log as a JSON-ready mapping.  ``root``: the directory relative paths
    start from, recorded as ``originalUriBaseIds["%SRCROOT%"]``."""
    kept = sort_violations(violations)
    silenced = sort_violations(suppressed)
    codes = list(all_codes())
    known = {c.name for c in codes}
    rules = [rule_descriptor(c) for c in codes]
    for v in kept + silenced:  # codes of unregistered plugins: a minimal rule
        if v.code not in known:
            known.add(v.code)
            rules.append(
                {
                    "id": v.code,
                    "name": _camel(v.code),
                    "defaultConfiguration": {"level": LEVELS[v.severity]},  # type: ignore[index]
                    "properties": {"dimension": v.dimension.value},  # type: ignore[union-attr]
                }
            )
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = [_result(v, index[v.code], False) for v in kept]
    results += [_result(v, index[v.code], True) for v in silenced]
    notifications = [
        {
            "descriptor": {"id": "unused-suppression" if u.reason == "unused" else "unknown-code"},
            "level": "warning",
            "message": {"text": u.message},
            "locations": [_location(u.place)],
        }
        for u in sorted(unused, key=lambda u: u.key)
    ]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "pytest-symphony",
                "version": version or tool_version(),
                "rules": rules,
            }
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if root is not None:
        uri = Path(root).resolve().as_uri()
        run["originalUriBaseIds"] = {SRCROOT: {"uri": uri if uri.endswith("/") else uri + "/"}}
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(
    violations: Iterable[Violation],
    version: str | None = None,
    **kwargs: Any,
) -> str:
    """:func:`sarif_log` as indented JSON text ending with a newline."""
    return json.dumps(sarif_log(violations, version, **kwargs), indent=2, ensure_ascii=False) + "\n"
