"""Scanning a workspace's Python files: each once per content (cached by hash), in worker
processes when there are many, and the workspace modules handler and step modules import.

Apart from the engine so the engine reads as its steps: scan, check, suppress, score.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .cache import ScanCache, content_hash
from .checks.base import CheckRegistry, PythonCheck, load_refs
from .pyscan import scan_source
from .settings import ENGINE_VERSION
from .sources import PyInput, find_module, inside
from .syntax import FileScan
from .workspace import Workspace


def _scan_job(job: tuple[str, str, list[str]]) -> dict[str, Any]:
    """Worker-process entry: one file's scan, as plain data."""
    text, rel, refs = job
    return scan_source(text, rel, load_refs(refs)).to_dict()


def scan_python(
    ws: Workspace,
    registry: CheckRegistry,
    modules: list[PyInput],
    *,
    jobs: int | None,
    use_cache: bool,
    parallel_over: int,
) -> None:
    """Scan ``modules`` into ``ws`` (each file's scan, read errors, stats); in worker processes
    when more than ``parallel_over`` need scanning."""
    refs = registry.python_refs()
    key = content_hash(("\n".join([ENGINE_VERSION, *refs])).encode())[:16]
    cache = ScanCache(ws.settings.symphony_path, key) if use_cache else None
    pending: list[tuple[Any, str, str]] = []
    for py in modules:
        try:
            data = py.path.read_bytes()
            py.text = data.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            ws.errors.append((py.rel, 1, 1, f"cannot read the module: {exc}"))
            continue
        digest = content_hash(data)
        cached = cache.get(digest) if cache is not None else None
        if cached is not None:
            py.scan = cached
        else:
            pending.append((py, py.text, digest))
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    checks = registry.of(PythonCheck)
    if len(pending) > parallel_over and workers > 1:
        chunk = max(1, len(pending) // (workers * 4))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(_scan_job, [(text, py.rel, refs) for py, text, _ in pending], chunksize=chunk)
            scans = [FileScan.from_dict(r) for r in results]
    else:
        scans = [scan_source(text, py.rel, checks) for py, text, _ in pending]
    for (py, _, digest), scan in zip(pending, scans):
        py.scan = scan
        if cache is not None:
            cache.put(digest, scan)
    for py in modules:
        if py.scan is not None and py.scan.error is not None:
            e = py.scan.error
            ws.errors.append((py.rel, e["line"], e["col"], f"Python syntax error: {e['message']}"))
    ws.stats["scanned"] = ws.stats.get("scanned", 0) + len(pending)
    ws.stats["cached"] = ws.stats.get("cached", 0) + len(modules) - len(pending)
    ws.stats["lines"] = ws.stats.get("lines", 0) + sum(p.scan.lines for p in modules if p.scan is not None)


def support_modules(ws: Workspace) -> list[PyInput]:
    """Workspace modules that handler and step modules import (scanned for the names they
    define, so ``from helpers import missing`` is caught)."""
    known = {py.path for py in ws.python}
    found = []
    for py in list(ws.python):
        if py.scan is None or not ({"handler", "step"} & py.roles):
            continue
        for imp in py.scan.imports:
            if imp["level"] or not imp["module"]:
                continue
            path = find_module(imp["module"], ws.root)
            if path is None or path in known or not inside(path, ws.root):
                continue
            known.add(path)
            support = PyInput(path, ws.rel(path), imp["module"], {"support"})
            ws.python.append(support)
            found.append(support)
    return found
