"""SARIF 2.1.0 for code scanning.

One run of the ``pytest-symphony`` driver (its ``version`` and ``informationUri``).
``tool.driver.rules`` lists every known code (catalog order, then plugin codes) with
``id`` = code name, a short and a full description, ``help`` (text and the markdown of
docs/codes.md, both from the catalog) and ``helpUri``, ``defaultConfiguration.level``
mapped from severity (CRITICAL and MAJOR: ``error``, MINOR: ``warning``, INFO: ``note``)
and the category, dimension, severity and fix safety as properties.  Each result carries
``ruleId``/``ruleIndex``, ``level``, the message, one physical location (URI relative to
``%SRCROOT%``, the repository's top level: the git top level, else the rootdir; 1-based
region, ``endColumn`` exclusive), ``partialFingerprints`` (see :func:`fingerprint`), and
the fix's exact text edits as SARIF ``fixes`` where known.  Suppressed violations appear
with an ``inSource`` suppression; unused suppressions as tool execution notifications.

GitHub code scanning's requirements (docs.github.com, "SARIF support for code scanning")
are met: every rule has ``shortDescription``, ``fullDescription`` and ``help.text``;
every result ``message.text``, a location with ``startLine`` and ``partialFingerprints``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Iterable, Sequence
from urllib.parse import quote

from ..codes import Code, Severity, all_codes
from ..violation import Place, Violation
from . import UnusedNote, docs_url, project_url, repository_root, sort_violations, tool_version

__all__ = [
    "SARIF_SCHEMA_URI",
    "LEVELS",
    "FINGERPRINT",
    "sarif_log",
    "render_sarif",
    "rule_descriptor",
    "help_markdown",
    "fingerprint",
]

#: The ``partialFingerprints`` key (versioned: a new way of computing it gets a new key).
FINGERPRINT = "symphonyFindingHash/v1"

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
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


def help_markdown(code: Code) -> str:
    """The code's entry of docs/codes.md as markdown (made from the same catalog fields)."""
    lines = [
        f"**{code.name}** ({code.severity.value}, {code.dimension.value}; fix: {code.fix.value})",
        "",
        code.summary,
    ]
    if code.fix_summary:
        lines += ["", f"**Fix ({code.fix.value}):** {code.fix_summary}"]
    return "\n".join(lines)


def rule_descriptor(code: Code) -> dict[str, Any]:
    full = code.summary if code.fix_summary is None else f"{code.summary} Fix: {code.fix_summary}"
    return {
        "id": code.name,
        "name": _camel(code.name),
        "shortDescription": {"text": _first_sentence(code.summary)},
        "fullDescription": {"text": full},
        "help": {"text": full, "markdown": help_markdown(code)},
        "helpUri": docs_url("codes.md", code.name.lower()),
        "defaultConfiguration": {"level": LEVELS[code.severity]},
        "properties": {
            "category": code.category.value,
            "dimension": code.dimension.value,
            "severity": code.severity.value,
            "fixSafety": code.fix.value,
            "tags": ["conformity", code.category.value],
        },
    }


def _plugin_rule(v: Violation) -> dict[str, Any]:
    """A rule for a code no registered plugin describes: what the violation itself says."""
    text = f"{v.code}: a conformity code of a plugin that is not registered in this run."
    return {
        "id": v.code,
        "name": _camel(v.code),
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": text},
        "defaultConfiguration": {"level": LEVELS[v.severity]},
        "properties": {"dimension": v.dimension.value},
    }


_PLACE_NUMBERS = re.compile(r"\blines? \d+(?:(?:, | and | or )\d+)*|:\d+(?::\d+)?")


def fingerprint(v: Violation, path: str, occurrence: int) -> str:
    """Stable across unrelated edits: the code, the file, the sequence and beat, the message
    with line numbers taken out, and which of identical findings in the file this is (in
    line order); never the line or column, which move whenever something above changes."""
    message = _PLACE_NUMBERS.sub("#", v.message)
    key = "\0".join([v.code, path, v.sequence or "", v.beat or "", message, str(occurrence)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _is_absolute(path: str) -> bool:
    return PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute()


def _artifact(path: str, prefix: str = "") -> dict[str, Any]:
    if _is_absolute(path):
        if PureWindowsPath(path).drive:
            return {"uri": PureWindowsPath(path).as_uri()}
        return {"uri": PurePosixPath(path).as_uri()}
    return {"uri": quote(prefix + path, safe="/"), "uriBaseId": SRCROOT}


def _location(place: Place, prefix: str = "") -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": place.line, "startColumn": place.col}
    if place.end_line is not None:
        region["endLine"] = place.end_line
        if place.end_col is not None:
            region["endColumn"] = place.end_col
    return {"physicalLocation": {"artifactLocation": _artifact(place.path, prefix), "region": region}}


def _fixes(v: Violation, prefix: str = "") -> list[dict[str, Any]] | None:
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
                {"artifactLocation": _artifact(path, prefix), "replacements": reps} for path, reps in by_path.items()
            ],
        }
    ]


def _result(v: Violation, index: int, suppressed: bool, prefix: str, occurrence: int) -> dict[str, Any]:
    props: dict[str, Any] = {
        "severity": v.severity.value,
        "dimension": v.dimension.value,
        "fixSafety": v.fix_safety.value,
    }
    if v.sequence is not None:
        props["sequence"] = v.sequence
    if v.beat is not None:
        props["beat"] = v.beat
    if v.place.pointer is not None:
        props["jsonPointer"] = v.place.pointer
    path = v.place.path if _is_absolute(v.place.path) else prefix + v.place.path
    result: dict[str, Any] = {
        "ruleId": v.code,
        "ruleIndex": index,
        "level": LEVELS[v.severity],
        "message": {"text": v.message},
        "locations": [_location(v.place, prefix)],
        "partialFingerprints": {FINGERPRINT: fingerprint(v, path, occurrence)},
    }
    fixes = _fixes(v, prefix)
    if fixes:
        result["fixes"] = fixes
    if suppressed:
        result["suppressions"] = [{"kind": "inSource"}]
    result["properties"] = props
    return result


def _occurrences(violations: list[Violation]) -> list[int]:
    """For each violation, how many identical ones (code, file, sequence, beat, message)
    come before it in line order."""
    seen: dict[tuple[str, str, str | None, str | None, str], int] = {}
    out = []
    for v in violations:
        key = (v.code, v.place.path, v.sequence, v.beat, _PLACE_NUMBERS.sub("#", v.message))
        out.append(seen.get(key, 0))
        seen[key] = out[-1] + 1
    return out


def sarif_log(
    violations: Iterable[Violation],
    version: str | None = None,
    *,
    suppressed: Iterable[Violation] = (),
    unused: Sequence[UnusedNote] = (),
    root: str | Path | None = None,
) -> dict[str, Any]:
    """The SARIF log as a JSON-ready mapping.  ``root``: the rootdir violation paths are
    relative to; they are written relative to its repository's top level (the git top
    level, else ``root``), recorded as ``originalUriBaseIds["%SRCROOT%"]``."""
    kept = sort_violations(violations)
    silenced = sort_violations(suppressed)
    base, prefix = repository_root(str(root)) if root is not None else (None, "")
    codes = list(all_codes())
    known = {c.name for c in codes}
    rules = [rule_descriptor(c) for c in codes]
    for v in kept + silenced:  # codes of unregistered plugins: a minimal rule
        if v.code not in known:
            known.add(v.code)
            rules.append(_plugin_rule(v))
    index = {r["id"]: i for i, r in enumerate(rules)}
    every = kept + silenced
    occurrences = _occurrences(every)
    results = [_result(v, index[v.code], n >= len(kept), prefix, occurrences[n]) for n, v in enumerate(every)]
    notifications = [
        {
            "descriptor": {"id": "unused-suppression" if u.reason == "unused" else "unknown-code"},
            "level": "warning",
            "message": {"text": u.message},
            "locations": [_location(u.place, prefix)],
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
                "informationUri": project_url(),
                "rules": rules,
            }
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if base is not None:
        uri = base.as_uri()
        run["originalUriBaseIds"] = {SRCROOT: {"uri": uri if uri.endswith("/") else uri + "/"}}
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(
    violations: Iterable[Violation],
    version: str | None = None,
    **kwargs: Any,
) -> str:
    """:func:`sarif_log` as indented JSON text ending with a newline."""
    return json.dumps(sarif_log(violations, version, **kwargs), indent=2, ensure_ascii=False) + "\n"
