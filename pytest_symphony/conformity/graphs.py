"""Dependency graphs: cycles among sequences and among the workspace's packages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from ..toml import tomllib

if TYPE_CHECKING:
    from .workspace import Workspace

__all__ = ["cycles", "workspace_packages"]


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Each cycle once, as its members in order, starting from the smallest member."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    sccs: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:  # Tarjan, iterative enough for spec graphs (small)
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                sccs.append(comp)

    for v in sorted(graph):
        if v not in index:
            strong(v)
    out = []
    for comp in sccs:
        members = set(comp)
        start = min(members)
        order = [start]
        while True:  # walk the cycle inside the component from its smallest member
            nxt = sorted(w for w in graph.get(order[-1], ()) if w in members and (w not in order or w == start))
            if not nxt or nxt[0] == start:
                break
            order.append(nxt[0])
        out.append(order)
    return sorted(out)


_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def workspace_packages(ws: Workspace) -> list[tuple[str, Path, set[str], int]]:
    """(name, pyproject path, dependency names, line of `dependencies`) of each package:
    the root project and ``[tool.symphony.build] packages`` globs."""
    root_py = ws.pyproject
    if root_py is None:
        return []
    globs = root_py[1].get("tool", {}).get("symphony", {}).get("build", {}).get("packages") or []
    paths = [root_py[0]]
    for pattern in globs if isinstance(globs, list) else []:
        pattern = str(pattern).strip().rstrip("/") or "."
        for found in [ws.root] if pattern in (".", "./") else sorted(ws.root.glob(pattern)):  # glob(".") raises
            candidate = found / "pyproject.toml" if found.is_dir() else found
            if candidate.name == "pyproject.toml" and candidate.is_file() and candidate.resolve() not in paths:
                paths.append(candidate.resolve())
    out = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, ValueError):
            continue
        project = data.get("project") or {}
        name = project.get("name")
        if not isinstance(name, str):
            continue
        deps = set()
        for req in project.get("dependencies") or []:
            m = _REQ_NAME.match(str(req))
            if m:
                deps.add(_canonical(m.group(1)))
        line = next((n for n, t in enumerate(text.splitlines(), 1) if t.strip().startswith("dependencies")), 1)
        out.append((_canonical(name), path, deps, line))
    return out
