"""What one engine run found: :class:`EngineResult`, with each file's share indexed once
(:meth:`EngineResult.of_file`), so judging every file of a large workspace costs its
findings, not files x findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .codes import Dimension, Severity
from .scores import DimensionScore, score_details
from .suppress import UnusedSuppression
from .violation import Checked, Violation

__all__ = ["EngineResult", "FileFindings"]


@dataclass
class FileFindings:
    """One file's share of an :class:`EngineResult`."""

    violations: list[Violation] = field(default_factory=list)
    suppressed: list[Violation] = field(default_factory=list)
    unused: list[UnusedSuppression] = field(default_factory=list)
    errors: list[tuple[str, int, int, str]] = field(default_factory=list)


_NOTHING = FileFindings()


@dataclass
class EngineResult:
    """What one engine run found.  ``violations`` are after suppression."""

    violations: list[Violation]
    suppressed: list[Violation]
    unused_suppressions: list[UnusedSuppression]
    checked: Checked
    scores: dict[Dimension, float]
    files: list[str]
    threshold: Severity = Severity.MAJOR
    notes: list[str] = field(default_factory=list)
    errors: list[tuple[str, int, int, str]] = field(default_factory=list)
    root: Path | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    # made on first use; never copied by dataclasses.replace (a replaced result indexes its own lists)
    _by_file: dict[str, FileFindings] | None = field(default=None, init=False, repr=False, compare=False)
    _summary: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def details(self) -> dict[Dimension, DimensionScore]:
        return score_details(self.violations, self.checked)

    def of_file(self, path: str) -> FileFindings:
        """What the run found in one file: an index built once, so judging every file of a
        large workspace costs its findings, not files x findings."""
        if self._by_file is None:
            index: dict[str, FileFindings] = {}

            def entry(p: str) -> FileFindings:
                found = index.get(p)
                if found is None:
                    found = index[p] = FileFindings()
                return found

            for v in self.violations:
                entry(v.place.path).violations.append(v)
            for v in self.suppressed:
                entry(v.place.path).suppressed.append(v)
            for u in self.unused_suppressions:
                entry(u.place.path).unused.append(u)
            for e in self.errors:
                entry(e[0]).errors.append(e)
            self._by_file = index
        return self._by_file.get(path) or _NOTHING

    def failing(self) -> list[Violation]:
        return [v for v in self.violations if v.severity >= self.threshold]

    def summary(self) -> dict[str, Any]:
        """Plain data (crosses xdist on a report): counts, scores, notes and errors (made once)."""
        if self._summary is None:
            self._summary = self._make_summary()
        return self._summary

    def _make_summary(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold.value,
            "checked": self.checked.to_dict(),
            "scores": {d.value: s for d, s in self.scores.items()},
            "notes": list(self.notes),
            "errors": [list(e) for e in self.errors],
            "files": len(self.files),
        }
