"""The controller's view of a run's conformity findings: gathered from the items' reports,
shown in the terminal summary, rendered as ``--symphony-format`` asks, kept in the history.

Loaded by the conformity plug-in only when a run has findings to gather.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..session_key import RECORDER, RUN
from .codes import Dimension, Severity
from .formats import render, severity_counts
from .scores import band, score_all
from .violation import Checked, Place, Violation, ViolationKey


@dataclass(frozen=True)
class _Unused:
    """An unused suppression as it arrived on a report (what the formats read)."""

    place: Place
    message: str
    reason: str
    code: str | None

    @property
    def key(self) -> tuple[str, int, int, str, str]:
        p = self.place
        return (p.path, p.line, p.col, self.code or "", self.reason)

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "code": self.code, "message": self.message, "location": self.place.to_dict()}


@dataclass
class Gathered:
    violations: list[Violation]
    suppressed: list[Violation]
    unused: list[_Unused]
    summary: dict[str, Any]

    @classmethod
    def of(cls, payloads: list[dict[str, Any]]) -> "Gathered":
        kept: dict[ViolationKey, Violation] = {}
        silenced: dict[ViolationKey, Violation] = {}
        unused: dict[tuple[str, int, int, str, str], _Unused] = {}
        for p in payloads:
            for d in p["violations"]:
                v = Violation.from_dict(d)
                kept.setdefault(v.key, v)
            for d in p["suppressed"]:
                v = Violation.from_dict(d)
                silenced.setdefault(v.key, v)
            for d in p["unused"]:
                u = _Unused(Place.from_dict(d["location"]), d["message"], d["reason"], d["code"])
                unused.setdefault(u.key, u)
        summary = payloads[-1]["summary"]
        return cls(
            [kept[k] for k in sorted(kept)],
            [silenced[k] for k in sorted(silenced)],
            [unused[k] for k in sorted(unused)],
            summary,
        )

    @property
    def threshold(self) -> Severity:
        return Severity.parse(self.summary["threshold"])

    def scores(self) -> dict[Dimension, float]:
        return score_all(self.violations, Checked.of(self.summary["checked"]))

    def render(self, fmt: str, root: Path, full_report: str | None = None) -> str:
        return render(
            fmt,
            self.violations,
            checked=Checked.of(self.summary["checked"]),
            threshold=self.threshold,
            suppressed=self.suppressed,
            unused=self.unused,
            root=str(root),
            full_report=full_report,
        )


def _full_report(config: pytest.Config, g: Gathered) -> str | None:
    """The whole report as text in the run folder (GitHub shows only the first annotations of
    a step): its path relative to the rootdir, or None when it cannot be written."""
    sym = config.stash.get(RUN, None)
    if sym is None:
        return None
    path = sym.run_dir / "conformity.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(g.render("text", config.rootpath), encoding="utf-8")
    except OSError:
        return None
    try:
        shown = path.relative_to(config.rootpath).as_posix()
    except ValueError:
        shown = str(path)
    return shown


def write_summary(tr: pytest.TerminalReporter, config: pytest.Config, g: Gathered) -> None:
    """The five scores and the counts; the ``--symphony-format`` report, shown or written to ``--symphony-output``."""
    _scores_summary(tr, g)
    fmt = config.getoption("symphony_format")
    if fmt:
        full = _full_report(config, g) if fmt == "github" else None
        text = g.render(fmt, config.rootpath, full_report=full)
        output = config.getoption("symphony_output")
        if output:
            path = Path(output)
            if not path.is_absolute():
                path = Path(config.invocation_params.dir) / path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            tr.write_line(f"symphony: wrote {path}")
        else:
            tr.write_sep("-", f"symphony conformity report ({fmt})")
            tr.write(text)


def _scores_summary(tr: pytest.TerminalReporter, g: Gathered) -> None:
    tr.write_sep("-", "symphony conformity")
    checked = Checked.of(g.summary["checked"])
    for dimension, score in g.scores().items():
        counts = severity_counts(v for v in g.violations if v.dimension is dimension)
        by_sev = ", ".join(f"{s} {n}" for s, n in counts.items() if n)
        tr.write_line(
            f"{dimension.value:<14} {score:.2f}  {band(score):<15} checked {checked[dimension]:<5} "
            f"{by_sev or 'no violations'}"
        )
    counts = severity_counts(g.violations)
    failing = sum(1 for v in g.violations if v.severity >= g.threshold)
    line = "violations: " + ", ".join(f"{s} {n}" for s, n in counts.items())
    line += f"; {failing} at or above {g.threshold}"
    if g.suppressed:
        line += f"; {len(g.suppressed)} suppressed"
    if g.unused:
        line += f"; {len(g.unused)} unused suppression(s)"
    tr.write_line(line)
    for note in g.summary.get("notes", ()):
        tr.write_line(f"note: {note}")


def record_history(config: pytest.Config, g: Gathered) -> None:
    """Violations and scores into the run history, beside the run's attempts."""
    from ..telemetry.store import HistoryError, HistoryStore  # sqlite3: only when a run records history

    recorder = config.stash.get(RECORDER, None)
    if recorder is None or not (hasattr(HistoryStore, "add_violations") or hasattr(HistoryStore, "add_scores")):
        return
    sym = recorder.run
    path = recorder.history_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with HistoryStore(path).open() as store:
            if hasattr(store, "add_violations"):
                store.add_violations(sym.run_id, [v.to_dict() for v in g.violations])
            if hasattr(store, "add_scores"):
                store.add_scores(sym.run_id, {d.value: s for d, s in g.scores().items()})
    except (HistoryError, OSError) as exc:
        tr = config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write_line(f"symphony: conformity history not recorded in {path}: {exc}")
