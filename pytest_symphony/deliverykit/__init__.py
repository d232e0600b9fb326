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

from typing import TYPE_CHECKING

from ..lazy_exports import lazy_exports

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
if TYPE_CHECKING:  # what static tools see; at run time __getattr__ does the same lazily
    from . import design  # noqa: F401
    from . import commands  # noqa: F401
    from . import conventional  # noqa: F401
    from . import production  # noqa: F401
    from . import errors  # noqa: F401
    from . import evidence  # noqa: F401
    from . import governance  # noqa: F401
    from . import exploration  # noqa: F401
    from . import features  # noqa: F401
    from . import satisfaction  # noqa: F401
    from . import flags  # noqa: F401
    from . import dora  # noqa: F401
    from . import git  # noqa: F401
    from . import inputs  # noqa: F401
    from . import documents  # noqa: F401
    from . import integration  # noqa: F401
    from . import retro  # noqa: F401
    from . import metrics  # noqa: F401
    from . import incidents  # noqa: F401
    from . import planning  # noqa: F401
    from . import attestation  # noqa: F401
    from . import records  # noqa: F401
    from . import rollout  # noqa: F401
    from . import wsjf  # noqa: F401
    from . import settings  # noqa: F401
    from . import staging  # noqa: F401
    from . import testsuite  # noqa: F401
    from .design import (  # noqa: F401
        ArchitectureResult,
        architecture,
        metadata_problems,
    )
    from .commands import (  # noqa: F401
        CommandResult,
        run_command,
    )
    from .conventional import (  # noqa: F401
        ConventionalCommit,
        NotConventional,
        bump_level,
        next_version,
        parse_message,
    )
    from .production import (  # noqa: F401
        DeployResult,
        VerifyResult,
        add_status,
        append_deployment,
        deploy,
        production_link,
        rollback_deployment,
        verify_production,
    )
    from .errors import (  # noqa: F401
        DeliveryError,
        Finding,
    )
    from .evidence import (  # noqa: F401
        evidence_dir,
        read_evidence,
        release_version,
        write_evidence,
    )
    from .governance import (  # noqa: F401
        consistency,
        measurement_age,
        visibility,
    )
    from .exploration import (  # noqa: F401
        ResearchResult,
        ScopeResult,
        research,
        scope,
    )
    from .features import (  # noqa: F401
        FeatureDoc,
        read_features,
    )
    from .satisfaction import (  # noqa: F401
        FeedbackResult,
        feedback,
    )
    from .flags import (  # noqa: F401
        FlagEvaluator,
        check_dark,
        new_flags,
        sample_keys,
    )
    from .dora import (  # noqa: F401
        FourKeys,
        IncidentLink,
        changes_from_git,
        deployment_changes,
        four_keys,
        link_incidents,
        successful_production,
    )
    from .git import (  # noqa: F401
        Commit,
        Tag,
        commits,
        commits_since,
        last_tag,
    )
    from .inputs import (  # noqa: F401
        Loaded,
        load_deployments,
        load_feedback,
        load_hypotheses,
        load_incidents,
        load_measurements,
        load_research,
        load_roadmap,
        parse_deployment,
    )
    from .documents import (  # noqa: F401
        schema,
    )
    from .integration import (  # noqa: F401
        DevelopResult,
        develop,
    )
    from .retro import (  # noqa: F401
        LessonsResult,
        lessons,
    )
    from .metrics import (  # noqa: F401
        MeasureResult,
        StabilizeResult,
        Verdict,
        build_outcomes,
        judge,
        measure,
        project_four_keys,
        stabilize,
    )
    from .incidents import (  # noqa: F401
        MonitorResult,
        monitor,
    )
    from .planning import (  # noqa: F401
        PlanResult,
        next_iteration,
    )
    from .attestation import (  # noqa: F401
        ProvenanceResult,
        provenance,
        source_date_epoch,
        verify_provenance,
    )
    from .records import (  # noqa: F401
        Deployment,
        DeploymentStatus,
        Hypothesis,
        Incident,
        Metric,
        RoadmapItem,
    )
    from .rollout import (  # noqa: F401
        ReleaseResult,
        release,
        restore_release,
    )
    from .wsjf import (  # noqa: F401
        RoadmapResult,
        roadmap,
        wsjf_ranking,
    )
    from .settings import (  # noqa: F401
        DeliverySettings,
        load_settings,
    )
    from .staging import (  # noqa: F401
        StageResult,
        stage,
        switch_link,
    )
    from .testsuite import (  # noqa: F401
        TestSuiteResult,
        test_suite,
    )

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
