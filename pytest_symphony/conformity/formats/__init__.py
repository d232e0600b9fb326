"""Report formats: ``text``, ``json``, ``sarif`` and ``github``.

Every renderer sorts violations by :attr:`Violation.key`, so output is deterministic.
:func:`render` dispatches on the ``--symphony-format`` name.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol, Sequence

from ... import __version__
from ...options import CONFORMITY_FORMATS
from ..codes import Dimension, Severity
from ..violation import Checked, Place, Violation

__all__ = [
    "FORMATS",
    "UnusedNote",
    "render",
    "tool_version",
    "sort_violations",
    "by_severity",
    "severity_counts",
    "repository_root",
    "project_url",
    "docs_url",
]


class UnusedNote(Protocol):
    """An unused suppression as the formats show it: the engine's, or one gathered from
    the items' reports."""

    @property
    def place(self) -> Place: ...

    @property
    def message(self) -> str: ...

    @property
    def reason(self) -> str: ...

    @property
    def key(self) -> tuple[str, int, int, str, str]: ...

    def to_dict(self) -> dict[str, Any]: ...


PYPI_URL = "https://pypi.org/project/pytest-symphony/"

FORMATS: tuple[str, ...] = CONFORMITY_FORMATS


def tool_version() -> str:
    return str(__version__)


def sort_violations(violations: Iterable[Violation]) -> list[Violation]:
    return sorted(violations, key=lambda v: v.key)


def by_severity(violations: Iterable[Violation]) -> list[Violation]:
    """Most severe first, then in :attr:`Violation.key` order."""
    return sorted(violations, key=lambda v: (-v.severity.rank, v.key))


@lru_cache(maxsize=32)
def repository_root(root: str) -> tuple[Path, str]:
    """(the repository's top level, the project's path inside it): the git top level when
    ``root`` is inside a git work tree, else ``root`` itself (prefix "").  Code scanning and
    workflow annotations resolve paths from the repository root, which in a monorepo is
    not pytest's rootdir."""
    here = Path(root).resolve()
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=here, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return here, ""
    top = proc.stdout.strip()
    if proc.returncode != 0 or not top:
        return here, ""
    top_path = Path(top).resolve()
    try:
        prefix = here.relative_to(top_path).as_posix()
    except ValueError:
        return here, ""
    return top_path, "" if prefix == "." else prefix + "/"


@lru_cache(maxsize=1)
def _project_urls() -> dict[str, str]:
    """The distribution's ``Project-URL`` entries, by lower-case label (none when not installed)."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        entries = metadata("pytest-symphony").get_all("Project-URL") or []
    except (ImportError, PackageNotFoundError):
        return {}
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls["".join(ch for ch in label.lower() if ch.isalnum())] = url.strip()
    return urls


def project_url() -> str:
    """The project's home page (its declared Homepage, Documentation or Source URL, else PyPI)."""
    urls = _project_urls()
    return next((urls[k] for k in ("homepage", "documentation", "source", "repository") if urls.get(k)), PYPI_URL)


def docs_url(page: str, anchor: str | None = None) -> str:
    """Where a docs/ page is read: in the source repository when the project declares a
    GitHub one, else the PyPI page (whose description links the docs)."""
    urls = _project_urls()
    source = next((urls[k] for k in ("source", "repository", "homepage") if "github.com/" in urls.get(k, "")), None)
    if source is None:
        return PYPI_URL
    return f"{source.rstrip('/')}/blob/HEAD/docs/{page}" + (f"#{anchor}" if anchor else "")


def severity_counts(violations: Iterable[Violation]) -> dict[Severity, int]:
    counts = {s: 0 for s in (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.INFO)}
    for v in violations:
        counts[v.severity] += 1
    return counts


def render(
    fmt: str,
    violations: Iterable[Violation],
    *,
    scores: Mapping[Dimension, object] | None = None,
    checked: Checked | None = None,
    threshold: Severity | str = Severity.MAJOR,
    suppressed: Sequence[Violation] = (),
    unused: Sequence[UnusedNote] = (),
    version: str | None = None,
    root: str | None = None,
    full_report: str | None = None,
) -> str:
    """Render in format ``fmt`` (one of :data:`FORMATS`).  ``root``: the rootdir paths are
    relative to (SARIF and GitHub write them relative to its repository's top level);
    ``full_report``: where the whole report is (the GitHub format's last line names it)."""
    violations = list(violations)
    # each renderer imports its helpers from this package: imported here, at dispatch
    if fmt == "text":
        from .text import render_text

        return render_text(violations, threshold, unused=unused)
    if fmt == "json":
        from .json import render_json

        return render_json(
            violations,
            scores,
            checked=checked,
            threshold=threshold,
            suppressed=suppressed,
            unused=unused,
            version=version,
        )
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(violations, version, suppressed=suppressed, unused=unused, root=root)
    if fmt == "github":
        from .github import render_github

        prefix = repository_root(root)[1] if root is not None else ""
        return render_github(violations, unused=unused, prefix=prefix, full_report=full_report)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
