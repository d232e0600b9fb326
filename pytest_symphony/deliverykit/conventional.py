"""Conventional Commits 1.0.0: parsing a commit message, and the version it implies.

Our own parser (commitizen's pulls a CLI and a dozen dependencies into a library that
only needs a regular expression and the footer rules).  It follows the specification:
``type(scope)!: description``, a body one blank line below, and footers (``Token: value``
or ``Token #value``, ``BREAKING CHANGE`` spelled with a space) in the last paragraph.
Types compare case-insensitively; ``BREAKING CHANGE`` must be upper case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from packaging.version import InvalidVersion, Version

__all__ = [
    "ConventionalCommit",
    "NotConventional",
    "bump_level",
    "next_version",
    "parse_message",
]

_HEADER = re.compile(
    r"^(?P<type>[A-Za-z][A-Za-z0-9_-]*)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?:(?P<space>[ ]?)(?P<description>.*)$"
)
_FOOTER = re.compile(r"^(?P<token>(?i:BREAKING CHANGE)|[A-Za-z][A-Za-z0-9-]*)(?::[ ]|[ ]#)(?P<value>.*)$")
_LEVELS = ("patch", "minor", "major")


class NotConventional(ValueError):
    """A commit message that does not follow Conventional Commits; the text says what to change."""


@dataclass(frozen=True)
class ConventionalCommit:
    type: str  #: lower case
    scope: str | None
    description: str
    breaking: bool
    body: str = ""
    footers: tuple[tuple[str, str], ...] = ()

    def footer(self, token: str) -> list[str]:
        """Values of every footer named ``token`` (case-insensitive)."""
        return [v for k, v in self.footers if k.lower() == token.lower()]

    @property
    def header(self) -> str:
        scope = f"({self.scope})" if self.scope else ""
        return f"{self.type}{scope}{'!' if self.breaking and not self.footer('BREAKING CHANGE') else ''}: {self.description}"


def _split_footers(paragraphs: list[str]) -> tuple[list[str], tuple[tuple[str, str], ...]]:
    """(body paragraphs, footers) -- footers are the last paragraph when it starts with a token."""
    if not paragraphs:
        return [], ()
    last = paragraphs[-1].splitlines()
    if not last or not _FOOTER.match(last[0]):
        return paragraphs, ()
    footers: list[list[str]] = []
    for line in last:
        m = _FOOTER.match(line)
        if m:
            footers.append([m.group("token"), m.group("value")])
        else:  # a footer value may continue on the next lines
            footers[-1][1] += "\n" + line
    return paragraphs[:-1], tuple((k, v.strip()) for k, v in footers)


def parse_message(message: str, types: Sequence[str] | None = None) -> ConventionalCommit:
    """The parsed message; :class:`NotConventional` saying what to change when it is not one.

    ``types`` restricts the allowed types (compared case-insensitively); None allows any noun.
    """
    text = message.replace("\r\n", "\n").strip("\n")
    lines = text.split("\n")
    header = lines[0].rstrip() if lines else ""
    if header.startswith(("fixup! ", "squash! ", "amend! ")):
        raise NotConventional(f"{header.split(' ')[0]} commit: squash it into the commit it fixes before releasing")
    m = _HEADER.match(header)
    if not m:
        if header.startswith('Revert "'):
            raise NotConventional(
                "git's default revert message; write 'revert: <header of the reverted commit>' "
                "with 'Refs: <sha>' in the footer"
            )
        raise NotConventional(
            f"header {header!r} is not 'type(scope): description'; start it with a type such as feat: or fix:"
        )
    kind = m.group("type").lower()
    if types is not None and kind not in {t.lower() for t in types}:
        raise NotConventional(f"type {m.group('type')!r} is not one of {', '.join(types)}")
    if m.group("scope") is not None and not m.group("scope").strip():
        raise NotConventional("empty scope '()'; name the scope or drop the parentheses")
    description = m.group("description").strip()
    if not description:
        raise NotConventional("empty description after 'type:'")
    if not m.group("space"):
        raise NotConventional("no space after the colon; write 'type: description'")
    if len(lines) > 1 and lines[1].strip():
        raise NotConventional("the body must be separated from the header by one blank line")
    rest = "\n".join(lines[1:]).strip("\n")
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", rest) if p.strip()] if rest else []
    body_paragraphs, footers = _split_footers(paragraphs)
    for token, _ in footers:
        if token.upper() in ("BREAKING CHANGE", "BREAKING-CHANGE") and token not in (
            "BREAKING CHANGE",
            "BREAKING-CHANGE",
        ):
            raise NotConventional(f"footer {token!r} must be written in upper case: BREAKING CHANGE")
    breaking = bool(m.group("bang")) or any(t in ("BREAKING CHANGE", "BREAKING-CHANGE") for t, _ in footers)
    scope = m.group("scope").strip() if m.group("scope") else None
    return ConventionalCommit(kind, scope, description, breaking, "\n\n".join(body_paragraphs), footers)


def bump_level(commits: Iterable[ConventionalCommit | None]) -> str | None:
    """``major`` (a breaking change), ``minor`` (a feat), ``patch`` (a fix or perf), or None."""
    level = -1
    for commit in commits:
        if commit is None:
            continue
        if commit.breaking:
            return "major"
        if commit.type == "feat":
            level = max(level, 1)
        elif commit.type in ("fix", "perf"):
            level = max(level, 0)
    return _LEVELS[level] if level >= 0 else None


def next_version(
    current: str | None, commits: Iterable[ConventionalCommit | None], *, major_version_zero: bool = False
) -> str | None:
    """The semantic version after ``current`` (a tag like ``v1.2.3`` or None for none yet), or None.

    None means nothing releasable (no feat, fix, perf or breaking commit).  Before 1.0.0,
    ``major_version_zero`` keeps a breaking change at a minor bump (as commitizen's option).
    """
    level = bump_level(commits)
    if level is None:
        return None
    text = (current or "0.0.0").lstrip("vV")
    try:
        major, minor, patch = (list(Version(text).release) + [0, 0, 0])[:3]
    except InvalidVersion as exc:
        raise ValueError(f"tag {current!r} is not a version; tag releases like v1.2.3") from exc
    if level == "major" and major == 0 and major_version_zero:
        level = "minor"
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
