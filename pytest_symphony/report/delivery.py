"""Movement 6 of the report: render the formats, write them, archive them with their run.

The newest reports live in the report folder (``--symphony-report-dir``, default
``<symphony_dir>/reports``); a copy of each goes to ``<symphony_dir>/runs/<run id>/reports/``
so every run keeps the reports it wrote, and the history records each copy as an
artifact of the run (name, schema version, size, sha256, path, kind "report").
Files are written to a temporary name first and moved into place, so a reader never
sees half a report.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

from ..telemetry.store import HistoryStore
from .work import FILE_NAMES, FORMATS, SCHEMA_VERSION, ReportError, ReportWork


def renderers() -> dict[str, Callable[[Mapping[str, Any]], str]]:
    from .dashboard import render_dashboard
    from .json_report import render_json
    from .markdown import render_markdown

    return {"md": render_markdown, "json": render_json, "html": render_dashboard}


def parse_formats(text: str | None, *, source: str = "--symphony-report") -> tuple[str, ...]:
    """``md,json,html`` (any order, ``all`` for every one) to a tuple in canonical order."""
    names = {n.strip().lower() for n in (text or "").replace(" ", ",").split(",") if n.strip()}
    if "all" in names:
        names = set(FORMATS) | (names - {"all"})
    aliases = {"markdown": "md", "dashboard": "html"}
    names = {aliases.get(n, n) for n in names}
    unknown = sorted(names - set(FORMATS))
    if unknown:
        raise ReportError(
            f"{source}: unknown report format {', '.join(map(repr, unknown))}; "
            f"use a comma-separated list of {', '.join(FORMATS)} (or all)"
        )
    return tuple(f for f in FORMATS if f in names)


def render(work: ReportWork, fmt: str) -> str:
    """Render one format once; later calls reuse the text."""
    if fmt not in work.rendered:
        work.rendered[fmt] = renderers()[fmt](work.report)
    return work.rendered[fmt]


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise ReportError(
            f"{path}: cannot write the report ({exc}); check the folder is writable "
            "or choose another with --symphony-report-dir"
        ) from exc
    return path


def write_format(work: ReportWork, fmt: str, report_dir: Path) -> Path:
    return write_text(report_dir / FILE_NAMES[fmt], render(work, fmt))


def archive(paths: list[Path], archive_dir: Path, *, history_path: Path | None, run_id: str) -> list[Path]:
    """Copy reports next to their run and record each copy in the history as an artifact."""
    copies = []
    for path in paths:
        target = archive_dir / path.name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        except OSError as exc:
            raise ReportError(f"{target}: cannot archive the report ({exc})") from exc
        copies.append(target)
    if history_path is not None and history_path.is_file():
        with HistoryStore(history_path) as store:
            store.add_artifacts(run_id, [artifact(p) for p in copies])
    return copies


def artifact(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    kind = {".md": "markdown", ".json": "json", ".html": "html"}.get(path.suffix, "file")
    return {
        "name": path.name,
        "version": SCHEMA_VERSION,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "path": str(path),
        "kind": f"report-{kind}",
    }


def deliver(
    work: ReportWork, formats: tuple[str, ...], report_dir: Path, *, archive_dir: Path | None, run_id: str
) -> list[Path]:
    """Render, write and archive ``formats``; returns every file written."""
    written = [write_format(work, fmt, report_dir) for fmt in formats]
    if archive_dir is not None:
        written += archive(written, archive_dir, history_path=work.context.history_path, run_id=run_id)
    return written
