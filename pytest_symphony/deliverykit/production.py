"""Beats 9-10, Deploy to Production and Verify in Production, and the rollback after them.

:func:`deploy` gates first (every new flag dark, every in-scope feature behind a flag,
the previous production environment verified as a rollback target), then writes the
deployment record (``in_progress``), runs the deploy command (or, without one, switches
the ``production`` environment link to the staged environment), and records ``success``
or, after rolling back, ``failure``.  :func:`verify_production` checks the live
environment (installed versions, smoke and health commands) and drills the rollback.
Records go to ``deployments.jsonl``: one line appended, or one line's statuses rewritten,
the rest of the file kept byte for byte, always through an atomic replace.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..paths import shown_path
from ..atomic import write_atomic
from . import git
from .commands import CommandResult, run_command
from .dora import successful_production
from .errors import DeliveryError, Finding
from .flags import DarkResult, check_dark, new_flags
from .inputs import load_deployments, load_flag_document, load_roadmap, parse_deployment
from .records import Deployment, DeploymentStatus
from .settings import DeliverySettings
from .staging import installed_versions, link_target, run_in_env, switch_link
from .timeutil import utc_now
from .wsjf import feature_flag

__all__ = [
    "DeployResult",
    "VerifyResult",
    "add_status",
    "append_deployment",
    "deploy",
    "production_link",
    "rollback_deployment",
    "verify_production",
]


def production_link(settings: DeliverySettings) -> Path:
    return settings.path("environments") / settings.environment


def append_deployment(settings: DeliverySettings, deployment: Deployment) -> None:
    path = settings.path("deployments")
    old = path.read_bytes() if path.is_file() else b""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    write_atomic(path, old + json.dumps(deployment.to_json(), ensure_ascii=False).encode("utf-8") + b"\n")


def add_status(
    settings: DeliverySettings,
    deployment_id: str,
    state: str,
    at: datetime | None = None,
    description: str | None = None,
) -> Deployment:
    """Append a status to one deployment's line; every other line keeps its bytes."""
    path = settings.path("deployments")
    lines = path.read_bytes().decode("utf-8").split("\n")
    for index, line in enumerate(lines):
        if line.strip() and str(json.loads(line).get("id")) == deployment_id:
            current = parse_deployment(json.loads(line), shown_path(path, settings.root), index + 1)
            updated = replace(
                current, statuses=current.statuses + (DeploymentStatus(state, at or utc_now(), description),)
            )
            lines[index] = json.dumps(updated.to_json(), ensure_ascii=False)
            write_atomic(path, "\n".join(lines).encode("utf-8"))
            return updated
    raise DeliveryError(
        "deploy", [Finding(f"no deployment {deployment_id!r}", shown_path(path, settings.root), 0, "deploy first")]
    )


@dataclass(frozen=True)
class DeployResult:
    deployment: Deployment
    previous: Deployment | None
    link: Path
    environment: Path
    dark: DarkResult | None
    command: CommandResult | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment.to_json(),
            "previous": self.previous.id if self.previous else None,
            "link": str(self.link),
            "environment": str(self.environment),
            "dark": self.dark.to_json() if self.dark else None,
            "command": self.command.to_json() if self.command else None,
        }


def _flag_findings(settings: DeliverySettings, features: Sequence[str]) -> tuple[DarkResult | None, list[Finding]]:
    if not settings.path("flags").is_file():
        if features:
            return None, [
                Finding(
                    f"no flags file, and {len(features)} feature(s) in scope",
                    shown_path(settings.path("flags"), settings.root),
                    0,
                    "Continuous Deployment ships features behind flags: create the flagd file",
                )
            ]
        return None, []
    document, _ = load_flag_document(settings)
    tag = git.last_tag(settings.root, settings.tag_pattern)
    dark = check_dark(settings, new_flags(settings, tag.name if tag else None, document))
    findings = list(dark.findings)
    items = {item.id: item for item in load_roadmap(settings)}
    for feature in features:
        flag = feature_flag(feature, items)
        if flag not in document["flags"]:
            findings.append(
                Finding(
                    f"feature {feature!r} has no flag {flag!r}",
                    shown_path(settings.path("flags"), settings.root),
                    0,
                    f"add a dark flag {flag!r}, or name it in the roadmap item's flag",
                )
            )
    return dark, findings


def _rollback_target(settings: DeliverySettings, previous: Deployment | None) -> list[Finding]:
    if previous is None:
        return []
    env = Path(previous.payload.get("environment", "")) if previous.payload.get("environment") else None
    if env is None or not env.is_dir():
        return [
            Finding(
                f"the previous deployment {previous.id} has no environment to roll back to ({env})",
                shown_path(settings.path("deployments"), settings.root),
                previous.line,
                "stage and deploy the previous version again, or restore its environment",
            )
        ]
    expected = previous.payload.get("distributions") or {}
    versions = installed_versions(env, sorted(expected))
    wrong = {d: v for d, v in versions.items() if v != expected[d]}
    if wrong:
        return [
            Finding(
                f"rollback target {env} has {wrong}, expected {expected}",
                str(env),
                0,
                "the previous environment was changed; restage it",
            )
        ]
    return []


def deploy(
    settings: DeliverySettings,
    *,
    version: str,
    environment: Path,
    distributions: Mapping[str, str],
    sha: str | None = None,
    ref: str | None = None,
    features: Sequence[str] = (),
    deployment_id: str | None = None,
    now: datetime | None = None,
) -> DeployResult:
    """Beat 9: deploy the staged ``environment`` holding ``distributions`` (name -> version) as ``version``."""
    sha = sha or git.head(settings.root)
    deployments = load_deployments(settings)
    previous_list = successful_production(deployments, settings.environment)
    previous = previous_list[-1] if previous_list else None
    dark, findings = _flag_findings(settings, features)
    findings += _rollback_target(settings, previous)
    if findings:
        raise DeliveryError("deploy", findings)
    started = now or utc_now()
    record = Deployment(
        id=deployment_id or f"{version}-{sha[:12]}-{started.strftime('%Y%m%dT%H%M%SZ')}",
        sha=sha,
        environment=settings.environment,
        created_at=started,
        ref=ref or f"v{version}",
        statuses=(DeploymentStatus("in_progress", started),),
        payload={
            "version": version,
            "environment": str(Path(environment).resolve()),
            "distributions": dict(distributions),
        },
    )
    append_deployment(settings, record)
    link = production_link(settings)
    command = None
    if settings.deploy_command is not None:
        command = _run_deploy_command(settings, settings.deploy_command, record, version, Path(environment), link)
    else:
        switch_link(link, Path(environment).resolve())
    final = add_status(settings, record.id, "success", utc_now() if now is None else now)
    return DeployResult(final, previous, link, Path(environment), dark, command)


def _run_deploy_command(
    settings: DeliverySettings,
    deploy_command: str | Sequence[str],
    record: Deployment,
    version: str,
    environment: Path,
    link: Path,
) -> CommandResult:
    """The project's deploy command, told what to deploy through ``SYMPHONY_DEPLOY_*``; when it fails,
    production points back to the previous deployment and the beat fails."""
    env = {
        **os.environ,
        "SYMPHONY_DEPLOY_VERSION": version,
        "SYMPHONY_DEPLOY_SHA": record.sha,
        "SYMPHONY_DEPLOY_ENVIRONMENT": str(environment),
        "SYMPHONY_DEPLOY_ID": record.id,
        "SYMPHONY_PREVIOUS_ENVIRONMENT": str(link_target(link) or ""),
    }
    command = run_command(
        deploy_command,
        cwd=settings.root,
        env=env,
        timeout=settings.command_timeout,
        log_path=settings.path("evidence") / version / "deploy.log",
    )
    if not command.ok:
        rollback_deployment(settings, record.id, reason="deploy command failed")
        raise DeliveryError(
            "deploy",
            [
                Finding(
                    f"deploy command {command.describe()}",
                    *settings.where("deploy_command"),
                    "production points back to the previous deployment",
                )
            ],
        )
    return command


def rollback_deployment(
    settings: DeliverySettings, deployment_id: str, *, reason: str = "rolled back", at: datetime | None = None
) -> Deployment | None:
    """Point production back at the previous successful deployment and record ``failure`` on this one.

    Returns the deployment production now runs (None when there was none before).
    """
    deployments = list(load_deployments(settings))
    this = next((d for d in deployments if d.id == deployment_id), None)
    if this is None:
        raise DeliveryError(
            "rollback",
            [Finding(f"no deployment {deployment_id!r}", shown_path(settings.path("deployments"), settings.root))],
        )
    earlier = [
        d
        for d in successful_production(deployments, settings.environment)
        if d.id != deployment_id and d.succeeded_at() <= (this.success_time or utc_now())
    ]
    previous = earlier[-1] if earlier else None
    if previous is not None and previous.payload.get("environment"):
        switch_link(production_link(settings), Path(previous.payload["environment"]))
    add_status(settings, deployment_id, "failure", at, reason)
    return previous


@dataclass(frozen=True)
class VerifyResult:
    environment: Path
    installed: Mapping[str, str | None]
    commands: tuple[CommandResult, ...]
    drill: str  #: "passed", or "no previous deployment"

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": str(self.environment),
            "installed": dict(self.installed),
            "commands": [c.to_json() for c in self.commands],
            "drill": self.drill,
        }


def verify_production(settings: DeliverySettings, deployed: DeployResult, *, drill: bool = True) -> VerifyResult:
    """Beat 10: versions, smoke and health checks on production, then a rollback drill.

    Any failure rolls the deployment back (see :func:`rollback_deployment`) and raises.
    """
    link = production_link(settings)
    env = link_target(link) or Path(deployed.environment)
    expected = deployed.deployment.payload.get("distributions", {})
    findings: list[Finding] = []
    installed = installed_versions(env, sorted(expected))
    findings += [
        Finding(f"production has {d} {installed.get(d)}, released {v}", str(env), 0, "deploy again")
        for d, v in expected.items()
        if installed.get(d) != v
    ]
    logs = settings.path("evidence") / str(deployed.deployment.payload.get("version", "unknown"))
    results, problems = run_in_env(
        env,
        list(settings.smoke_commands) + list(settings.health_commands),
        settings.command_timeout,
        logs,
        "production-check",
    )
    findings += problems
    state = "no previous deployment"
    if drill and not findings and deployed.previous is not None:
        problems = _rollback_target(settings, deployed.previous)
        if not problems:
            switch_link(link, Path(deployed.previous.payload["environment"]))
            switch_link(link, env)
            state = "passed" if link_target(link) == env.resolve() else "failed"
        findings += problems
        if state == "failed":
            findings.append(Finding("the rollback drill did not restore the production link", str(link)))
    if findings:
        rollback_deployment(settings, deployed.deployment.id, reason="verification failed")
        raise DeliveryError(
            "verify_production",
            findings + [Finding(f"deployment {deployed.deployment.id} rolled back and recorded as failure")],
        )
    return VerifyResult(env, installed, tuple(results), state)
