"""The real work of the delivery symphony (SAFe continuous delivery), as a plain library.

No pytest here: each of the 17 beats is one function a handler calls, taking
:class:`DeliverySettings` (:func:`load_settings`) and returning a result object with
``to_json()``; a failed gate raises :class:`DeliveryError` whose findings name the
file, the line and what to do.  docs/delivery.md maps every beat to its function.

===  ==========================  ===========================================
1    Hypothesize MVP             :func:`scope`
2    Collaborate & Research      :func:`research`
3    Architect for Delivery      :func:`architecture`
4    Synthesize Vision & Roadmap :func:`roadmap`
5    Develop Stories             :func:`develop`
6    Build & Automate            :func:`provenance` (after the build sub-pipeline)
7    Test End-to-End             :func:`test_suite`
8    Stage & Validate            :func:`stage`
9    Deploy to Production        :func:`deploy` (rollback: :func:`rollback_deployment`)
10   Verify in Production        :func:`verify_production`
11   Monitor & Respond           :func:`monitor`
12   Release Features            :func:`release` (rollback: :func:`restore_release`)
13   Stabilize                   :func:`stabilize`
14   Measure Usage & Impact      :func:`measure` (the four keys: :func:`four_keys`)
15   Learn from Feedback         :func:`feedback`
16   Document Lessons            :func:`lessons`
17   Plan Next Iteration         :func:`next_iteration`
===  ==========================  ===========================================

Names load on first use, so importing the package costs nothing until a beat runs.
"""

from __future__ import annotations

import importlib
from typing import Any

#: submodule -> the names it exports here
_EXPORTS: dict[str, tuple[str, ...]] = {
    "design": ("ArchitectureResult", "architecture", "metadata_problems"),
    "commands": ("CommandResult", "run_command"),
    "conventional": ("ConventionalCommit", "NotConventional", "bump_level", "next_version", "parse_message"),
    "production": (
        "DeployResult",
        "VerifyResult",
        "add_status",
        "append_deployment",
        "deploy",
        "production_link",
        "rollback_deployment",
        "verify_production",
    ),
    "errors": ("DeliveryError", "Finding"),
    "evidence": ("evidence_dir", "read_evidence", "release_version", "write_evidence"),
    "governance": ("consistency", "measurement_age", "visibility"),
    "exploration": ("ResearchResult", "ScopeResult", "research", "scope"),
    "features": ("FeatureDoc", "read_features"),
    "satisfaction": ("FeedbackResult", "feedback"),
    "flags": ("FlagEvaluator", "check_dark", "new_flags", "sample_keys"),
    "dora": (
        "FourKeys",
        "IncidentLink",
        "changes_from_git",
        "deployment_changes",
        "four_keys",
        "link_incidents",
        "successful_production",
    ),
    "git": ("Commit", "Tag", "commits", "commits_since", "last_tag"),
    "inputs": (
        "Loaded",
        "load_deployments",
        "load_feedback",
        "load_hypotheses",
        "load_incidents",
        "load_measurements",
        "load_research",
        "load_roadmap",
        "parse_deployment",
    ),
    "documents": ("schema",),
    "integration": ("DevelopResult", "develop"),
    "retro": ("LessonsResult", "lessons"),
    "metrics": (
        "MeasureResult",
        "StabilizeResult",
        "Verdict",
        "build_outcomes",
        "judge",
        "measure",
        "project_four_keys",
        "stabilize",
    ),
    "incidents": ("MonitorResult", "monitor"),
    "planning": ("PlanResult", "next_iteration"),
    "attestation": ("ProvenanceResult", "provenance", "source_date_epoch", "verify_provenance"),
    "records": ("Deployment", "DeploymentStatus", "Hypothesis", "Incident", "Metric", "RoadmapItem"),
    "rollout": ("ReleaseResult", "release", "restore_release"),
    "wsjf": ("RoadmapResult", "roadmap", "wsjf_ranking"),
    "settings": ("DeliverySettings", "load_settings"),
    "staging": ("StageResult", "stage", "switch_link"),
    "testsuite": ("TestSuiteResult", "test_suite"),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_HOME)  # noqa: PLE0605


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        if name in _EXPORTS:  # a submodule: ``deliverykit.dora``
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
