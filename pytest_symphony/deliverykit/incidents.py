"""Beat 11, Monitor & Respond: the incidents linked to a deployment; an open severe one fails.

Incidents link to deployments by the three rules of :func:`dora.link_incidents`.
An unresolved incident whose severity is one of ``severe`` (default sev1, sev2,
critical) on the deployment under watch fails the beat at every dynamic; the runtime's
rollback then calls :func:`~pytest_symphony.deliverykit.production.rollback_deployment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..paths import shown_path
from .dora import IncidentLink, changes_from_git, link_incidents, successful_production
from .errors import DeliveryError, Finding
from .inputs import load_deployments, load_incidents
from .settings import DeliverySettings

__all__ = ["MonitorResult", "monitor"]


@dataclass(frozen=True)
class MonitorResult:
    deployment: str
    linked: tuple[IncidentLink, ...]
    open_severe: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "open_severe": list(self.open_severe),
            "linked": [{"incident": link.incident, "rule": link.rule} for link in self.linked],
        }


def monitor(settings: DeliverySettings, deployment_id: str) -> MonitorResult:
    """Beat 11: link the incidents; DeliveryError when an open severe one links to ``deployment_id``."""
    deployments = load_deployments(settings)
    incidents = load_incidents(settings)
    successful = successful_production(deployments, settings.environment)
    changes, _ = changes_from_git(settings.root, successful)
    links = link_incidents(incidents, successful, changes)
    mine = tuple(link for link in links.values() if link.deployment == deployment_id)
    by_id = {i.id: i for i in incidents}
    severe = tuple(
        link.incident
        for link in mine
        if by_id[link.incident].resolved_at is None and by_id[link.incident].severity in settings.severe
    )
    result = MonitorResult(deployment_id, mine, severe)
    if severe:
        display = shown_path(incidents.path, settings.root)
        raise DeliveryError(
            "monitor",
            [
                Finding(
                    f"open {by_id[i].severity} incident {i} is linked to deployment {deployment_id}",
                    display,
                    by_id[i].line,
                    "roll back, then resolve the incident",
                )
                for i in severe
            ],
            result=result,
        )
    return result
