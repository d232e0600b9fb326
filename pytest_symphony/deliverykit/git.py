"""Evidence from git, through the real ``git`` program: tags, commits, times, files touched.

Every call runs ``git -C <root>`` with the variables that could point it elsewhere
removed; a failure raises :class:`DeliveryError` naming the command and git's message.
Commits come back oldest first with their committer time (the time the four keys use).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Iterable, Sequence

from packaging.version import InvalidVersion, Version

from ..git_env import git_environment
from .conventional import ConventionalCommit, NotConventional, parse_message
from .errors import DeliveryError, Finding

__all__ = [
    "Commit",
    "Tag",
    "commits",
    "commits_since",
    "commit_times",
    "feature_refs",
    "first_commit_for",
    "git",
    "head",
    "last_tag",
    "resolve",
    "rev_list",
    "tags",
    "version_of_tag",
]

_RS, _US = "\x1e", "\x1f"


def git(root: Path | str, *args: str, check: bool = True, input: str | None = None) -> str:
    """stdout of ``git -C root args``; DeliveryError when it fails (unless ``check`` is false)."""
    cmd = ["git", "-c", "core.quotepath=off", "-C", str(root), *args]
    try:
        proc = subprocess.run(
            cmd,
            input=input,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=120,
            env=git_environment(),
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise DeliveryError("git", [Finding(f"cannot run git: {exc}", str(root), 0, "install git")]) from exc
    if check and proc.returncode != 0:
        raise DeliveryError(
            "git",
            [Finding(f"git {' '.join(args)} failed: {proc.stderr.strip()}", str(root), 0, "run it by hand to see why")],
        )
    return proc.stdout


@dataclass(frozen=True)
class Tag:
    name: str
    sha: str  #: the commit it points at
    version: Version | None


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_time: datetime
    committer_time: datetime
    author: str
    message: str
    files: tuple[str, ...] = field(default=(), compare=False)

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @cached_property
    def conventional(self) -> ConventionalCommit | None:
        """The parsed Conventional Commit, or None when the message is not one."""
        try:
            return parse_message(self.message)
        except NotConventional:
            return None


def _time(epoch: str) -> datetime:
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc)


def commits(
    root: Path | str, revisions: Sequence[str] = ("HEAD",), *, paths: Sequence[str] = (), files: bool = True
) -> list[Commit]:
    """The commits ``git log revisions`` lists, oldest first, with the files each touched (unless ``files`` is false)."""
    fmt = _RS + _US.join(("%H", "%P", "%at", "%ct", "%an", "%B")) + _US
    listing = ["--name-only", "--no-renames"] if files else []
    out = git(root, "log", f"--format={fmt}", *listing, *revisions, "--", *paths)
    result = []
    for record in out.split(_RS)[1:]:
        sha, parents, at, ct, author, message, touched = record.split(_US)
        result.append(
            Commit(
                sha,
                tuple(parents.split()),
                _time(at),
                _time(ct),
                author,
                message.strip("\n"),
                tuple(f for f in touched.strip("\n").splitlines() if f),
            )
        )
    result.reverse()
    return result


def version_of_tag(name: str) -> Version | None:
    try:
        return Version(name.lstrip("vV"))
    except InvalidVersion:
        return None


def tags(root: Path | str, pattern: str = "v*") -> list[Tag]:
    """Tags matching ``pattern`` that name versions, oldest version first."""
    out = git(root, "tag", "--list", pattern, "--format=%(refname:short)%09%(*objectname)%09%(objectname)")
    found: list[tuple[Version, Tag]] = []
    for line in out.splitlines():
        name, peeled, obj = (line.split("\t") + ["", ""])[:3]
        version = version_of_tag(name)
        if version is not None:
            found.append((version, Tag(name, peeled or obj, version)))
    return [tag for _, tag in sorted(found, key=lambda pair: pair[0])]


def last_tag(root: Path | str, pattern: str = "v*", rev: str = "HEAD") -> Tag | None:
    """The newest tag matching ``pattern`` reachable from ``rev`` (``git describe``), or None."""
    name = git(root, "describe", "--tags", "--abbrev=0", f"--match={pattern}", rev, check=False).strip()
    if not name:
        return None
    sha = git(root, "rev-list", "-n", "1", name).strip()
    return Tag(name, sha, version_of_tag(name))


def commits_since(root: Path | str, pattern: str = "v*", rev: str = "HEAD") -> tuple[Tag | None, list[Commit]]:
    """(the last tag, the commits after it up to ``rev``): every commit when there is no tag yet."""
    tag = last_tag(root, pattern, rev)
    return tag, commits(root, [f"{tag.sha}..{rev}" if tag else rev])


def head(root: Path | str) -> str:
    return git(root, "rev-parse", "--verify", "HEAD^{commit}").strip()


def resolve(root: Path | str, rev: str) -> str | None:
    """The full sha of ``rev`` (a commit), or None when it names no commit here."""
    out = git(root, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False).strip()
    return out or None


def rev_list(root: Path | str, start: str | None, end: str) -> list[str]:
    """Shas of ``start..end`` (every ancestor of ``end`` when ``start`` is None), oldest first."""
    spec = [f"{start}..{end}"] if start else [end]
    return git(root, "rev-list", "--reverse", *spec).split()


def commit_times(root: Path | str, shas: Iterable[str]) -> dict[str, datetime]:
    """Committer time of each sha (one ``git show`` for all of them)."""
    shas = sorted(set(shas))
    if not shas:
        return {}
    out = git(root, "log", "--no-walk=unsorted", "--stdin", "--format=%H %ct", input="\n".join(shas) + "\n")
    return {sha: _time(ct) for sha, ct in (line.split() for line in out.splitlines() if line.strip())}


def feature_refs(commit: Commit) -> tuple[str, ...]:
    """The features a commit names: its Conventional Commit scope and ``Feature:`` footers."""
    cc = commit.conventional
    if cc is None:
        return ()
    refs = [cc.scope] if cc.scope else []
    for value in cc.footer("Feature"):
        refs.extend(v.strip() for v in value.replace(",", " ").split() if v.strip())
    return tuple(dict.fromkeys(refs))


def first_commit_for(history: Iterable[Commit], feature: str) -> Commit | None:
    """The earliest commit (by committer time) that names ``feature``: its first implementation commit."""
    named = [c for c in history if feature in feature_refs(c)]
    return min(named, key=lambda c: c.committer_time) if named else None
