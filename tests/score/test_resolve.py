"""The kernel's handler resolution: the one rule the run and the conformity checker apply.

The run's registry and the checker's source index are both thin adapters over
``resolve_handler``; these cases pin the rule itself, and its messages word for word.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pytest_symphony.score.model import Command, HandlerRef
from pytest_symphony.score.resolve import (
    BUILTIN,
    EXTERNAL,
    PROJECT,
    Candidates,
    ModuleFailure,
    no_handler,
    resolve_handler,
    suggest,
)

BUILD = "pytest_symphony.pipelines.build_handlers"


@dataclass(frozen=True)
class Fn:
    name: str
    module: str
    origin: str = PROJECT
    function: str = ""

    @property
    def identity(self):
        return (self.module, self.function or self.name)

    @property
    def place(self) -> str:
        return f"{self.module.replace('.', '/')}.py:3"


def candidates(*fns: Fn, modules=("handlers",), aliases=None, failed=None, plain=None) -> Candidates[Fn]:
    by_name: dict[str, list[Fn]] = {}
    for fn in fns:
        by_name.setdefault(fn.name, []).append(fn)
    return Candidates(by_name, modules, aliases, failed, plain)


def ref(text: str, command: Command | None = None) -> HandlerRef:
    module, _, name = text.rpartition("#")
    return HandlerRef(name=name, module=module or None, command=command)


PACK = Fn("pack", "handlers")


def test_a_bare_name_resolves_to_the_registered_project_handler():
    assert resolve_handler(ref("pack"), candidates(PACK)).handler is PACK


def test_a_built_in_handler_is_visible_only_inside_its_pipeline():
    built_in = Fn("buildPackage", BUILD, BUILTIN)
    found = resolve_handler(ref("buildPackage"), candidates(built_in))
    assert found.handler is None and found.problem.kind == "not found"
    assert resolve_handler(ref("buildPackage"), candidates(built_in), frozenset({BUILD})).handler is built_in


def test_a_project_handler_overrides_a_built_in_one_inside_the_pipeline():
    mine = Fn("buildPackage", "handlers")
    found = resolve_handler(
        ref("buildPackage"), candidates(Fn("buildPackage", BUILD, BUILTIN), mine), frozenset({BUILD})
    )
    assert found.handler is mine


def test_two_project_handlers_of_one_name_are_a_duplicate_never_a_choice():
    other = Fn("pack", "conftest", function="pack_it")
    found = resolve_handler(ref("pack"), candidates(PACK, other))
    assert found.handler is None and found.problem.kind == "duplicate"
    assert found.problem.message("sequences/r.yaml:7", "beat 1.1 'Pack'") == (
        "sequences/r.yaml:7: handler 'pack' is registered twice:\n  - handlers.py:3\n  - conftest.py:3\n"
        'Rename one of them or register it under another name with @handler("...").'
    )
    assert found.problem.line("sequences/r.yaml:7", "beat 1.1 'Pack'").startswith(
        "sequences/r.yaml:7: beat 1.1 'Pack': handler 'pack' is registered twice:"
    )


def test_a_plugin_handler_and_a_project_handler_of_one_name_are_a_duplicate_too():
    found = resolve_handler(ref("pack"), candidates(PACK, Fn("pack", "some_plugin", EXTERNAL)))
    assert found.problem.kind == "duplicate"


def test_the_same_function_registered_twice_is_one_handler():
    assert resolve_handler(ref("pack"), candidates(PACK, Fn("pack", "handlers"))).handler is PACK


@pytest.mark.parametrize("text", ["handlers#pack", "app.handlers#pack", "h#pack"])
def test_module_hash_func_picks_a_registered_handler_by_module_or_alias(text):
    found = resolve_handler(
        ref(text), candidates(Fn("pack", "app.handlers"), modules=("app.handlers",), aliases={"h": "app.handlers"})
    )
    assert found.handler is not None and found.handler.module == "app.handlers"


def test_module_hash_func_never_names_a_function_by_its_python_name():
    registered = Fn("loadCtx", "handlers", function="load_ctx")
    found = resolve_handler(ref("handlers#load_ctx"), candidates(registered))
    assert found.problem.kind == "not found" and found.problem.suggestions == ["loadCtx"]


def test_module_hash_func_stays_inside_the_project_modules():
    found = resolve_handler(ref(f"{BUILD}#buildPackage"), candidates(Fn("buildPackage", BUILD, BUILTIN)))
    assert found.problem.kind == "not found"


def test_a_declared_script_runs_its_command_unless_a_handler_has_the_name():
    script = Command(argv=("scripts/snap.py", "create"), interpreter="python")
    assert resolve_handler(ref("snap", script), candidates(PACK)).command is script
    assert resolve_handler(ref("pack", script), candidates(PACK)).handler is PACK


def test_not_found_says_what_is_close_and_what_to_do():
    found = resolve_handler(ref("PAKC"), candidates(PACK, Fn("packs", "handlers"), Fn("deploy", "handlers")))
    assert found.problem.suggestions == ["pack", "packs"]
    assert found.problem.message("sequences/r.yaml:7", "beat 1.1 'Pack'") == (
        "sequences/r.yaml:7: beat 1.1 'Pack' names handler 'PAKC', which no registered module provides.\n"
        "  did you mean: pack, packs?\n"
        "  Register it with @handler in a module listed in ini symphony_handlers, in a conftest.py, or through "
        "pytest_symphony_register_handlers."
    )
    assert found.problem.line("sequences/r.yaml:7", "beat 1.1 'Pack'") == (
        "sequences/r.yaml:7: beat 1.1 'Pack' names handler 'PAKC', which no registered module provides "
        "(did you mean: pack, packs?)"
    )


def test_suggestions_skip_built_in_names_a_spec_cannot_see():
    assert suggest("buildPackag", candidates(Fn("buildPackage", BUILD, BUILTIN))) == []
    assert suggest("buildPackag", candidates(Fn("buildPackage", BUILD, BUILTIN)), frozenset({BUILD})) == [
        "buildPackage"
    ]


def test_a_plain_function_of_the_name_is_named_but_never_run():
    def plain(module, name):
        return "handlers.py:9" if name == "pack" and module in (None, "handlers") else None

    found = resolve_handler(ref("pack"), candidates(modules=("handlers",), plain=plain))
    assert found.handler is None and found.problem.plain == "handlers.py:9"
    assert "which no registered module provides (handlers.py:9 defines it without @handler)." in found.problem.message(
        "r.yaml:7", "beat 1.1 'Pack'"
    )
    assert resolve_handler(ref("handlers#pack"), candidates(plain=plain)).problem.plain == "handlers.py:9"


def test_a_module_that_failed_to_import_is_named_instead_of_not_found():
    failed = {
        "handlers": ModuleFailure("handlers", None, "handlers.py:1: ImportError: no module named 'yaml2'"),
        "other": ModuleFailure("other", None, "other.py:2: NameError: x"),
    }
    found = resolve_handler(ref("pack"), candidates(failed=failed))
    assert found.problem.kind == "import failed"
    assert found.problem.message("r.yaml:7", "beat 1.1 'Pack'") == (
        "r.yaml:7: beat 1.1 'Pack' names handler 'pack', and a handler module of ini symphony_handlers could not "
        "be imported:\n  handlers: handlers.py:1: ImportError: no module named 'yaml2'\n  other: other.py:2: NameError: x\n"
        "  Fix the import; every other beat runs meanwhile."
    )
    only_its_own = resolve_handler(ref("handlers#pack"), candidates(failed=failed)).problem
    assert [f.module for f in only_its_own.failures] == ["handlers"]
    assert "and its module could not be imported" in only_its_own.message("r.yaml:7", "beat 1.1 'Pack'")
    assert only_its_own.line("r.yaml:7", "beat 1.1 'Pack'") == (
        "r.yaml:7: beat 1.1 'Pack' names handler 'handlers#pack', whose module could not be imported "
        "(handlers: handlers.py:1: ImportError: no module named 'yaml2')"
    )


def test_a_beat_without_a_handler():
    assert no_handler().message("r.yaml:7", "beat 1.1 'Pack'") == (
        "r.yaml:7: beat 1.1 'Pack' names no handler; add `handler: <name>` or `run: <command>`"
    )
    assert no_handler().line("r.yaml:7", "beat 1.1 'Pack'") == "r.yaml:7: beat 1.1 'Pack' names no handler"
