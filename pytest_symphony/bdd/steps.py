"""Step definitions: where they come from, how a scenario's steps run, what a missing one says.

Step definitions are pytest-bdd's own (``@given/@when/@then``, parsers, converters,
``target_fixture``, fixtures as arguments): pytest-bdd registers each as a fixture, so
they come from conftest.py files as usual and from the modules of ini
``symphony_step_defs``, which are imported and registered as plugins (global fixtures).

Running a step goes through pytest-bdd's ``get_step_function`` and
``_execute_step_function``, so its hooks (``pytest_bdd_before_step`` ...) fire as
with ``scenarios()``; this module only times each step and writes its outcome down.
"""

from __future__ import annotations

import difflib
import inspect
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Iterable

import pytest
from pytest_bdd import parsers
from pytest_bdd.exceptions import StepDefinitionNotFoundError
from pytest_bdd.scenario import _execute_step_function, get_step_function
from pytest_bdd.steps import StepFunctionContext, StepNamePrefix, step_function_context_registry

from ..project_import import import_by_path, import_mode

if TYPE_CHECKING:
    from pytest_bdd.parser import Feature, Scenario, Step


class StepNotFound(StepDefinitionNotFoundError):
    """No step definition matches a step; the message names the step, its line, the closest patterns."""


# -- where step definitions come from ----------------------------------------------
def import_step_modules(config: pytest.Config, roots: Iterable[Path]) -> list[ModuleType]:
    """Import every ``*.py`` directly in each folder and register it as a plugin (its steps become global).

    Imported the way pytest's import mode imports a test module in that folder (see
    ``project_import``), so ``sys.path`` changes only where the project's mode asks for it.
    """
    rootdir = config.rootpath
    mode = import_mode(config)
    modules = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.glob("*.py")):
            if path.name in ("__init__.py", "conftest.py"):
                continue
            try:
                module = import_by_path(path, rootdir, mode)
            except Exception as exc:
                where = _display(path, rootdir)
                if isinstance(exc, SyntaxError) and exc.lineno:
                    where += f":{exc.lineno}"
                raise pytest.UsageError(
                    f"ini symphony_step_defs: cannot import {where} ({type(exc).__name__}: {exc}); "
                    "fix the module, or point symphony_step_defs at another folder"
                ) from exc
            if not config.pluginmanager.is_registered(module):
                config.pluginmanager.register(module, f"symphony-step-defs:{_display(path, rootdir)}")
            modules.append(module)
    return modules


def _display(path: Path, rootdir: Path) -> str:
    try:
        return path.relative_to(rootdir).as_posix()
    except ValueError:
        return str(path)


def session_step_definitions(config: pytest.Config) -> list[StepFunctionContext]:
    """The step definitions of this session's plugins: conftest.py files, step modules, pytest-bdd.

    The scaffold asks whether any matches a step; step definitions other sessions of
    this process imported (pytester runs) are not this session's.
    """
    namespaces = {id(vars(p)) for p in config.pluginmanager.get_plugins() if isinstance(p, ModuleType)}
    return [
        context
        for context in step_function_context_registry.values()
        if id(getattr(inspect.unwrap(context.step_func), "__globals__", None)) in namespaces
    ]


def visible_step_definitions(node: pytest.Item) -> list[StepFunctionContext]:
    """The step definitions pytest would let this item use (conftest scoping included)."""
    manager = node.session._fixturemanager
    try:
        from pytest_bdd.compat import get_fixture_names, getfixturedefs

        names = get_fixture_names(manager)
    except ImportError:  # pytest-bdd 8
        from pytest_bdd.compat import getfixturedefs

        names = list(manager._arg2fixturedefs)  # type: ignore[attr-defined]  # pytest < 9 only
    found: dict[int, StepFunctionContext] = {}
    for name in names:
        if not name.startswith(StepNamePrefix.step_def.value):
            continue
        for fixturedef in getfixturedefs(manager, name, node) or ():
            context = step_function_context_registry.get(fixturedef.func)
            if context is not None:
                found.setdefault(id(context), context)
    return list(found.values())


def matches(context: StepFunctionContext, step_type: str, text: str) -> bool:
    return context.type in (None, step_type) and bool(context.parser.is_matching(text))


# -- running a scenario's steps ----------------------------------------------------
@dataclass
class StepResult:
    """One step's outcome, as plain data: travels on the report to telemetry and cucumber JSON."""

    keyword: str
    name: str
    line: int
    type: str
    status: str = "skipped"  # passed, failed, skipped (not reached) or undefined (no definition)
    duration_ms: float = 0.0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "keyword": self.keyword,
            "name": self.name,
            "line": self.line,
            "type": self.type,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "error": self.error,
        }


@dataclass
class StepJournal:
    steps: list[StepResult] = field(default_factory=list)

    @classmethod
    def of(cls, scenario: "Scenario") -> "StepJournal":
        return cls([StepResult(s.keyword, s.name, s.line_number, s.type) for s in scenario.steps])


def run_scenario(
    request: pytest.FixtureRequest,
    feature: "Feature",
    scenario: "Scenario",
    journal: StepJournal,
    *,
    dry_run: bool = False,
) -> None:
    """Run (or, with ``dry_run``, only resolve) each step in order; the first failure stops the scenario."""
    __tracebackhide__ = True
    hook = request.config.hook
    hook.pytest_bdd_before_scenario(request=request, feature=feature, scenario=scenario)
    try:
        for result, step in zip(journal.steps, scenario.steps, strict=True):
            context = get_step_function(request=request, step=step)
            if context is None:
                result.status = "undefined"
                exc = StepNotFound(missing_step_message(request.node, scenario, step))
                result.error = str(exc)
                hook.pytest_bdd_step_func_lookup_error(
                    request=request, feature=feature, scenario=scenario, step=step, exception=exc
                )
                raise exc
            if dry_run:
                continue
            start = time.perf_counter()
            try:
                _execute_step_function(request, scenario, step, context)
            except pytest.skip.Exception:
                result.status = "skipped"
                raise
            except BaseException as exc:
                result.status = "failed"
                result.error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                result.duration_ms = round((time.perf_counter() - start) * 1000, 3)
            result.status = "passed"
    finally:
        hook.pytest_bdd_after_scenario(request=request, feature=feature, scenario=scenario)


# -- what a missing step says --------------------------------------------------------
def missing_step_message(node: pytest.Item, scenario: "Scenario", step: "Step") -> str:
    rootdir = node.config.rootpath
    where = _display(Path(scenario.feature.filename), rootdir)
    lines = [
        f"{where}:{step.line_number}: no step definition matches {step.keyword} {step.name!r}",
        f"  (a {step.type} step of scenario {scenario.name!r}, {where}:{scenario.line_number})",
    ]
    definitions = [c for c in visible_step_definitions(node) if not _builtin(c)]
    other_type = [c for c in definitions if c.parser.is_matching(step.name) and c.type not in (None, step.type)]
    for context in other_type:
        lines.append(
            f"  {_pattern(context)} matches this text, but it is a {context.type} step "
            f"({_location(context, rootdir)}); change the keyword or use @step"
        )
    closest = _closest(step.name, [c for c in definitions if c not in other_type])
    if closest:
        lines.append("  closest step patterns:")
        lines += [f"    {_pattern(c)}  {_location(c, rootdir)}" for c in closest]
    elif definitions:
        lines.append(f"  none of the {len(definitions)} step patterns visible to this scenario comes close")
    else:
        lines.append("  no step definitions are visible to this scenario")
    lines.append(
        f"  define it with @{step.type}({step.name!r}) in a module of ini symphony_step_defs "
        "(default step_defs/) or in a conftest.py"
    )
    return "\n".join(lines)


def _closest(text: str, definitions: list[StepFunctionContext], limit: int = 3) -> list[StepFunctionContext]:
    scored = []
    for context in definitions:
        ratio = difflib.SequenceMatcher(None, text.lower(), str(context.parser.name).lower()).ratio()
        if ratio >= 0.5:
            scored.append((ratio, str(context.parser.name), context))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [context for _, _, context in scored[:limit]]


def _builtin(context: StepFunctionContext) -> bool:
    """pytest-bdd's own ``trace`` steps: never what a missing step meant."""
    return getattr(context.step_func, "__module__", "") == "pytest_bdd.plugin"


def _pattern(context: StepFunctionContext) -> str:
    kind = context.type or "step"
    parser = context.parser
    if type(parser) is parsers.string:
        return f"@{kind}({parser.name!r})"
    return f"@{kind}(parsers.{type(parser).__name__}({parser.name!r}))"


def _location(context: StepFunctionContext, rootdir: Path) -> str:
    func = inspect.unwrap(context.step_func)
    try:
        path = Path(inspect.getsourcefile(func) or "")
        line = func.__code__.co_firstlineno
    except (TypeError, AttributeError):
        return ""
    try:
        shown = path.resolve().relative_to(rootdir).as_posix()
    except ValueError:
        shown = os.fspath(path)
    return f"{shown}:{line}"
