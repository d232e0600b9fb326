"""Beat 4, Synthesize Vision & Roadmap: ``next`` items ranked by WSJF, each specified by a feature file.

WSJF (SAFe's Weighted Shortest Job First) is the cost of delay (business value + time
criticality + risk reduction or opportunity enablement) over job size.  The roadmap
file lists its ``next`` items in WSJF order (highest first; equal scores keep their
order), and every one links to a feature file with at least one scenario: through its
``feature`` path or a ``@feature:<item id>`` tag on the Feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..paths import shown_path
from .errors import DeliveryError, Finding
from .features import FeatureDoc, read_features
from .inputs import load_roadmap
from .records import RoadmapItem
from .settings import DeliverySettings

__all__ = ["RankedItem", "RoadmapResult", "feature_flag", "linked_feature", "roadmap", "wsjf_ranking"]


@dataclass(frozen=True)
class RankedItem:
    item: RoadmapItem
    wsjf: float
    feature: FeatureDoc | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.item.id,
            "title": self.item.title,
            "wsjf": round(self.wsjf, 4),
            "feature": self.feature.path if self.feature else None,
            "scenarios": len(self.feature.scenarios) if self.feature else 0,
        }


@dataclass(frozen=True)
class RoadmapResult:
    ranking: tuple[RankedItem, ...]  #: the next items, highest WSJF first
    findings: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"ranking": [r.to_json() for r in self.ranking], "findings": [f.to_json() for f in self.findings]}


def wsjf_ranking(items: Sequence[RoadmapItem]) -> list[RoadmapItem]:
    """Items with WSJF inputs, highest WSJF first; equal scores keep their order."""
    scored = [i for i in items if i.wsjf is not None]
    return sorted(scored, key=lambda i: -i.wsjf)  # type: ignore[operator]  # sorted() is stable


def linked_feature(item: RoadmapItem, features: Sequence[FeatureDoc]) -> FeatureDoc | None:
    """The feature file of ``item``: by its ``feature`` path, else by a ``@feature:<id>`` tag."""
    if item.feature:
        wanted = Path(item.feature).as_posix()
        return next((f for f in features if f.path == wanted), None)
    return next((f for f in features if item.id in f.tag_values("feature")), None)


def feature_flag(feature: str, items: Mapping[str, RoadmapItem]) -> str:
    """The flag that guards ``feature``: its roadmap item's ``flag``, else the feature's own id."""
    item = items.get(feature)
    return (item.flag if item is not None else None) or feature


def roadmap(
    settings: DeliverySettings, features: Sequence[FeatureDoc] | Sequence[Path | str] | None = None
) -> RoadmapResult:
    """Beat 4: WSJF ranking of the ``next`` items and their feature files.

    ``features`` are the feature files the runtime links (FeatureDoc or paths relative to
    the root); default every ``features/**/*.feature``.
    """
    loaded = load_roadmap(settings)
    display = shown_path(loaded.path, settings.root)
    if not loaded.present:
        raise DeliveryError(
            "roadmap", [Finding("no roadmap", display, 0, "write the roadmap (items with id, title, status, wsjf)")]
        )
    if features is None or all(isinstance(f, (str, Path)) for f in features):
        docs = read_features(settings.root, features)  # type: ignore[arg-type]
    else:
        docs = list(features)  # type: ignore[arg-type]
    upcoming = [i for i in loaded if i.status == "next"]
    ranked = wsjf_ranking(upcoming)
    findings = _ranking_findings(upcoming, ranked, display)
    result_items = []
    for item in ranked:
        doc = linked_feature(item, docs)
        findings += _feature_findings(item, doc, display)
        result_items.append(RankedItem(item, item.wsjf, doc))  # type: ignore[arg-type]
    result = RoadmapResult(tuple(result_items), tuple(findings))
    if findings:
        raise DeliveryError("roadmap", findings, result=result)
    return result


def _ranking_findings(upcoming: Sequence[RoadmapItem], ranked: Sequence[RoadmapItem], display: str) -> list[Finding]:
    """Next items without WSJF scores, and a roadmap that does not list the scored ones in WSJF order."""
    findings = [
        Finding(
            f"next item {i.id!r} has no wsjf scores",
            display,
            i.line,
            "add wsjf: {business_value, time_criticality, risk_reduction, job_size}",
        )
        for i in upcoming
        if i.wsjf is None
    ]
    written = [i for i in upcoming if i.wsjf is not None]
    if [i.id for i in written] != [i.id for i in ranked]:
        order = ", ".join(f"{i.id} ({i.wsjf:.2f})" for i in ranked)
        findings.append(
            Finding(
                "the next items are not ranked by WSJF", display, written[0].line, f"list them in this order: {order}"
            )
        )
    return findings


def _feature_findings(item: RoadmapItem, doc: FeatureDoc | None, display: str) -> list[Finding]:
    """A ranked item with no feature file, or whose feature file has no scenario."""
    if doc is None:
        how = f"feature file {item.feature} does not exist" if item.feature else "no feature file is linked"
        return [
            Finding(
                f"next item {item.id!r}: {how}",
                display,
                item.line,
                f"set feature: features/{item.id}.feature, or tag a Feature @feature:{item.id}",
            )
        ]
    if not doc.scenarios:
        return [
            Finding(f"feature file of {item.id!r} has no scenarios", doc.path, doc.line, "add at least one Scenario")
        ]
    return []
