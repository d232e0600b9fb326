"""What one fixing phase did: the outcome the summary, the fix beats' reports and the
xdist controller read, and the exceptions that stop a phase from being kept."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..conformity.engine import EngineResult
from ..conformity.violation import Violation
from .plan import Declined, PlannedFix

PHASE_TITLES = {"domain": "domain & orchestration", "sequence": "sequence", "handler": "handler & BDD"}


class PhaseFailed(Exception):
    """The phase cannot be kept (the message says why)."""


class FixesFailed(PhaseFailed):
    """Some fixes failed their proof; ``culprits`` maps each violation they resolve to why."""

    def __init__(self, message: str, culprits: dict[Violation, str]) -> None:
        super().__init__(message)
        self.culprits = culprits


@dataclass
class PhaseOutcome:
    """What one phase did."""

    phase: str
    number: int
    snapshot: str | None = None
    kept: bool = True
    reason: str | None = None
    rounds: int = 0
    applied: list[PlannedFix] = field(default_factory=list)
    declined: list[Declined] = field(default_factory=list)
    unsafe: list[Violation] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    before: EngineResult | None = None
    after: EngineResult | None = None
    revealed: list[str] = field(default_factory=list)  # specs a fix made loadable: checked fully now
    loaded: dict[str, bool] = field(default_factory=dict)  # spec -> whether it loaded before the phase wrote it
    dropped: list[Declined] = field(default_factory=list)  # fixes that failed their proof, left out alone
    creators: dict[str, list[PlannedFix]] = field(default_factory=dict)  # a file the phase created -> its fixes

    @property
    def title(self) -> str:
        return PHASE_TITLES.get(self.phase, self.phase)

    def codes(self) -> Counter[str]:
        """Violations resolved, per code, by the fixes applied (kept or not)."""
        return Counter(v.code for fix in self.applied for v in fix.violations)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (crosses xdist on a report)."""
        return {
            "phase": self.phase,
            "number": self.number,
            "title": self.title,
            "snapshot": self.snapshot,
            "kept": self.kept,
            "reason": self.reason,
            "rounds": self.rounds,
            "files": list(self.files),
            "fixed": dict(self.codes()),
            "fixes": [
                {
                    "code": f.code,
                    "description": f.description,
                    "files": f.files,
                    "safety": f.safety.value,
                    "origin": f.origin,
                    "violations": len(f.violations),
                }
                for f in self.applied
            ],
            "declined": [
                {"code": d.violation.code, "place": str(d.violation.place), "reason": d.reason}
                for d in self.dropped + self.declined
            ],
            "dropped": len(self.dropped),
            "unsafe": dict(Counter(v.code for v in self.unsafe)),
            "diffs": dict(self.diffs),
            "scores_before": _scores(self.before),
            "scores_after": _scores(self.after),
            "remaining": dict(Counter(v.code for v in self.after.violations)) if self.after else {},
            "revealed": list(self.revealed),
        }


def _scores(result: EngineResult | None) -> dict[str, float]:
    return {d.value: s for d, s in result.scores.items()} if result is not None else {}
