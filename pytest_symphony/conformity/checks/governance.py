"""Governance: declared policies bound to real checks, declared metrics recorded, changes
approved, rollbacks defined, movement scores above their thresholds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from ...score.normalize import slugify
from ..codes import FixSafety, Severity
from ..violation import Place, Violation, json_pointer
from .base import Example, SpecCheck, WorkspaceCheck
from .places import movement_pointer, spec_violation

if TYPE_CHECKING:
    from ...score.model import Beat, Sequence
    from ..sources import LoadedSpec
    from ..workspace import Workspace

HANDLERS = "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    return {}\n\n\n@handler\ndef undo():\n    return {}\n"
SPEC = (
    "id: release\nname: Release\nmovements:\n  - name: Build\n    beats:\n      - name: Build\n        handler: build\n"
)


def ws(spec: str = SPEC, **extra: str) -> dict[str, str]:
    return {"handlers.py": HANDLERS, "sequences/release.yaml": spec, **extra}


@dataclass(frozen=True)
class PolicyCheck:
    """A check a governance policy can be bound to: by name (``{check: <name>}``), or by
    its text matching ``pattern``.  ``enforced_by`` says what enforces it."""

    name: str
    pattern: str
    enforced_by: str

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text, re.I) is not None


#: What pytest-symphony itself enforces; plugins add theirs through the hook
#: ``pytest_symphony_policy_checks(config)``.
BUILTIN_POLICY_CHECKS = (
    PolicyCheck(
        "strict-order",
        r"\bstrict(ly)?\b.*\border\b|\bin (strict )?order\b|\bsequential",
        "the conductor runs beats in strict order",
    ),
    PolicyCheck("telemetry", r"\btelemetry\b", "every beat attempt is recorded (start, end, duration, status)"),
    PolicyCheck("rollback", r"\broll[ -]?back", "ROLLBACK_NOT_DEFINED and the rollback hook"),
    PolicyCheck("visibility", r"\bvisibility\b", "GOVERNANCE_THRESHOLD_BREACHED"),
    PolicyCheck("consistency", r"\bconsistency\b", "GOVERNANCE_THRESHOLD_BREACHED"),
    PolicyCheck("metrics", r"(?=.*\bmetrics?\b)(?=.*\btrack)", "METRIC_NOT_TRACKED"),
    PolicyCheck("beats-pass", r"\b(every|each|all)\b.*\bbeats?\b.*\bpass", "a failed beat fails the run"),
    PolicyCheck("conformity", r"\bconform|\bviolations?\b|\bcompliance score", "the conformity engine"),
    PolicyCheck("bdd", r"\bBDD\b|\bacceptance criteria\b|\bGherkin\b|\bscenarios?\b", "the traceability codes"),
    PolicyCheck("timing", r"\b(timeouts?|timing|SLA|P9\d|latency)\b", "TIMING_CONSTRAINT_VIOLATED"),
    PolicyCheck(
        "artifact-integrity",
        r"\bartifacts?\b.*\b(validat|verif|integrity|hash|checksum|sign)",
        "the build symphony's artifact verification",
    ),
    PolicyCheck("snapshot", r"\bsnapshots?\b", "remediation snapshots each phase before fixing"),
    PolicyCheck("git", r"\bgit\b", "--symphony-fix-commit commits each fixed phase"),
    PolicyCheck("reports", r"\breports?\b", "the conformity and report pipelines' report beats"),
)


def _policy_text(policy: Any) -> tuple[str | None, str]:
    """(bound check name or None, text) of a policy written as a string or a mapping."""
    if isinstance(policy, str):
        return None, policy
    if isinstance(policy, Mapping):
        check = policy.get("check") or policy.get("policyCheck")
        text = " ".join(
            str(policy[k]) for k in ("text", "description", "name", "rule", "id") if isinstance(policy.get(k), str)
        )
        return (check if isinstance(check, str) else None), text
    return None, ""


class PolicyNotReferenced(SpecCheck):
    code = "POLICY_NOT_REFERENCED"
    severity = Severity.MINOR
    fix = FixSafety.NONE
    summary = (
        "A declared governance policy is bound to no policy check, built-in or registered "
        "through the hook `pytest_symphony_policy_checks`: by name (`{text: ..., check: "
        "<name>}`) or by its text matching the check's pattern (the built-in checks are listed "
        "below)."
    )
    VALID = (Example(ws(SPEC + "governance:\n  policies:\n    - Every beat passes before release\n")),)
    INVALID = (
        Example(
            ws(SPEC + "governance:\n  policies:\n    - Every beat passes\n    - Coffee is brewed first\n"),
            at=("sequences/release.yaml", 11),
        ),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        gov = spec.sequence.governance
        policies = gov.get("policies") if isinstance(gov, Mapping) else None
        if not isinstance(policies, list):
            return
        checks = list(BUILTIN_POLICY_CHECKS) + list(ws.policy_checks)
        names = {c.name for c in checks}
        lines = getattr(policies, "item_lines", [])
        for i, policy in enumerate(policies):
            bound, text = _policy_text(policy)
            if bound in names or (text and any(c.matches(text) for c in checks)):
                continue
            line = lines[i] if i < len(lines) else (getattr(policies, "line", 1) or 1)
            yield Violation(
                self.code,
                f"policy {text or policy!r} is bound to no policy check; bind it with `check: <name>` "
                "or register a check through pytest_symphony_policy_checks",
                Place(spec.rel, line, 1, pointer=json_pointer("governance", "policies", i)),
                sequence=spec.sequence.id,
            )


def _metric_slug(text: str) -> str:
    return slugify(text.split("(")[0])


class MetricNotTracked(WorkspaceCheck):
    code = "METRIC_NOT_TRACKED"
    severity = Severity.MINOR
    fix = FixSafety.NONE
    summary = (
        "A declared governance metric has no recorded value in its sequence's run history (a "
        "recorded metric matches when its name and the declared text before any parenthesis "
        "slugify alike). Checked only for sequences with a recorded run."
    )
    SPEC_M = SPEC + "governance:\n  metrics:\n    - Files built\n    - Wheel size (bytes)\n"
    RUN = [
        {
            "sequence": "release",
            "beat": "build",
            "duration_ms": 1.0,
            "status": "passed",
            "metrics": {"files_built": 3, "wheel-size": 1200},
        }
    ]
    VALID = (Example(ws(SPEC_M), history=RUN),)
    INVALID = (
        Example(ws(SPEC_M), history=[{**RUN[0], "metrics": {"files_built": 3}}], at=("sequences/release.yaml", 11)),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        history = ws.history
        if history is None:
            return
        for spec in ws.loaded():
            seq = spec.sequence
            metrics = seq.governance.get("metrics") if isinstance(seq.governance, Mapping) else None
            if not isinstance(metrics, list) or history.last_run_id(seq.id) is None:
                continue
            recorded = {_metric_slug(name) for a in history.attempts(sequence=seq.id) for name in a["metrics"]}
            lines = getattr(metrics, "item_lines", [])
            for i, metric in enumerate(metrics):
                name = (
                    metric
                    if isinstance(metric, str)
                    else (metric.get("name") or metric.get("id") if isinstance(metric, Mapping) else None)
                )
                if not isinstance(name, str) or _metric_slug(name) in recorded:
                    continue
                line = lines[i] if i < len(lines) else 1
                yield Violation(
                    self.code,
                    f"metric {name!r} has no recorded value in the history of '{seq.id}'; record it with "
                    f"symphony.metric({_metric_slug(name).replace('-', '_')!r}, value)",
                    Place(spec.rel, line, 1, pointer=json_pointer("governance", "metrics", i)),
                    sequence=seq.id,
                )


class UnauthorizedChange(WorkspaceCheck):
    code = "UNAUTHORIZED_CHANGE"
    severity = Severity.CRITICAL
    fix = FixSafety.NONE
    summary = (
        "A spec or handler file's content differs from the approved lock file (`symphony.lock`) "
        "and the change was not approved: changed, new since the approval, or gone. Approving "
        "(`--symphony-approve`) is an explicit user action, never a fix. Quiet when there is no "
        "lock (the run says so once)."
    )
    VALID = (Example(ws(), approved=ws()),)
    INVALID = (
        Example(
            ws(SPEC.replace("name: Build\n        handler", "name: Compile\n        handler")),
            approved=ws(),
            at=("sequences/release.yaml", 1),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        lock = ws.lock
        if lock is None:
            return
        from ..lock import current_files  # lock reads the scan cache, which loads libcst: only when a lock exists

        approved: dict[str, str] = dict(lock.get("files", {}))
        current = current_files(ws)
        lock_rel = ws.rel(ws.settings.lock_path)
        for rel, digest in sorted(current.items()):
            before = approved.get(rel)
            if before == digest:
                continue
            what = "is new since" if before is None else "changed since"
            yield Violation(
                self.code,
                f"{rel} {what} the approved {lock_rel}; review it and approve with pytest --symphony-approve",
                Place(rel, 1, 1),
            )
        for rel in sorted(set(approved) - set(current)):
            yield Violation(
                self.code,
                f"{rel} is approved in {lock_rel} but is gone; approve its removal with pytest --symphony-approve",
                Place(lock_rel, 1, 1),
            )


_DEPLOY_KIND = re.compile(r"deploy|delivery|release|remediat|rollout", re.I)


ROLLBACK_FIELDS = ("rollback", "rollbackHandler", "rollbackStrategy")


def declared_rollback(seq: Sequence) -> str | None:
    """The field by which a sequence declares its rollback, or None.

    A rollback handler (``rollback``/``rollbackHandler`` naming one, or ``rollbackStrategy.handler``),
    a ``rollback``/``rollbackHandler`` policy mapping, or a ``rollbackStrategy`` (a non-empty
    mapping or text) all count; a strategy with ``enabled: false`` does not.
    """
    if seq.rollback is not None:
        return "rollback"
    for key in ROLLBACK_FIELDS:
        value = seq.raw.get(key)
        if isinstance(value, Mapping) and value and value.get("enabled", True) is not False:
            return key
        if isinstance(value, str) and value.strip():
            return key
    return None


class RollbackNotDefined(SpecCheck):
    code = "ROLLBACK_NOT_DEFINED"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "A sequence with rollback-capable beats (`rollbackCapable: true` on the beat or its "
        "declared handler) or beats marked `critical: true`, or whose `kind` names deployment, "
        "delivery, release, rollout or remediation, declares no rollback. A rollback is declared "
        "by a `rollback` or `rollbackHandler` (a handler name, or a mapping), or a "
        "`rollbackStrategy` (a mapping, with or without `handler`, or a text); a "
        "`rollbackStrategy` with `enabled: false` declares none."
    )
    VALID = (
        Example(ws("kind: deployment\nrollback: undo\n" + SPEC)),
        Example(
            ws("kind: deployment\nrollbackStrategy:\n  snapshotBefore: true\n  rollbackOn: [HANDLER_TIMEOUT]\n" + SPEC)
        ),
    )
    INVALID = (
        Example(ws("kind: deployment\n" + SPEC), at=("sequences/release.yaml", 1)),
        Example(ws(SPEC + "        critical: true\n"), at=("sequences/release.yaml", 1)),
        Example(ws("kind: deployment\nrollbackStrategy: {enabled: false}\n" + SPEC), at=("sequences/release.yaml", 1)),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        seq = spec.sequence
        if declared_rollback(seq) is not None:
            return
        reasons = []
        if isinstance(seq.kind, str) and _DEPLOY_KIND.search(seq.kind):
            reasons.append(f"its kind is '{seq.kind}'")
        critical = [b for b in seq.beats if b.raw.get("critical") is True]
        capable = [b for b in seq.beats if _rollback_capable(seq, b)]
        if critical:
            reasons.append(f"{len(critical)} beat(s) are marked critical")
        if capable:
            reasons.append(f"{len(capable)} beat(s) are rollback-capable")
        if reasons:
            disabled = (
                " (its `rollbackStrategy` is disabled)" if isinstance(seq.raw.get("rollbackStrategy"), Mapping) else ""
            )
            yield spec_violation(
                self.code,
                spec,
                f"sequence '{seq.id}' has no rollback{disabled}, but {' and '.join(reasons)}; declare "
                "`rollback: <handler>` or a `rollbackStrategy`",
            )


def _rollback_capable(seq: Sequence, beat: Beat) -> bool:
    if beat.raw.get("rollbackCapable") is True:
        return True
    for ref in beat.handlers:
        raw = ref.raw if isinstance(ref.raw, Mapping) else None
        if raw is not None and raw.get("rollbackCapable") is True:
            return True
    return False


_THRESHOLD = re.compile(r"(?:≥|>=|at least|minimum(?: of)?|above)\s*(\d+(?:\.\d+)?)\s*(%?)", re.I)


def _threshold(seq: Sequence, name: str) -> float:
    gov = seq.governance if isinstance(seq.governance, Mapping) else {}
    declared = gov.get("thresholds")
    if isinstance(declared, Mapping) and isinstance(declared.get(name), (int, float)):
        return float(declared[name])
    for policy in gov.get("policies") or ():
        _, text = _policy_text(policy)
        if name in text.lower():
            m = _THRESHOLD.search(text)
            if m:
                value = float(m.group(1))
                return value / 100 if m.group(2) or value > 1 else value
    return 0.7


class GovernanceThresholdBreached(WorkspaceCheck):
    code = "GOVERNANCE_THRESHOLD_BREACHED"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "A movement's visibility or consistency score is below its threshold: the lowest "
        "`visibility`/`consistency` metric its beats recorded in the last run, else the value "
        "the movement declares. The threshold is governance `thresholds.<name>`, else the number "
        'in a policy naming it ("visibility score >= 0.7", "70%"), else 0.7.'
    )
    SPEC_T = SPEC.replace("  - name: Build\n    beats:", "  - name: Build\n    visibility: 0.9\n    beats:")
    VALID = (Example(ws(SPEC_T)),)
    INVALID = (
        Example(ws(SPEC_T.replace("0.9", "0.5")), at=("sequences/release.yaml", 5)),
        Example(
            ws(SPEC_T),
            history=[
                {
                    "sequence": "release",
                    "beat": "build",
                    "duration_ms": 1.0,
                    "status": "passed",
                    "metrics": {"consistency": 0.4},
                }
            ],
            at=("sequences/release.yaml", 4),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        history = ws.history
        for spec in ws.loaded():
            seq = spec.sequence
            recorded: dict[tuple[str, str], float] = {}
            run_id = history.last_run_id(seq.id) if history is not None else None
            if history is not None and run_id is not None:
                for a in history.attempts(run_id=run_id, sequence=seq.id):
                    for name in ("visibility", "consistency"):
                        if name in a["metrics"] and a["metrics"][name] is not None:
                            key = (a["movement"], name)
                            recorded[key] = min(recorded.get(key, 1e9), float(a["metrics"][name]))
            for m in seq.movements:
                for name in ("visibility", "consistency"):
                    value = recorded.get((m.slug, name))
                    source = f"in run {run_id}"
                    declared = m.raw.get(name)
                    if value is None and isinstance(declared, (int, float)) and not isinstance(declared, bool):
                        value, source = float(declared), "as declared"
                    if value is None:
                        continue
                    limit = _threshold(seq, name)
                    if value < limit:
                        yield spec_violation(
                            self.code,
                            spec,
                            f"movement {m.number} '{m.title}' has {name} {value:g} {source}, below its threshold {limit:g}",
                            node=m.raw,
                            key=name if name in m.raw else None,
                            pointer=movement_pointer(m),
                        )


CHECKS = [
    PolicyNotReferenced,
    MetricNotTracked,
    UnauthorizedChange,
    RollbackNotDefined,
    GovernanceThresholdBreached,
]
