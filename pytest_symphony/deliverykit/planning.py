"""Beat 17, Plan Next Iteration: the next version from the commits, and a plan whose every
item cites evidence from the history.

Generated items come from the evidence itself: refuted or inconclusive hypotheses, open
incidents, four keys outside the elite and high bands, roadmap ``next`` items not yet
released, and the action items of the newest retro.  A hand-written plan
(``delivery/plan.yaml``: a list of ``{title, evidence: [<kind>:<ref>, ...]}``) is checked
too: every item needs evidence that resolves (``incident:``, ``hypothesis:``,
``deployment:``, ``commit:``, ``metric:``, ``roadmap:`` or ``retro:``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..paths import shown_path
from ..atomic import write_atomic
from ..buildkit.files import write_json
from ..score.source import item_line
from . import git
from .conventional import bump_level, next_version
from .documents import read_document
from .errors import DeliveryError, Finding
from .inputs import load_deployments, load_hypotheses, load_incidents, load_roadmap
from .records import Metric
from .settings import DeliverySettings
from .wsjf import wsjf_ranking

__all__ = ["PlanItem", "PlanResult", "next_iteration"]

EVIDENCE_KINDS = ("incident", "hypothesis", "deployment", "commit", "metric", "roadmap", "retro")


@dataclass(frozen=True)
class PlanItem:
    title: str
    evidence: tuple[str, ...]  #: "<kind>:<ref>"
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "evidence": list(self.evidence), "detail": self.detail}


@dataclass(frozen=True)
class PlanResult:
    current: str | None
    next_version: str | None
    bump: str | None
    items: tuple[PlanItem, ...]
    path: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "next_version": self.next_version,
            "bump": self.bump,
            "items": [i.to_json() for i in self.items],
        }


def _retro_actions(settings: DeliverySettings) -> list[PlanItem]:
    folder = settings.path("retro")
    retros = sorted(folder.glob("*.md"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    if not retros:
        return []
    newest = retros[-1]
    items, in_actions = [], False
    for number, line in enumerate(newest.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("## "):
            in_actions = line[3:].strip().lower() == "actions"
        elif in_actions and re.match(r"^\s*[-*]\s+\S", line):
            items.append(PlanItem(line.strip()[2:].strip(), (f"retro:{shown_path(newest, settings.root)}:{number}",)))
    return items


def _generated(
    settings: DeliverySettings, metrics: Mapping[str, Metric], verdicts: Sequence[Any], released: set[str]
) -> list[PlanItem]:
    items = [
        PlanItem(
            f"Revisit hypothesis {v.hypothesis} ({v.feature})",
            (f"hypothesis:{v.hypothesis}",),
            f"{v.verdict}: {v.reason}",
        )
        for v in verdicts
        if v.verdict != "validated"
    ]
    items += [
        PlanItem(f"Resolve incident {i.id} ({i.severity})", (f"incident:{i.id}",), i.title or "")
        for i in load_incidents(settings)
        if i.resolved_at is None
    ]
    items += [
        PlanItem(f"Improve {m.name}", (f"metric:{m.name}",), f"{m.value:g} {m.unit} ({m.band}) from {m.source}")
        for m in metrics.values()
        if m.band in ("medium", "low")
    ]
    items += [
        PlanItem(f"Deliver {i.id}: {i.title}", (f"roadmap:{i.id}",), f"WSJF {i.wsjf:.2f}")
        for i in wsjf_ranking([i for i in load_roadmap(settings) if i.status == "next"])
        if i.id not in released
    ]
    return items + _retro_actions(settings)


def _resolves(settings: DeliverySettings, ref: str, metrics: Mapping[str, Metric]) -> bool:
    kind, _, value = ref.partition(":")
    if kind == "incident":
        return value in {i.id for i in load_incidents(settings)}
    if kind == "hypothesis":
        return value in {h.id for h in load_hypotheses(settings)}
    if kind == "deployment":
        return value in {d.id for d in load_deployments(settings)}
    if kind == "commit":
        return bool(value) and git.resolve(settings.root, value) is not None
    if kind == "metric":
        return value in metrics
    if kind == "roadmap":
        return value in {i.id for i in load_roadmap(settings)}
    if kind == "retro":
        return (settings.root / value.split(":")[0]).is_file()
    return False


def _check_plan(settings: DeliverySettings, metrics: Mapping[str, Metric]) -> list[Finding]:
    path = settings.path("plan")
    if not path.is_file():
        return []
    display = shown_path(path, settings.root)
    data = read_document(path, display)
    if not isinstance(data, list):
        return [Finding("the plan must be a list of {title, evidence}", display, 1)]
    findings = []
    for index, item in enumerate(data):
        line = item_line(data, index)
        evidence = item.get("evidence") if isinstance(item, dict) else None
        title = item.get("title") if isinstance(item, dict) else item
        if not evidence or not isinstance(evidence, list):
            findings.append(
                Finding(
                    f"plan item {title!r} cites no evidence",
                    display,
                    line,
                    f"add evidence: [<kind>:<ref>] with kind one of {', '.join(EVIDENCE_KINDS)}",
                )
            )
            continue
        for ref in evidence:
            if not _resolves(settings, str(ref), metrics):
                findings.append(
                    Finding(
                        f"plan item {title!r}: evidence {ref!r} is not in the history",
                        display,
                        line,
                        "cite an incident, hypothesis, deployment, commit, metric, roadmap item or retro",
                    )
                )
    return findings


def next_iteration(
    settings: DeliverySettings,
    *,
    metrics: Mapping[str, Metric] | None = None,
    verdicts: Sequence[Any] = (),
    released: Sequence[str] = (),
    out_dir: Path | None = None,
    rev: str = "HEAD",
) -> PlanResult:
    """Beat 17: next version and plan (written to ``out_dir`` as plan.json and plan.md when given)."""
    metrics = dict(metrics or {})
    tag, since = git.commits_since(settings.root, settings.tag_pattern, rev)
    parsed = [c.conventional for c in since if not c.is_merge]
    try:
        version = next_version(tag.name if tag else None, parsed, major_version_zero=settings.major_version_zero)
    except ValueError as exc:
        raise DeliveryError("next_iteration", [Finding(str(exc), None, 0, "tag releases like v1.2.3")]) from exc
    findings = _check_plan(settings, metrics)
    if findings:
        raise DeliveryError("next_iteration", findings)
    items = tuple(_generated(settings, metrics, verdicts, set(released)))
    result = PlanResult(tag.name if tag else None, version, bump_level(parsed), items)
    if out_dir is not None:
        write_json(Path(out_dir) / "plan.json", result.to_json())
        lines = [
            f"# Plan after {result.current or 'the first release'}",
            "",
            f"Next version: {version or 'none (no releasable commit)'}",
            "",
        ]
        lines += [f"- {i.title} [{', '.join(i.evidence)}]" + (f": {i.detail}" if i.detail else "") for i in items]
        write_atomic(Path(out_dir) / "plan.md", ("\n".join(lines) + "\n").encode("utf-8"))
        result = PlanResult(result.current, version, result.bump, items, Path(out_dir) / "plan.json")
    return result
