"""The build report (Markdown and JSON) and the ``ff`` archive of a build.

The report is written from one plain dictionary the build symphony fills beat by beat
(context, validation, manifests, packages, host, artifacts, lint, conformity, thresholds,
docs); anything missing (a movement deselected at a quieter dynamic)
shows as "not run".
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterable, Mapping

from .files import canonical_json, write_atomic

__all__ = ["REPORT_SCHEMA", "archive_build", "report_markdown", "write_build_report"]

REPORT_SCHEMA = 1


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


def _cell(value: Any) -> str:
    return " ".join(str(value).split()).replace("|", "\\|") if value is not None else ""


def report_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown: context, then one section per movement's results."""
    out = _context_lines(report)
    out += _packages_lines(report.get("packages"))
    host = report.get("host")
    out += ["## Host application", "", (host or {}).get("summary") or "Not run.", ""]
    out += _artifacts_lines((report.get("artifacts") or {}).get("artifacts"))
    lint = report.get("lint")
    out += ["## Lint", "", (lint or {}).get("summary") or "Not run.", ""]
    out += _conformity_lines(report.get("conformity"), report.get("thresholds"))
    docs = report.get("docs")
    if docs:
        out += ["## Sequence docs", ""] + [f"- `{p}`" for p in docs.get("written", [])] + [""]
    manifests = report.get("manifests")
    if manifests:
        out += ["## Manifests", "", f"In `{manifests.get('dir')}`:", ""]
        out += [f"- `{name}`: `{info['sha256']}`" for name, info in manifests.get("files", {}).items()] + [""]
    return "\n".join(out).rstrip() + "\n"


def _context_lines(report: Mapping[str, Any]) -> list[str]:
    ctx = report.get("context") or {}
    git = ctx.get("git") or {}
    project = ctx.get("project") or {}
    out = [f"# Build report: {project.get('name') or Path(str(ctx.get('root', '.'))).name}", ""]
    facts = [
        ("run", report.get("run_id")),
        ("dynamic", report.get("dynamic")),
        ("version", project.get("version")),
        ("commit", git.get("commit")),
        ("branch", git.get("branch")),
        ("dirty", git.get("dirty")),
        ("python", (ctx.get("python") or {}).get("version")),
        ("platform", (ctx.get("platform") or {}).get("platform")),
        ("generated", report.get("generated_at")),
    ]
    return out + [f"- **{k}**: {v}" for k, v in facts if v is not None] + [""]


def _packages_lines(packages: Mapping[str, Any] | None) -> list[str]:
    out = ["## Packages", ""]
    if not packages:
        return out + ["Not run.", ""]
    iso = "isolated" if packages.get("isolated") else "not isolated"
    out += [
        f"Built in dependency order ({iso}: {packages.get('isolation_source')}).",
        "",
        "| # | package | version | seconds | files |",
        "|---|---|---|---|---|",
    ]
    for i, b in enumerate(packages.get("builds", []), start=1):
        files = ", ".join(Path(f).name for f in b.get("files", []))
        out.append(f"| {i} | {b['package']} | {_cell(b.get('version'))} | {b.get('duration', 0):.2f} | {files} |")
    return out + [""]


def _artifacts_lines(artifacts: list[Mapping[str, Any]] | None) -> list[str]:
    out = ["## Artifacts", ""]
    if not artifacts:
        return out + ["Not run.", ""]
    out += ["| artifact | version | size | sha256 |", "|---|---|---|---|"]
    for a in artifacts:
        out.append(f"| {a['filename']} | {a['version']} | {_size(a['size'])} | `{a['sha256']}` |")
    return out + [""]


def _conformity_lines(conformity: Mapping[str, Any] | None, thresholds: Mapping[str, Any] | None) -> list[str]:
    out = ["## Conformity", ""]
    if not conformity:
        out += ["Not run.", ""]
    else:
        out += ["| dimension | score | band |", "|---|---|---|"]
        for dim, info in conformity.get("scores", {}).items():
            out.append(f"| {dim} | {info['score']:.4f} | {info['band']} |")
        counts = conformity.get("counts", {})
        out += ["", "Violations: " + ", ".join(f"{k} {v}" for k, v in counts.items()), ""]
    if thresholds:
        verdict = "met" if not thresholds.get("failures") else "NOT met"
        out += [
            f"Thresholds at `{thresholds['dynamic']}` (minimum score {thresholds['min_score']}, "
            f"failing on {thresholds['fail_on']}): **{verdict}**.",
            "",
        ]
        out += [f"    {line}" for line in thresholds.get("failures", [])]
        if thresholds.get("failures"):
            out.append("")
    return out


def write_build_report(out_dir: Path, report: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write ``build-report.md`` and ``build-report.json`` into ``out_dir``; returns both paths."""
    out_dir = Path(out_dir)
    document = {"schema": REPORT_SCHEMA, **report}
    md = write_atomic(out_dir / "build-report.md", report_markdown(document))
    js = write_atomic(out_dir / "build-report.json", canonical_json(document))
    return md, js


def _copy(src: Path, dest: Path) -> list[Path]:
    if src.is_dir():  # "staging": the build's scratch space (and the files a build replaced), not its record
        shutil.copytree(src, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("staging"))
        return [p for p in dest.rglob("*") if p.is_file()]
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)
    return [dest]


def archive_build(
    archive_dir: Path, *, artifacts: Iterable[Path], manifests_dir: Path | None, run_dir: Path
) -> list[Path]:
    """Copy a build's artifacts, manifests and run folder (telemetry, logs, reports) under ``archive_dir``.

    Layout: ``artifacts/<file>``, ``manifests/...``, ``run/...``.  Returns the copied files.
    """
    archive_dir = Path(archive_dir)
    copied: list[Path] = []
    for artifact in artifacts:
        artifact = Path(artifact)
        copied += _copy(artifact, archive_dir / "artifacts" / artifact.name)
    if manifests_dir is not None and Path(manifests_dir).is_dir():
        copied += _copy(Path(manifests_dir), archive_dir / "manifests")
    run_dir = Path(run_dir)
    if run_dir.is_dir():
        copied += _copy(run_dir, archive_dir / "run")
    return copied
