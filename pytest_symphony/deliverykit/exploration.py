"""Continuous Exploration, beats 1-2: what is in scope, and the evidence behind each feature.

* :func:`scope` (beat 1): the roadmap's ``next`` items plus the features named by
  unreleased ``feat:`` commits since the last tag; every one needs a hypothesis.
* :func:`research` (beat 2): every in-scope feature has a research record with a
  customer or user participant, dated before the feature's first implementation commit.

A commit names a feature by its Conventional Commit scope (``feat(search): ...``) or a
``Feature: search`` footer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..paths import shown_path
from . import git
from .errors import DeliveryError, Finding
from .inputs import load_hypotheses, load_research, load_roadmap
from .records import Hypothesis, ResearchRecord, RoadmapItem
from .settings import DeliverySettings
from .timeutil import iso

__all__ = ["FeatureScope", "ResearchResult", "ScopeResult", "research", "scope"]

#: Participant roles that count as customer collaboration (compared lower case).
CUSTOMER_ROLES = frozenset({"customer", "user", "end user", "end-user", "client"})


@dataclass(frozen=True)
class FeatureScope:
    """One feature in the release's scope and where it came from."""

    feature: str
    roadmap_item: RoadmapItem | None = None
    commits: tuple[str, ...] = ()  #: unreleased feat commits naming it
    hypotheses: tuple[Hypothesis, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "roadmap_item": self.roadmap_item.id if self.roadmap_item else None,
            "commits": list(self.commits),
            "hypotheses": [h.id for h in self.hypotheses],
        }


@dataclass(frozen=True)
class ScopeResult:
    tag: str | None  #: the last release tag, None before the first release
    features: tuple[FeatureScope, ...]
    unreleased_feat_commits: tuple[str, ...]
    findings: tuple[Finding, ...] = ()

    def feature_ids(self) -> list[str]:
        return [f.feature for f in self.features]

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "features": [f.to_json() for f in self.features],
            "unreleased_feat_commits": list(self.unreleased_feat_commits),
            "findings": [f.to_json() for f in self.findings],
        }


def scope(settings: DeliverySettings, *, rev: str = "HEAD") -> ScopeResult:
    """Beat 1: the release's scope; DeliveryError when a feature has no hypothesis or a feat names none."""
    roadmap = load_roadmap(settings)
    hypotheses = load_hypotheses(settings)
    tag, since = git.commits_since(settings.root, settings.tag_pattern, rev)
    findings: list[Finding] = []
    features: dict[str, dict[str, Any]] = {}
    roadmap_display = shown_path(roadmap.path, settings.root)
    for item in roadmap:
        if item.status == "next":
            features.setdefault(item.id, {"item": item, "commits": []})
    feats = [c for c in since if not c.is_merge and c.conventional and c.conventional.type == "feat"]
    for commit in feats:
        refs = git.feature_refs(commit)
        if not refs:
            findings.append(
                Finding(
                    f"commit {commit.sha[:12]} {commit.subject!r} names no feature",
                    None,
                    0,
                    "give it a scope (feat(<feature>): ...) or a 'Feature: <id>' footer",
                )
            )
        for ref in refs:
            entry = features.setdefault(ref, {"item": next((i for i in roadmap if i.id == ref), None), "commits": []})
            entry["commits"].append(commit.sha)
    hyp_display = shown_path(hypotheses.path, settings.root)
    result_features = []
    for feature, entry in features.items():
        mine = tuple(h for h in hypotheses if h.feature == feature)
        if not mine:
            origin = (
                f"{roadmap_display}:{entry['item'].line}" if entry["item"] else f"commit {entry['commits'][0][:12]}"
            )
            findings.append(
                Finding(
                    f"feature {feature!r} (from {origin}) has no hypothesis",
                    hyp_display,
                    0,
                    f"add '- {{id: {feature}-benefit, feature: {feature}, metric: <name>, "
                    "target: <number>, window: 14d}'",
                )
            )
        result_features.append(FeatureScope(feature, entry["item"], tuple(entry["commits"]), mine))
    result = ScopeResult(
        tag.name if tag else None, tuple(result_features), tuple(c.sha for c in feats), tuple(findings)
    )
    if findings:
        raise DeliveryError("scope", findings, result=result)
    return result


@dataclass(frozen=True)
class FeatureResearch:
    feature: str
    first_commit: str | None
    first_commit_time: datetime | None
    records: tuple[str, ...]  #: ids of qualifying research records

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "first_commit": self.first_commit,
            "first_commit_time": iso(self.first_commit_time) if self.first_commit_time else None,
            "records": list(self.records),
        }


@dataclass(frozen=True)
class ResearchResult:
    features: tuple[FeatureResearch, ...]
    findings: tuple[Finding, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"features": [f.to_json() for f in self.features], "findings": [f.to_json() for f in self.findings]}


def _qualifies(record: ResearchRecord) -> bool:
    return any(role in CUSTOMER_ROLES for role in record.roles)


def research(settings: DeliverySettings, features: list[str] | ScopeResult, *, rev: str = "HEAD") -> ResearchResult:
    """Beat 2: customer or user research before each feature's first implementation commit."""
    ids = features.feature_ids() if isinstance(features, ScopeResult) else list(features)
    records = load_research(settings)
    history = git.commits(settings.root, [rev], files=False) if ids else []
    research_display = shown_path(records.path, settings.root)
    findings, results = [], []
    for feature in ids:
        first = git.first_commit_for(history, feature)
        mine = [r for r in records if feature in r.features]
        with_customers = [r for r in mine if _qualifies(r)]
        in_time = [r for r in with_customers if first is None or r.date < first.committer_time]
        if not mine:
            findings.append(
                Finding(
                    f"feature {feature!r} has no research record",
                    research_display,
                    0,
                    f"add a record with feature: {feature}, a date and a customer or user participant",
                )
            )
        elif not with_customers:
            r = mine[0]
            findings.append(
                Finding(
                    f"research {r.id!r} for {feature!r} has no customer or user participant "
                    f"(roles: {', '.join(r.roles)})",
                    r.path,
                    r.line,
                    "add a participant with role: customer or role: user",
                )
            )
        elif not in_time and first is not None:  # nothing is late without a first commit
            r = min(with_customers, key=lambda rec: rec.date)
            findings.append(
                Finding(
                    f"research {r.id!r} for {feature!r} is dated {iso(r.date)}, after its first "
                    f"implementation commit {first.sha[:12]} ({iso(first.committer_time)})",
                    r.path,
                    r.line,
                    "research comes before building: record the research that preceded the work, or correct the date",
                )
            )
        results.append(
            FeatureResearch(
                feature,
                first.sha if first else None,
                first.committer_time if first else None,
                tuple(r.id for r in in_time),
            )
        )
    result = ResearchResult(tuple(results), tuple(findings))
    if findings:
        raise DeliveryError("research", findings, result=result)
    return result
