"""The one error a delivery gate raises, and the findings it carries.

Every finding names the file and line to look at and what to do, so a failing beat
reads like a compiler error: ``delivery/roadmap.yaml:12: item "search" has no feature
file; add feature: features/search.feature``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ..errors import SymphonyError

__all__ = ["DeliveryError", "Finding"]


@dataclass(frozen=True)
class Finding:
    """One problem found by a gate: where, what, and what to do about it."""

    message: str
    path: str | None = None
    line: int = 0
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}: " if self.path and self.line else f"{self.path}: " if self.path else ""
        return f"{where}{self.message}" + (f"; {self.hint}" if self.hint else "")

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "path": self.path, "line": self.line, "hint": self.hint}


class DeliveryError(SymphonyError):
    """A delivery gate failed or one of its inputs is unusable; ``findings`` says where and why.

    ``gate`` names the library function that raised (``scope``, ``research``, ...), and
    ``result`` is the partial result object when the gate got that far (so a handler can
    still record its numbers).
    """

    def __init__(self, gate: str, findings: Iterable[Finding | str], *, result: object = None):
        self.gate = gate
        self.findings = tuple(f if isinstance(f, Finding) else Finding(str(f)) for f in findings)
        self.result = result
        lines = "\n".join(f"  {f}" for f in self.findings)
        super().__init__(f"delivery gate {gate!r} failed:\n{lines}")
