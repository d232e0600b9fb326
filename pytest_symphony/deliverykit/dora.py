"""The four DORA keys, computed exactly from plain data (no git, no files: see docs/delivery.md).

Inputs: deployments (GitHub Deployments shape), incidents, each successful production
deployment's changes (the commits of ``previous_successful_production_sha..sha``) and
the commits' committer times.  :func:`changes_from_git` gets the last two from a
repository.  Definitions, all over a window that ends at ``now`` (the run's start) and
holds a moment ``t`` when ``now - window < t <= now``:

* a *successful production deployment* is one whose environment is the production one
  and whose final status (the newest by ``created_at``) is ``success``; its *success
  time* is that status's ``created_at``;
* **deployment frequency**: successful production deployments with a success time in the
  window, per week (count / (window days / 7)); and the median number of deployment days
  (distinct UTC dates) per 7-day period counted back from ``now``, banded as DevLake does;
* **lead time for changes**: for each commit, the success time of the first successful
  production deployment whose changes hold it minus its committer time; the median over
  the commits first delivered in the window, in hours;
* **change failure rate**: successful production deployments in the window with at least
  one linked incident, over all successful production deployments in the window;
* **time to restore**: the median of ``resolved_at - opened_at`` over the incidents opened
  in the window and resolved, in minutes.

An incident links to its ``deployment`` when it names one; else to the deployment whose
changes hold its ``root_cause`` commit; else to the last successful production
deployment whose success time is at or before the incident's opening.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from . import git
from .records import Deployment, Incident, Metric
from .timeutil import iso

__all__ = [
    "FourKeys",
    "IncidentLink",
    "band_change_failure_rate",
    "band_deployment_frequency",
    "band_lead_time",
    "band_time_to_restore",
    "changes_from_git",
    "deployment_changes",
    "four_keys",
    "link_incidents",
    "lower_median",
    "successful_production",
]

METRIC_NAMES = (
    "deployment_frequency_per_week",
    "deployment_days_per_week_median",
    "lead_time_hours_median",
    "change_failure_rate",
    "time_to_restore_minutes_median",
)


def successful_production(deployments: Iterable[Deployment], environment: str = "production") -> list[Deployment]:
    """The successful production deployments, in order of success time."""
    env = environment.lower()
    found = [d for d in deployments if d.environment.lower() == env and d.success_time is not None]
    return sorted(found, key=lambda d: (d.succeeded_at(), d.created_at, d.id))


def deployment_changes(
    successful: Sequence[Deployment], rev_list: Callable[[str | None, str], Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """Each deployment's changes: ``rev_list(previous successful production sha, sha)``.

    ``successful`` must be in success order (see :func:`successful_production`); the
    first one has no previous deployment, so ``rev_list`` gets None (every ancestor).
    """
    changes: dict[str, tuple[str, ...]] = {}
    previous: Deployment | None = None
    for deployment in successful:
        changes[deployment.id] = tuple(rev_list(previous.sha if previous else None, deployment.sha))
        previous = deployment
    return changes


def changes_from_git(
    root: Path | str, successful: Sequence[Deployment]
) -> tuple[dict[str, tuple[str, ...]], dict[str, datetime]]:
    """(changes per deployment, committer time per commit) from the git repository at ``root``."""

    def between(start: str | None, end: str) -> list[str]:
        return git.rev_list(root, start, end)

    changes = deployment_changes(successful, between)
    times = git.commit_times(root, {sha for shas in changes.values() for sha in shas})
    return changes, times


@dataclass(frozen=True)
class IncidentLink:
    incident: str
    deployment: str | None
    rule: str | None  #: "deployment", "root_cause", "time", or None when nothing links


def link_incidents(
    incidents: Iterable[Incident], successful: Sequence[Deployment], changes: Mapping[str, Sequence[str]]
) -> dict[str, IncidentLink]:
    """Each incident's deployment by the three rules, in order (see the module docstring)."""
    ordered = sorted(successful, key=lambda d: (d.succeeded_at(), d.created_at, d.id))
    links = {}
    for incident in incidents:
        link = IncidentLink(incident.id, None, None)
        if incident.deployment is not None:
            link = IncidentLink(incident.id, incident.deployment, "deployment")
        elif incident.root_cause:
            cause = incident.root_cause.lower()
            owner = next((d for d in ordered if any(sha.startswith(cause) for sha in changes.get(d.id, ()))), None)
            if owner is not None:
                link = IncidentLink(incident.id, owner.id, "root_cause")
        if link.rule is None:
            before = [d for d in ordered if d.succeeded_at() <= incident.opened_at]
            if before:
                link = IncidentLink(incident.id, before[-1].id, "time")
        links[incident.id] = link
    return links


def lower_median(values: Sequence[float]) -> float:
    """DevLake's median: the largest value whose percent rank is at most 0.5 (the lower middle)."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def band_deployment_frequency(days_per_week_median: float, days_per_month_median: float) -> str:
    """DevLake's bands (2023 report): elite >= 7 deployment days a week, high >= 1, medium >= 1 a month."""
    if days_per_week_median >= 7:
        return "elite"
    if days_per_week_median >= 1:
        return "high"
    return "medium" if days_per_month_median >= 1 else "low"


def band_lead_time(hours: float) -> str:
    return "elite" if hours < 24 else "high" if hours < 7 * 24 else "medium" if hours < 30 * 24 else "low"


def band_change_failure_rate(rate: float) -> str:
    return "elite" if rate <= 0.05 else "high" if rate <= 0.10 else "medium" if rate <= 0.15 else "low"


def band_time_to_restore(minutes: float) -> str:
    return "elite" if minutes < 60 else "high" if minutes < 24 * 60 else "medium" if minutes < 7 * 24 * 60 else "low"


def _periods(now: datetime, window_days: float, length: int) -> list[tuple[datetime, datetime]]:
    """Consecutive ``length``-day periods counted back from ``now`` (the whole window when shorter)."""
    count = int(window_days // length)
    if count == 0:
        return [(now - timedelta(days=window_days), now)]
    return [(now - timedelta(days=length * (k + 1)), now - timedelta(days=length * k)) for k in range(count)]


def _deployment_days(times: Sequence[datetime], periods: Sequence[tuple[datetime, datetime]]) -> list[int]:
    return [len({t.date() for t in times if start < t <= end}) for start, end in periods]


@dataclass(frozen=True)
class FourKeys:
    """The four keys over one window, with the evidence each number came from."""

    window_start: datetime
    window_end: datetime
    window_days: float
    deployment_frequency_per_week: Metric
    deployment_days_per_week_median: Metric
    lead_time_hours_median: Metric
    change_failure_rate: Metric
    time_to_restore_minutes_median: Metric
    deployments: tuple[str, ...] = ()  #: successful production deployments in the window
    failed_deployments: tuple[str, ...] = ()  #: those with a linked incident
    links: Mapping[str, IncidentLink] = field(default_factory=dict)
    lead_times_hours: Mapping[str, float] = field(default_factory=dict)  #: commit -> hours
    weekly_deployment_days: tuple[int, ...] = ()  #: newest week first
    restore_minutes: Mapping[str, float] = field(default_factory=dict)  #: incident -> minutes

    def metrics(self) -> list[Metric]:
        return [getattr(self, name) for name in METRIC_NAMES]

    def to_json(self) -> dict[str, Any]:
        return {
            "window": {"start": iso(self.window_start), "end": iso(self.window_end), "days": self.window_days},
            "metrics": {m.name: m.to_json() for m in self.metrics()},
            "deployments": list(self.deployments),
            "failed_deployments": list(self.failed_deployments),
            "incident_links": {k: {"deployment": v.deployment, "rule": v.rule} for k, v in self.links.items()},
            "lead_times_hours": dict(self.lead_times_hours),
            "weekly_deployment_days": list(self.weekly_deployment_days),
            "restore_minutes": dict(self.restore_minutes),
        }


def four_keys(
    deployments: Sequence[Deployment] | None,
    incidents: Sequence[Incident] | None,
    changes: Mapping[str, Sequence[str]],
    commit_times: Mapping[str, datetime],
    *,
    now: datetime,
    window_days: float = 28,
    environment: str = "production",
    sources: Mapping[str, str] | None = None,
) -> FourKeys:
    """The four keys at ``now`` over the last ``window_days``.

    ``deployments`` or ``incidents`` None means that source is missing: the metrics that
    need it are "not measured: <missing source>" (an empty list is a measured zero).
    ``sources`` names them in those messages (``{"deployments": "delivery/deployments.jsonl", ...}``).
    """
    sources = {"deployments": "deployments", "incidents": "incidents", **(sources or {})}
    start = now - timedelta(days=window_days)

    def in_window(t: datetime | None) -> bool:
        return t is not None and start < t <= now

    if deployments is None:
        return _without_deployments(start, now, window_days, incidents, sources)
    successful = successful_production(deployments, environment)
    windowed = [d for d in successful if in_window(d.success_time)]
    src = sources["deployments"]
    frequency, days, weekly = _deployment_frequency(windowed, now, window_days, src)
    lead, lead_times = _lead_time(successful, windowed, changes, commit_times, src)
    failure, failed, links = _change_failure(incidents, successful, windowed, changes, sources)
    restore, minutes = _time_to_restore(incidents, in_window, sources)
    return FourKeys(
        start,
        now,
        window_days,
        frequency,
        days,
        lead,
        failure,
        restore,
        deployments=tuple(d.id for d in windowed),
        failed_deployments=failed,
        links=links,
        lead_times_hours=lead_times,
        weekly_deployment_days=tuple(weekly),
        restore_minutes=minutes,
    )


def _without_deployments(
    start: datetime,
    now: datetime,
    window_days: float,
    incidents: Sequence[Incident] | None,
    sources: Mapping[str, str],
) -> FourKeys:
    """No deployment records: no key is measured, time to restore included (as with no resolved incident)."""
    missing = f"no deployment records ({sources['deployments']})"
    none = Metric.not_measured
    return FourKeys(
        start,
        now,
        window_days,
        none("deployment_frequency_per_week", missing, "per week"),
        none("deployment_days_per_week_median", missing, "days"),
        none("lead_time_hours_median", missing, "hours"),
        none("change_failure_rate", missing),
        none("time_to_restore_minutes_median", _restore_missing(incidents, sources), "minutes"),
        restore_minutes={},
    )


def _deployment_frequency(
    windowed: Sequence[Deployment], now: datetime, window_days: float, src: str
) -> tuple[Metric, Metric, list[int]]:
    """(deployments per week, median deployment days per week, deployment days of each week), both banded
    by the deployment days as DevLake bands them."""
    times = [d.succeeded_at() for d in windowed]
    weekly = _deployment_days(times, _periods(now, window_days, 7))
    monthly = _deployment_days(times, _periods(now, window_days, 30))
    week_median = lower_median(weekly)
    band = band_deployment_frequency(week_median, lower_median(monthly))
    days = Metric("deployment_days_per_week_median", week_median, "days", src, band=band)
    frequency = Metric("deployment_frequency_per_week", len(windowed) / (window_days / 7), "per week", src, band=band)
    return frequency, days, weekly


def _lead_time(
    successful: Sequence[Deployment],
    windowed: Sequence[Deployment],
    changes: Mapping[str, Sequence[str]],
    commit_times: Mapping[str, datetime],
    src: str,
) -> tuple[Metric, dict[str, float]]:
    first_delivery: dict[str, datetime] = {}
    for deployment in successful:  # success order: the first deployment holding a commit delivered it
        for sha in changes.get(deployment.id, ()):
            first_delivery.setdefault(sha, deployment.succeeded_at())
    window_ids = {d.id for d in windowed}
    counted = {
        sha
        for d in successful
        if d.id in window_ids
        for sha in changes.get(d.id, ())
        if first_delivery[sha] == d.success_time
    }
    missing_changes = [d.id for d in windowed if d.id not in changes]
    if missing_changes:
        return Metric.not_measured(
            "lead_time_hours_median",
            f"no changes known for deployment {', '.join(missing_changes)} (its sha is not in the repository?)",
            "hours",
        ), {}
    missing_times = sorted(sha for sha in counted if sha not in commit_times)
    if missing_times:
        return Metric.not_measured(
            "lead_time_hours_median",
            f"no committer time for commit {', '.join(s[:12] for s in missing_times)}",
            "hours",
        ), {}
    hours = {sha: (first_delivery[sha] - commit_times[sha]).total_seconds() / 3600 for sha in sorted(counted)}
    if not hours:
        return Metric.not_measured(
            "lead_time_hours_median",
            "no commit first delivered by a successful production deployment in the window",
            "hours",
        ), {}
    value = statistics.median(hours.values())
    return Metric("lead_time_hours_median", value, "hours", f"{src} + git", band=band_lead_time(value)), hours


def _change_failure(
    incidents: Sequence[Incident] | None,
    successful: Sequence[Deployment],
    windowed: Sequence[Deployment],
    changes: Mapping[str, Sequence[str]],
    sources: Mapping[str, str],
) -> tuple[Metric, tuple[str, ...], dict[str, IncidentLink]]:
    if not windowed:
        return Metric.not_measured("change_failure_rate", "no successful production deployment in the window"), (), {}
    if incidents is None:
        return Metric.not_measured("change_failure_rate", f"no incident records ({sources['incidents']})"), (), {}
    links = link_incidents(incidents, successful, changes)
    linked = {link.deployment for link in links.values() if link.deployment is not None}
    failed = tuple(d.id for d in windowed if d.id in linked)
    rate = len(failed) / len(windowed)
    return (
        Metric(
            "change_failure_rate",
            rate,
            "",
            f"{sources['deployments']} + {sources['incidents']}",
            band=band_change_failure_rate(rate),
        ),
        failed,
        links,
    )


def _restore_missing(incidents: Sequence[Incident] | None, sources: Mapping[str, str]) -> str:
    return (
        f"no incident records ({sources['incidents']})"
        if incidents is None
        else "no resolved incident opened in the window"
    )


def _time_to_restore(
    incidents: Sequence[Incident] | None, in_window: Callable[[datetime | None], bool], sources: Mapping[str, str]
) -> tuple[Metric, dict[str, float]]:
    name = "time_to_restore_minutes_median"
    if incidents is None:
        return Metric.not_measured(name, _restore_missing(None, sources), "minutes"), {}
    minutes = {
        i.id: (i.resolved_at - i.opened_at).total_seconds() / 60
        for i in incidents
        if in_window(i.opened_at) and i.resolved_at is not None
    }
    if not minutes:
        return Metric.not_measured(name, _restore_missing(incidents, sources), "minutes"), {}
    value = statistics.median(minutes.values())
    return Metric(name, value, "minutes", sources["incidents"], band=band_time_to_restore(value)), minutes
