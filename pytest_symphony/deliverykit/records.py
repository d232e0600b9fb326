"""The delivery records as plain, frozen data: deployments, incidents, roadmap items,
hypotheses, research, feedback, measurements, and a metric that may be "not measured".

These are what the inputs load into (:mod:`.inputs`), what the four keys take
(:mod:`.four_keys`) and what the history stores (:mod:`pytest_symphony.telemetry.delivery_store`).
Deployments keep the GitHub Deployments shape: ``id, sha, ref, environment,
created_at, statuses[{state, created_at}]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .timeutil import iso

__all__ = [
    "Deployment",
    "DeploymentStatus",
    "FeedbackRecord",
    "Hypothesis",
    "Incident",
    "Measurement",
    "Metric",
    "ResearchRecord",
    "RoadmapItem",
]


@dataclass(frozen=True)
class DeploymentStatus:
    state: str  #: success, failure, error, inactive, in_progress, queued, pending
    created_at: datetime
    description: str | None = None


@dataclass(frozen=True)
class Deployment:
    id: str
    sha: str
    environment: str
    created_at: datetime
    statuses: tuple[DeploymentStatus, ...] = ()
    ref: str | None = None
    description: str | None = None
    payload: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    line: int = field(default=0, compare=False)  #: line in deployments.jsonl, 0 when not from a file

    @property
    def final_status(self) -> DeploymentStatus | None:
        """The newest status (by ``created_at``; of equal times, the later one listed)."""
        if not self.statuses:
            return None
        return max(enumerate(self.statuses), key=lambda p: (p[1].created_at, p[0]))[1]

    @property
    def success_time(self) -> datetime | None:
        """When the deployment succeeded: its final status's time, if that status is ``success``."""
        final = self.final_status
        return final.created_at if final is not None and final.state == "success" else None

    def succeeded_at(self) -> datetime:
        """``success_time`` of a deployment known to have succeeded (one ``successful_production`` kept)."""
        when = self.success_time
        if when is None:
            raise ValueError(f"deployment {self.id!r} has not succeeded")
        return when

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "sha": self.sha,
            "ref": self.ref,
            "environment": self.environment,
            "created_at": iso(self.created_at),
            "statuses": [
                {
                    "state": s.state,
                    "created_at": iso(s.created_at),
                    **({"description": s.description} if s.description else {}),
                }
                for s in self.statuses
            ],
        }
        if self.description:
            data["description"] = self.description
        if self.payload:
            data["payload"] = self.payload
        return data


@dataclass(frozen=True)
class Incident:
    id: str
    opened_at: datetime
    severity: str
    resolved_at: datetime | None = None
    root_cause: str | None = None  #: the sha of the commit that caused it
    deployment: str | None = None  #: the deployment it is explicitly linked to
    title: str | None = None
    line: int = field(default=0, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "opened_at": iso(self.opened_at),
            "resolved_at": iso(self.resolved_at) if self.resolved_at else None,
            "severity": self.severity,
            "root_cause": self.root_cause,
            "deployment": self.deployment,
        }


@dataclass(frozen=True)
class RoadmapItem:
    id: str
    title: str
    status: str  #: now, next, later, done
    business_value: float | None = None
    time_criticality: float | None = None
    risk_reduction: float | None = None
    job_size: float | None = None
    feature: str | None = None  #: path of its .feature file
    flag: str | None = None
    line: int = 0

    @property
    def wsjf(self) -> float | None:
        """Cost of delay (value + time criticality + risk reduction) over job size; None without inputs."""
        if None in (self.business_value, self.time_criticality, self.risk_reduction, self.job_size):
            return None
        return (self.business_value + self.time_criticality + self.risk_reduction) / self.job_size  # type: ignore[operator]


@dataclass(frozen=True)
class Hypothesis:
    id: str
    feature: str
    metric: str
    target: float
    window_days: float
    direction: str = "at_least"  #: or at_most
    statement: str | None = None
    start: datetime | None = None
    line: int = 0

    def met_by(self, value: float) -> bool:
        return value >= self.target if self.direction == "at_least" else value <= self.target


@dataclass(frozen=True)
class ResearchRecord:
    id: str
    features: tuple[str, ...]
    date: datetime
    roles: tuple[str, ...]
    method: str | None = None
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class FeedbackRecord:
    kind: str  #: csat (1-5) or nps (0-10)
    score: int
    date: datetime
    feature: str | None = None
    id: str | None = None
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class Measurement:
    metric: str
    value: float
    measured_at: datetime
    feature: str | None = None
    source: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Metric:
    """A number with its source, or the reason there is none: never an invented value."""

    name: str
    value: float | None
    unit: str = ""
    source: str = ""
    band: str | None = None  #: DevLake's band (elite, high, medium, low) for the four keys
    missing: str | None = None  #: what is missing when ``value`` is None

    @classmethod
    def not_measured(cls, name: str, missing: str, unit: str = "") -> "Metric":
        return cls(name, None, unit, missing=missing)

    @property
    def measured(self) -> bool:
        return self.value is not None

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.name}: not measured: {self.missing}"
        band = f" ({self.band})" if self.band else ""
        return f"{self.name}: {self.value:g}{(' ' + self.unit) if self.unit else ''}{band}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "value": self.value, "unit": self.unit, "source": self.source}
        if self.band:
            data["band"] = self.band
        if self.value is None:
            data["not_measured"] = self.missing
        return data
