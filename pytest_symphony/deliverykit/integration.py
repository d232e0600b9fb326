"""Beat 5, Develop Stories: the commits since the last tag follow Conventional Commits, the
release's scenarios have their steps, and how many feat/fix commits touch tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any, Sequence

from . import git
from .conventional import NotConventional, parse_message
from .errors import DeliveryError, Finding
from .records import Metric
from .settings import DeliverySettings

__all__ = ["DevelopResult", "develop", "touches_tests"]

#: Commits listed one by one in a failure (the rest are counted).
MAX_LISTED = 20


def touches_tests(files: Sequence[str], patterns: Sequence[str]) -> bool:
    return any(fnmatch(f, p) for f in files for p in patterns)


@dataclass(frozen=True)
class DevelopResult:
    tag: str | None
    commits: int  #: commits checked (merges are not)
    feat_fix: int
    feat_fix_with_tests: int
    tested_change_share: Metric
    findings: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "commits": self.commits,
            "feat_fix": self.feat_fix,
            "feat_fix_with_tests": self.feat_fix_with_tests,
            "tested_change_share": self.tested_change_share.to_json(),
            "findings": [f.to_json() for f in self.findings],
        }


def develop(settings: DeliverySettings, *, rev: str = "HEAD", missing_steps: Sequence[str] = ()) -> DevelopResult:
    """Beat 5.  ``missing_steps`` are the release scenarios' steps without a definition (the BDD
    runtime finds them); any one fails the beat.  Merge commits are not checked."""
    tag, since = git.commits_since(settings.root, settings.tag_pattern, rev)
    findings = [
        Finding(f"missing step definition: {step}", None, 0, "write the step, or scaffold it with --symphony-scaffold")
        for step in missing_steps
    ]
    checked = [c for c in since if not c.is_merge]
    feat_fix = with_tests = 0
    unconventional: list[Finding] = []
    for commit in checked:
        try:
            cc = parse_message(commit.message, settings.commit_types)
        except NotConventional as exc:
            unconventional.append(
                Finding(
                    f"commit {commit.sha[:12]} {commit.subject!r}: {exc}",
                    None,
                    0,
                    "reword it (git rebase -i, 'reword') before the release",
                )
            )
            continue
        if cc.type in ("feat", "fix"):
            feat_fix += 1
            with_tests += touches_tests(commit.files, settings.test_paths)
    findings += unconventional[:MAX_LISTED]
    if len(unconventional) > MAX_LISTED:
        findings.append(
            Finding(
                f"... and {len(unconventional) - MAX_LISTED} more commits that are not Conventional "
                f"Commits (git log {tag.name + '..' if tag else ''}{rev})"
            )
        )
    since_what = f"since {tag.name}" if tag else "in the history"
    share = (
        Metric("tested_change_share", with_tests / feat_fix, "", f"git log {since_what}")
        if feat_fix
        else Metric.not_measured("tested_change_share", f"no feat or fix commit {since_what}")
    )
    result = DevelopResult(tag.name if tag else None, len(checked), feat_fix, with_tests, share, tuple(findings))
    if findings:
        raise DeliveryError("develop", findings, result=result)
    return result
