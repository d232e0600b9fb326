"""Beat 16, Document Lessons: the changelog entry for the version and a retro pre-filled with numbers.

The changelog entry is made from the Conventional Commits since the last tag (Features,
Fixes, Performance, Breaking changes) and inserted above the newest release heading of
``CHANGELOG.md`` (created when absent); a version that already has an entry is left
alone.  The retro file ``<retro>/<version>.md`` is written only when it does not exist:
its numbers come from this run's metrics and verdicts, the rest is for the team.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..atomic import write_atomic
from . import git
from .records import Metric
from .settings import DeliverySettings
from .timeutil import utc_now

__all__ = ["LessonsResult", "changelog_entry", "lessons", "retro_text"]

_SECTIONS = (("feat", "Features"), ("fix", "Fixes"), ("perf", "Performance"))


def changelog_entry(version: str, commits: Sequence[git.Commit], day: str) -> str:
    """A Keep-a-Changelog style section for ``version`` from Conventional Commits."""
    parsed = [(c, c.conventional) for c in commits if not c.is_merge and c.conventional]
    lines = [f"## [{version}] - {day}", ""]
    breaking = [(c, cc) for c, cc in parsed if cc.breaking]
    for kind, title in _SECTIONS:
        group = [(c, cc) for c, cc in parsed if cc.type == kind]
        if group:
            lines += [f"### {title}", ""]
            lines += [
                f"- {'**' + cc.scope + ':** ' if cc.scope else ''}{cc.description} ({c.sha[:7]})" for c, cc in group
            ]
            lines.append("")
    if breaking:
        lines += ["### Breaking changes", ""]
        for c, cc in breaking:
            note = (cc.footer("BREAKING CHANGE") or cc.footer("BREAKING-CHANGE") or [cc.description])[0]
            lines.append(f"- {note} ({c.sha[:7]})")
        lines.append("")
    if len(lines) == 2:
        lines += ["No user-facing changes.", ""]
    return "\n".join(lines)


def _has_entry(text: str, version: str) -> bool:
    return re.search(rf"^#+\s*\[?v?{re.escape(version)}\]?(\s|$)", text, re.MULTILINE) is not None


def _insert(text: str, entry: str) -> str:
    """Put ``entry`` above the first release heading (``## ``), after the title and the Unreleased section."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("## ") and "unreleased" not in line.lower():
            return "".join(lines[:index]) + entry + "\n" + "".join(lines[index:])
    return text.rstrip("\n") + "\n\n" + entry


def retro_text(version: str, metrics: Mapping[str, Metric], verdicts: Sequence[Any], when: datetime) -> str:
    rows = "\n".join(
        f"| {m.name} | {(f'{m.value:.4g}' + (' ' + m.unit if m.unit else '') + (f' ({m.band})' if m.band else '')) if m.measured else 'not measured: ' + str(m.missing)} | {m.source} |"
        for m in metrics.values()
    )
    hyps = "\n".join(f"- {v.hypothesis} ({v.feature}): **{v.verdict}**, {v.reason}" for v in verdicts) or "- none"
    return (
        f"# Retrospective: {version}\n\n"
        f"Pre-filled by the delivery pipeline on {when.strftime('%Y-%m-%d')}; the numbers are measured, "
        "the rest is yours.\n\n## Numbers\n\n| metric | value | source |\n|---|---|---|\n"
        f"{rows}\n\n## Hypotheses\n\n{hyps}\n\n## What went well\n\n- \n\n## What to improve\n\n- \n\n"
        "## Actions\n\n- \n"
    )


@dataclass(frozen=True)
class LessonsResult:
    changelog: Path
    changelog_written: bool
    retro: Path
    retro_written: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "changelog": str(self.changelog),
            "changelog_written": self.changelog_written,
            "retro": str(self.retro),
            "retro_written": self.retro_written,
        }


def lessons(
    settings: DeliverySettings,
    *,
    version: str,
    metrics: Mapping[str, Metric] | None = None,
    verdicts: Sequence[Any] = (),
    now: datetime | None = None,
    rev: str = "HEAD",
) -> LessonsResult:
    """Beat 16: the changelog entry (unless present) and the retro file (unless present)."""
    now = now or utc_now()
    changelog = settings.path("changelog")
    text = changelog.read_text(encoding="utf-8") if changelog.is_file() else "# Changelog\n"
    written = False
    if not _has_entry(text, version):
        _, since = git.commits_since(settings.root, settings.tag_pattern, rev)
        entry = changelog_entry(version, since, now.strftime("%Y-%m-%d"))
        write_atomic(changelog, _insert(text, entry).encode("utf-8"))
        written = True
    retro = settings.path("retro") / f"{version}.md"
    retro_written = False
    if not retro.exists():
        write_atomic(retro, retro_text(version, metrics or {}, verdicts, now).encode("utf-8"))
        retro_written = True
    return LessonsResult(changelog, written, retro, retro_written)
