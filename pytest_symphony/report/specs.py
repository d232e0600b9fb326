"""The specs behind a report: where a recorded spec file lives, and the little of each spec the
report shows (titles, governance, beats with their handlers, scenarios and test links)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..score.loader import load_spec
from .work import ReportContext


def spec_path(ctx: ReportContext, spec_file: str) -> Path:
    """A spec file as the history recorded it (``symphony:<alias>`` for a built-in pipeline)."""
    if spec_file in ctx.builtin_specs:
        return ctx.builtin_specs[spec_file]
    return ctx.rootdir / spec_file


def load_spec_summary(path: Path, display: str) -> dict[str, Any]:
    """What the report shows of one spec, or why it does not load (``loaded`` says which)."""
    if not path.is_file():
        return {"loaded": False, "spec_file": display, "problem": "spec file not found", "movements": []}
    result = load_spec(path, display_path=display)
    seq = result.sequence
    if seq is None:
        return {
            "loaded": False,
            "spec_file": display,
            "movements": [],
            "problem": str(result.problems[0]) if result.problems else "does not load",
        }
    gov = dict(seq.governance or {})
    return {
        "loaded": True,
        "id": seq.id,
        "title": seq.title,
        "description": seq.description,
        "kind": seq.kind,
        "version": seq.version,
        "spec_file": display,
        "spec_hash": seq.content_hash,
        "rollback": seq.rollback.display if seq.rollback else None,
        "governance": {
            "policies": [str(p) for p in _as_list(gov.get("policies"))],
            "metrics": [str(m) for m in _as_list(gov.get("metrics"))],
        },
        "movements": [
            {
                "number": m.number,
                "slug": m.slug,
                "title": m.title,
                "beats": [
                    {
                        "number": b.number,
                        "slug": b.slug,
                        "title": b.title,
                        "handler": b.handler.display if b.handler else None,
                        "event": b.event,
                        "scenario": b.scenario,
                        "tests": _tests(b.raw),
                        "criteria": len(b.acceptance_criteria),
                        "critical": b.critical,
                    }
                    for b in m.beats
                ],
            }
            for m in seq.movements
        ],
    }


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _tests(raw: Mapping[str, Any]) -> list[str]:
    """Test links a beat declares: ``testFile``/``testCase``, ``test`` or ``tests``."""
    links = [str(t) for t in _as_list(raw.get("tests")) + _as_list(raw.get("test"))]
    if raw.get("testFile") or raw.get("testCase"):
        links.append("::".join(str(raw[k]) for k in ("testFile", "testCase") if raw.get(k)))
    return links
