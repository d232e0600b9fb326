"""MANIFEST_MISMATCH: regenerate the build manifests from the specs of the day.

The manifests are generated into a temporary folder exactly as the build symphony's
``generateManifests`` beat writes them (canonical specs, packages, sequences, topics,
handlers, interactions, index), then offered as whole-file edits of the folder where the
project commits them (ini ``symphony_manifests``; nothing else is compared), so they go
through the same snapshot, atomic writes and re-check as every other fix.  Files the old manifests had and the new ones do not are
left alone.  Handlers resolve through the session's registry, so this fix needs a pytest
session (``pytest --symphony-fix``); the library call declines it.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from ...paths import shown_path
from ... import buildkit as bk
from ...conformity.codes import FixSafety
from ...conformity.violation import Edit, Violation
from ..context import FixContext
from ..plan import Declined, PlannedFix

__all__ = ["FIXERS", "regenerate"]


def regenerate(ctx: FixContext, out_dir: Path) -> None:
    """Write fresh manifests of the workspace into ``out_dir``."""
    root = ctx.root
    roots = [(root / p).resolve() for p in ctx.settings.spec_paths]
    files = [(p, shown_path(p, root), None) for p in bk.find_spec_files(roots)]
    entries = bk.load_specs(files, max_bytes=ctx.settings.max_spec_bytes)
    canonical = bk.write_canonical_specs(out_dir, entries)
    bk.generate_project_manifests(  # the project's handlers only, as the build writes committed manifests
        out_dir,
        root=root,
        entries=entries,
        registry=ctx.registry,
        canonical=canonical,
        commit=None,
        builtin_handlers=False,
    )


def manifest_mismatch(violations: list[Violation], ctx: FixContext) -> Iterator[PlannedFix | Declined]:
    if not violations:
        return
    if ctx.registry is None:
        yield from (
            Declined(
                v,
                "regenerating the manifests needs the session's handlers: run pytest --symphony-fix "
                "or pytest --symphony=build",
            )
            for v in violations
        )
        return
    manifest = ctx.settings.manifest_path
    if manifest is None:  # MANIFEST_MISMATCH compares committed manifests only
        yield from (Declined(v, "the project commits no manifests (ini symphony_manifests)") for v in violations)
        return
    folder = manifest.parent
    try:
        base = ctx.rel(folder)
    except ValueError:
        yield from (Declined(v, f"the manifests folder {folder} is outside the rootdir") for v in violations)
        return
    with tempfile.TemporaryDirectory(prefix="symphony-manifests-") as tmp:
        out = Path(tmp)
        if (folder / "domains.json").is_file():
            shutil.copy2(folder / "domains.json", out / "domains.json")
        try:
            regenerate(ctx, out)
        except Exception as exc:  # a broken pyproject, a spec the build cannot read, ...
            yield from (Declined(v, f"the manifests cannot be regenerated: {exc}") for v in violations)
            return
        edits = []
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            rel = f"{base}/{path.relative_to(out).as_posix()}"
            new = path.read_text(encoding="utf-8")
            old = ctx.text(rel)
            if old != new:
                edits.append(Edit(rel, 0, len(old or ""), new))
    yield PlannedFix(
        violations[0].code,
        tuple(violations),
        "regenerate the build manifests from the current specs",
        FixSafety.SAFE,
        tuple(edits),
    )


FIXERS = {"MANIFEST_MISMATCH": manifest_mismatch}
