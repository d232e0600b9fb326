"""Handlers of the built-in conformity pipeline (``pytest --symphony=conformity``).

One engine run per session serves every beat (:func:`~pytest_symphony.conformity.items.engine_result`);
``analyze`` judges one checked file per item; ``validate`` re-checks the phase; ``report``
records the phase's scores as metrics and writes its JSON report as an artifact.
Snapshot and fix act only in fix mode (``--symphony-fix`` writes, ``--symphony-diff``
works on a copy): a detection run skips them with that reason.  In fix mode, analyze
fails only on what no fix will try, and validate judges the workspace as fixed
(:mod:`pytest_symphony.remediation.pipeline`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from pytest_symphony import Target, expander
from pytest_symphony.pipelines.failures import builtin_handler as handler
from pytest_symphony.conformity.items import PHASES, engine_result, first_line, judge_file, phase_files
from pytest_symphony.conformity.formats.json import report_dict
from pytest_symphony.errors import SymphonyError
from pytest_symphony.runtime.context import SequenceRun

if TYPE_CHECKING:
    from pytest_symphony.conformity.codes import Category, Code

_TITLES = {"domain": "domain & orchestration", "sequence": "sequence", "handler": "handler & BDD"}


def _categories(phase: str) -> tuple[Category, ...]:
    if phase not in PHASES:
        raise SymphonyError(f"unknown conformity phase {phase!r}; expected one of {', '.join(PHASES)}")
    return PHASES[phase]


def _fix_mode(config: pytest.Config) -> bool:
    """``--symphony-fix`` or ``--symphony-diff`` (False when the remediation plug-in is absent)."""
    try:
        from pytest_symphony.remediation.pipeline import mode
    except ImportError:
        return False
    return mode(config) is not None


def _targets(config: pytest.Config, phase: str) -> list[Target]:
    result = engine_result(config)
    categories = _categories(phase)
    return [
        Target(
            rel,
            rel,
            path=str(config.rootpath / rel) if not rel.startswith("symphony:") else None,
            line=first_line(result, rel, categories),
        )
        for rel in phase_files(result, categories)
    ]


@expander("conformity-domain-files")
def domain_files(config: pytest.Config) -> list[Target]:
    return _targets(config, "domain")


@expander("conformity-sequence-files")
def sequence_files(config: pytest.Config) -> list[Target]:
    return _targets(config, "sequence")


@expander("conformity-handler-files")
def handler_files(config: pytest.Config) -> list[Target]:
    return _targets(config, "handler")


@handler
def conformity_snapshot(symphony: SequenceRun, phase: str, pytestconfig: pytest.Config) -> dict[str, Any]:
    """Snapshot the files the phase's fixes may touch (fix mode only)."""
    _categories(phase)
    if not _fix_mode(pytestconfig):
        pytest.skip(f"{_TITLES[phase]} snapshot: fix mode only (--symphony-fix); this is a detection run")
    from pytest_symphony.remediation.pipeline import snapshot_beat

    return snapshot_beat(pytestconfig, phase, symphony)


@handler
def conformity_scan(symphony: SequenceRun, phase: str, pytestconfig: pytest.Config) -> dict[str, list[str]]:
    """List the files the phase checks; record how many."""
    result = engine_result(pytestconfig)
    files = phase_files(result, _categories(phase))
    symphony.metric("files", len(files))
    symphony.metric("lines", float(result.stats.get("lines", 0)))
    return {f"{phase}_files": files}


@handler
def conformity_analyze(symphony: SequenceRun, phase: str, request: pytest.FixtureRequest) -> None:
    """Judge one checked file: fail on violations at or above the threshold."""
    target = symphony.target
    if target is None:
        raise SymphonyError("conformity_analyze runs on the items of an expanded beat (expand: conformity-*-files)")
    if _fix_mode(request.config):
        from pytest_symphony.remediation.pipeline import analyze_beat

        return analyze_beat(request.config, phase, target.id, request.node, _categories(phase))
    judge_file(engine_result(request.config), target.id, _categories(phase), node=request.node)


@handler
def conformity_fix(symphony: SequenceRun, phase: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Apply the phase's fixes (fix mode only): kept, or rolled back whole and failing with the reason."""
    _categories(phase)
    if not _fix_mode(request.config):
        pytest.skip(f"{_TITLES[phase]} fixes: fix mode only (--symphony-fix); this is a detection run")
    from pytest_symphony.remediation.pipeline import fix_beat

    return fix_beat(request.config, phase, symphony, request.node)


@handler
def conformity_validate(
    symphony: SequenceRun, phase: str, pytestconfig: pytest.Config, request: pytest.FixtureRequest
) -> None:
    """Re-check the workspace; fail while violations at or above the threshold remain in the phase."""
    categories = _categories(phase)
    if _fix_mode(pytestconfig):
        from pytest_symphony.remediation.pipeline import validate_result

        result = validate_result(pytestconfig, phase, request.node, categories)
    else:
        result = engine_result(pytestconfig)
    from pytest_symphony.conformity.items import in_phase

    failing = [v for v in result.failing() if in_phase(v, categories)]
    symphony.metric("failing", len(failing))
    if failing:
        files = sorted({v.place.path for v in failing})
        raise SymphonyError(
            f"{_TITLES[phase]}: {len(failing)} violation(s) at or above {result.threshold} remain in "
            f"{len(files)} file(s): {', '.join(files[:10])}{' ...' if len(files) > 10 else ''}"
        )


@handler
def conformity_report(symphony: SequenceRun, phase: str, pytestconfig: pytest.Config) -> dict[str, str]:
    """Record the phase's scores as metrics and write its JSON report beside the run."""
    from pytest_symphony.conformity.items import in_phase

    categories = _categories(phase)
    result = engine_result(pytestconfig)
    mine = [v for v in result.violations if in_phase(v, categories)]
    dimensions = {c for c in (d.dimension for d in _codes(categories))}
    for dimension, score in result.scores.items():
        if dimension in dimensions:
            symphony.metric(f"score_{dimension.value.lower()}", score)
    symphony.metric("violations", len(mine))
    report = report_dict(
        mine,
        result.scores,
        checked=result.checked,
        threshold=result.threshold,
        suppressed=[v for v in result.suppressed if in_phase(v, categories)],
    )
    path = symphony.artifact_dir / f"conformity-{phase}.json"
    # one line: json's C encoder writes it; an indented report is 4x slower on large workspaces
    path.write_text(json.dumps(report, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return {f"{phase}_report": str(path)}


def _codes(categories: tuple[Category, ...]) -> list[Code]:
    from pytest_symphony.conformity.codes import all_codes

    return [c for c in all_codes() if c.category in categories]
