"""The conformity engine: read the workspace, scan every Python file once (cached, in
parallel when there are many), run every check, apply suppressions, score.

    from pytest_symphony.conformity.engine import check_workspace
    result = check_workspace(Path("."))                              # outside pytest: as pytest reads the folder
    result = check_workspace(root, inputs=session_inputs(config))    # inside pytest (conformity.gather)

The engine reads what it is handed (:class:`.inputs.EngineInputs`: settings, the built-in
pipelines a run names, the handler registry, fixtures, the feature reader, the checks) and
the workspace's files; it never looks up a pytest session itself.

A check that raises is a bug in that check: the others still run, and the error is in
``EngineResult.errors`` (and fails the run's conformity items), never lost.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any, Iterable, Mapping

import pytest

from . import lock
from .checks.base import CheckRegistry, PythonCheck, SpecCheck, WorkspaceCheck
from .checks.places import beat_list_key
from .codes import Dimension
from .features import BddIndex
from .handlers import HandlerIndex
from .inputs import PROVIDER, EngineInputs
from .result import EngineResult, FileFindings
from .scanning import scan_python, support_modules
from .scores import score_all
from .settings import Settings
from .sources import SpecInput
from .suppress import SPEC_MEMBER, Suppression, apply_suppressions, comment_suppressions, spec_suppressions
from .violation import Checked, Edit, Fix, Place, Violation, dedupe
from .workspace import Workspace

__all__ = [
    "EngineResult",
    "approve",
    "FileFindings",
    "check_workspace",
    "prepare_workspace",
    "PARALLEL_THRESHOLD",
    "PYTEST_FIXTURES",
]

#: More Python files than this are scanned in worker processes.
PARALLEL_THRESHOLD = 200

#: Fixtures pytest itself provides (used when no session can say which exist).
PYTEST_FIXTURES = frozenset(
    {
        "request",
        "tmp_path",
        "tmp_path_factory",
        "tmpdir",
        "tmpdir_factory",
        "monkeypatch",
        "capsys",
        "capsysbinary",
        "capfd",
        "capfdbinary",
        "capteesys",
        "caplog",
        "recwarn",
        "pytestconfig",
        "record_property",
        "record_xml_attribute",
        "record_testsuite_property",
        "cache",
        "doctest_namespace",
        "subtests",
        "symphony",
        "beat",
    }
)


# -- preparing -----------------------------------------------------------------------------


def _fixtures(ws: Workspace, known: Iterable[str]) -> set[str]:
    names = set(PYTEST_FIXTURES) | set(known)
    for py in ws.python:
        if py.scan is not None and "conftest" in py.roles:
            names.update(f["fixture"] for f in py.scan.functions if f.get("fixture"))
            for f in py.scan.functions:
                for step in f.get("steps", ()):
                    if step.get("target_fixture"):
                        names.add(step["target_fixture"])
    return names


def _inputs(root: Path, config: pytest.Config | None, registry: Any) -> EngineInputs:
    """The inputs of a caller that passed none: the ones its pytest session provides
    (:data:`.inputs.PROVIDER`, set by the conformity plugin), or, outside pytest, the folder's."""
    if config is None:
        return EngineInputs.for_root(root, registry=registry)
    provider = config.stash.get(PROVIDER, None)
    if provider is not None:
        return provider(registry=registry)
    return EngineInputs(Settings.from_config(config), registry=registry)


def prepare_workspace(
    root: Path,
    *,
    inputs: EngineInputs | None = None,
    config: pytest.Config | None = None,
    registry: Any = None,
    paths: Iterable[Path] | None = None,
    checks: CheckRegistry | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
) -> Workspace:
    """Read and index the workspace (what the checks and ``--symphony-approve`` need)."""
    inputs = inputs if inputs is not None else _inputs(Path(root), config, registry)
    if Path(root).resolve() != inputs.settings.root:
        inputs.settings.root = Path(root).resolve()
    checks = checks if checks is not None else (inputs.checks if inputs.checks is not None else CheckRegistry())
    ws = Workspace(inputs).load(paths=paths)
    scan_python(ws, checks, list(ws.python), jobs=jobs, use_cache=use_cache, parallel_over=PARALLEL_THRESHOLD)
    scan_python(ws, checks, support_modules(ws), jobs=jobs, use_cache=use_cache, parallel_over=PARALLEL_THRESHOLD)
    ws.fixtures = _fixtures(ws, inputs.fixtures)
    ws.handlers = HandlerIndex.build(ws)
    ws.bdd = BddIndex.build(ws)
    return ws


# -- checking ------------------------------------------------------------------------------


def _handler_functions(ws: Workspace) -> dict[str, set[str]]:
    """Module rel path -> names of its functions that are handlers (decorated, or what a
    beat reference resolves to)."""
    out: dict[str, set[str]] = {}
    for py in ws.python:
        if py.scan is not None:
            out[py.rel] = {f["name"] for f in py.scan.functions if f["handler"]}
    for spec in ws.loaded():
        refs = [ref for b in spec.sequence.beats for ref in b.handlers]
        if spec.sequence.rollback is not None:
            refs.append(spec.sequence.rollback)
        for ref in refs:
            d = ws.handlers.resolve(ref, spec)
            if d is not None and d.path is not None:
                out.setdefault(d.path, set()).add(d.function)
    return out


def _python_violations(ws: Workspace, registry: CheckRegistry) -> list[Violation]:
    by_code = {c.code: c for c in registry.of(PythonCheck)}
    handlers = _handler_functions(ws)
    out = []
    for py in ws.python:
        if py.scan is None:
            continue
        own = handlers.get(py.rel, set())
        for f in py.scan.findings:
            check = by_code.get(f["code"])
            if check is None or (check.HANDLERS_ONLY and f["function"] not in own):
                continue
            fix = None
            if f["fix"] is not None:
                edits = f["fix"]["edits"]
                fix = Fix(
                    f["fix"]["description"],
                    f["fix"]["safety"],
                    None if edits is None else tuple(Edit(py.rel, e["start"], e["end"], e["text"]) for e in edits),
                )
            end_line = f.get("end_line")
            end_col = f.get("end_col") if end_line else None
            if end_line is not None and (end_line < f["line"] or (end_line == f["line"] and (end_col or 0) < f["col"])):
                end_line = end_col = None
            out.append(
                Violation(f["code"], f["message"], Place(py.rel, f["line"], f["col"], end_line, end_col), fix=fix)
            )
    return out


def _run_checks(ws: Workspace, registry: CheckRegistry) -> list[Violation]:
    found: list[Violation] = []
    for check_cls in registry:
        check = check_cls()
        try:
            if isinstance(check, WorkspaceCheck):
                found.extend(check.check(ws))
            if isinstance(check, SpecCheck):
                for spec in ws.loaded():
                    if spec.builtin and not check.BUILTIN:
                        continue
                    found.extend(check.check_sequence(spec, ws))
        except Exception as exc:  # a bug in one check must not hide the others' findings
            where = traceback.extract_tb(exc.__traceback__)[-1]
            ws.errors.append(
                (
                    "",
                    1,
                    1,
                    f"check {check_cls.code} failed: {type(exc).__name__}: {exc} "
                    f"({Path(where.filename).name}:{where.lineno})",
                )
            )
    found.extend(_python_violations(ws, registry))
    return found


def _suppressions(ws: Workspace) -> list[Suppression]:
    out: list[Suppression] = []
    for py in ws.python:
        if py.text and "symphony:" in py.text:
            out.extend(comment_suppressions(py.rel, py.text, "python"))
    for feature in ws.features:
        if feature.text and "symphony:" in feature.text:
            out.extend(comment_suppressions(feature.rel, feature.text, "gherkin"))
    for spec in ws.specs:
        raw = spec.raw
        if not isinstance(raw, Mapping) or not spec.text or SPEC_MEMBER not in spec.text:
            continue
        out.extend(spec_suppressions(spec.rel, raw, _member_lines(spec, raw)))
    return out


def _member_lines(spec: SpecInput, raw: Mapping[str, Any]) -> dict[str, int]:
    """JSON pointer of each ``x-symphony-ignore`` member of ``raw`` (the spec's mapping) -> its line."""
    lines: dict[str, int] = {}
    objects: list[tuple[str, Any]] = [("", raw)]
    for mi, m in enumerate(raw.get("movements") or []):
        if isinstance(m, Mapping):
            objects.append((f"/movements/{mi}", m))
            key = beat_list_key(m)
            for bi, b in enumerate(m.get(key) or []):
                if isinstance(b, Mapping):
                    objects.append((f"/movements/{mi}/{key}/{bi}", b))
    for pointer, obj in objects:
        if SPEC_MEMBER in obj:
            line, _ = spec.map.place_of(obj, SPEC_MEMBER)
            lines[f"{pointer}/{SPEC_MEMBER}"] = line
    return lines


def _checked(ws: Workspace, found: list[Violation]) -> Checked:
    checked = Checked()
    seqs = [s.sequence for s in ws.loaded()]
    checked.add(Dimension.ORCHESTRATION, len(ws.specs) + len(seqs) + sum(len(s.movements) + len(s.beats) for s in seqs))
    # handler functions, and each beat (its path fields are checked for hardcoded paths)
    checked.add(
        Dimension.HANDLER,
        sum(1 for d in ws.handlers.all() if d.source is not None or d.origin == "project")
        + sum(len(s.beats) for s in seqs),
    )
    project = [s.sequence for s in ws.loaded() if not s.builtin]
    checked.add(Dimension.TRACEABILITY, sum(len(s.beats) for s in project) + sum(1 for _ in ws.bdd.scenarios))
    governance = len(seqs) + len(ws.lock.get("files", {}) if ws.lock else ())
    for s in seqs:
        gov = s.governance if isinstance(s.governance, Mapping) else {}
        for key in ("policies", "metrics"):
            if isinstance(gov.get(key), list):
                governance += len(gov[key])
    checked.add(Dimension.GOVERNANCE, governance)
    dependency = sum(len(p.scan.imports) for p in ws.python if p.scan is not None and not p.builtin)
    if ws.pyproject is not None:
        deps = (ws.pyproject[1].get("project") or {}).get("dependencies") or []
        dependency += len(deps) if isinstance(deps, list) else 0
    checked.add(Dimension.DEPENDENCY, dependency)
    return checked


def _inactive(ws: Workspace) -> set[str]:
    """Codes whose checks had nothing to compare with (a suppression of them is not unused)."""
    out = set()
    if ws.lock is None:
        out |= {"UNAUTHORIZED_CHANGE", "BREAKING_CHANGE_DETECTED"}
        ws.notes.append(
            f"no {ws.settings.lock_path.name}: UNAUTHORIZED_CHANGE and BREAKING_CHANGE_DETECTED were not checked; "
            "approve the workspace with pytest --symphony-approve"
        )
    if ws.history is None:
        out |= {"TIMING_CONSTRAINT_VIOLATED", "METRIC_NOT_TRACKED"}
    if ws.registry is None:
        out |= {"DOMAIN_NOT_FOUND", "ORPHANED_DOMAIN_REFERENCE"}
    if ws.settings.manifest_path is None or not ws.settings.manifest_path.is_file():
        out.add("MANIFEST_MISMATCH")
    return out


def check_workspace(
    root: Path,
    *,
    inputs: EngineInputs | None = None,
    config: pytest.Config | None = None,
    registry: Any = None,
    paths: Iterable[Path] | None = None,
    checks: CheckRegistry | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
) -> EngineResult:
    """Check the workspace at ``root``.

    ``inputs``: what the caller hands the engine (see :class:`.inputs.EngineInputs`;
    :func:`.gather.session_inputs` inside pytest).  Without them: ``config``, a pytest config
    whose session provides them, or nothing, and the settings are those pytest reads for
    ``root``.  ``registry``: a ``HandlerRegistry`` to resolve handlers with.  ``paths``:
    more files or folders to check (specs, ``.py`` as handler modules, ``.feature``).
    ``jobs``: worker processes for the Python scan (default: one per CPU, used above
    :data:`PARALLEL_THRESHOLD` files).  ``use_cache``: reuse cached scans.
    """
    inputs = inputs if inputs is not None else _inputs(Path(root), config, registry)
    checks = checks if checks is not None else (inputs.checks if inputs.checks is not None else CheckRegistry())
    ws = prepare_workspace(Path(root), inputs=inputs, paths=paths, checks=checks, jobs=jobs, use_cache=use_cache)
    try:
        found = dedupe(_run_checks(ws, checks))
        inactive = _inactive(ws)
        split = apply_suppressions(found, _suppressions(ws), active=checks.codes - inactive)
        checked = _checked(ws, found)
        files = {s.rel for s in ws.specs if not s.builtin}
        files |= {p.rel for p in ws.python if not p.builtin and p.roles != {"support"}}
        files |= {f.rel for f in ws.features}
        for extra in (
            ws.settings.registry_path if ws.registry is not None else None,
            ws.settings.lock_path if ws.lock is not None else None,
            ws.pyproject[0] if ws.pyproject is not None else None,
        ):
            if extra is not None:
                files.add(ws.rel(extra))
        files |= {v.place.path for v in split.kept + split.suppressed}
        files |= {s.rel for s in ws.specs if s.builtin}
        files |= {p.rel for p in ws.python if p.builtin}
        return EngineResult(
            violations=split.kept,
            suppressed=split.suppressed,
            unused_suppressions=split.unused,
            checked=checked,
            scores=score_all(split.kept, checked),
            files=sorted(files),
            threshold=ws.settings.fail_on,
            notes=list(dict.fromkeys(ws.notes)),
            errors=list(ws.errors),
            root=ws.root,
            stats=dict(ws.stats),
        )
    finally:
        ws.close()


def approve(root: Path, *, inputs: Any = None) -> tuple[Path, bool, dict[str, list[str]]]:
    """Write ``symphony.lock`` for the workspace as it is now.

    ``inputs``: the engine's (:class:`.inputs.EngineInputs`; default: read for ``root``).
    Returns (lock path, whether it changed, {"added": [...], "changed": [...], "removed": [...]}).
    """
    ws = prepare_workspace(Path(root), inputs=inputs)
    try:
        path = ws.settings.lock_path
        try:
            before = (lock.read_lock(path) or {}).get("files", {})
        except ValueError:
            before = {}
        data = lock.build_lock(ws)
        now = data["files"]
        diff = {
            "added": sorted(set(now) - set(before)),
            "changed": sorted(k for k in set(now) & set(before) if now[k] != before[k]),
            "removed": sorted(set(before) - set(now)),
        }
        changed = lock.write_lock(path, data)
        return path, changed, diff
    finally:
        ws.close()
