"""A handler reference resolved alike by a run and by the conformity checker, in one session.

Each case is a project run with ``symphony_conformity = true``: the beat's outcome is the
run's verdict, the conformity report (``--symphony-format=json``) the checker's, both from
the kernel's ``resolve_handler``.  The cases are the ones where the two used to disagree.
"""

from __future__ import annotations

import json
import textwrap

import pytest

SPEC = """
id: release
name: Release
movements:
  - name: Build
    beats:
      - name: Load
        handler: {ref}
"""


def _run(project, pytester, handlers: str, ref: str, spec: str = SPEC):
    project.ini("symphony_conformity = true")
    project.spec("release.yaml", spec.format(ref=ref))
    pytester.makepyfile(handlers=textwrap.dedent(handlers))
    result = project.run("-p", "no:randomly", "--symphony-format=json", "--symphony-output=conformity.json")
    report = json.loads((pytester.path / "conformity.json").read_text())
    found = {(v["code"], v["location"]["path"], v["location"]["line"]) for v in report["violations"]}
    return result, found


NAMED = """
from pytest_symphony import handler


@handler("loadCtx")
def load_ctx():
    return {}
"""


@pytest.mark.parametrize("ref", ["handlers#load_ctx", "load_ctx"])
def test_a_handler_is_named_by_its_registered_name_not_its_python_name(project, pytester, ref):
    result, found = _run(project, pytester, NAMED, ref)
    result.stdout.fnmatch_lines(
        [
            f"*sequences/release.yaml:6: beat 1.1 'Load' names handler '{ref}', which no registered module provides.",
            "*did you mean: loadCtx?",
        ]
    )
    assert ("HANDLER_NOT_FOUND", "sequences/release.yaml", 7) in found  # the checker said it resolved


def test_a_declared_script_runs_and_is_no_missing_handler(project, pytester):
    pytester.mkdir("scripts")
    (pytester.path / "scripts" / "snap.py").write_text("print('snapshot taken')\n")
    spec = SPEC.replace("handler: {ref}", "handler: snap") + "handlers:\n  snap: {{script: scripts/snap.py}}\n"
    result, found = _run(project, pytester, "", "snap", spec)
    result.assert_outcomes(passed=3)  # the beat, and the checked spec and handler module
    assert not {f for f in found if f[0] == "HANDLER_NOT_FOUND"}  # the checker said no module provides it


def test_a_handler_of_a_module_that_failed_to_import_is_missing_on_both_sides(project, pytester):
    broken = "from pytest_symphony import handler\n\nraise RuntimeError('no config')\n\n\n@handler\ndef load():\n    return {}\n"
    result, found = _run(project, pytester, broken, "load")
    result.stdout.fnmatch_lines(
        [
            "*beat 1.1 'Load' names handler 'load', and a handler module of ini symphony_handlers could not be imported:",
            "*handlers: *handlers.py:3: RuntimeError: no config",
        ]
    )
    assert ("HANDLER_NOT_FOUND", "sequences/release.yaml", 7) in found  # the checker read the handler in the source


def test_a_plain_function_is_never_run_and_both_sides_point_at_it(project, pytester):
    plain = "def load():\n    return {}\n"
    result, found = _run(project, pytester, plain, "load")
    result.stdout.fnmatch_lines(
        [
            "*beat 1.1 'Load' names handler 'load', which no registered module provides "
            f"({pytester.path / 'handlers.py'}:1 defines it without @handler).",
        ]
    )
    assert ("TELEMETRY_NOT_INSTRUMENTED", "handlers.py", 1) in found


def test_the_checker_suggests_the_names_the_run_suggests(tmp_path):
    """``HandlerIndex.suggestions`` (the checker, from source) and the live registry's agree,
    case-insensitively, built-in names out of a project spec's sight."""
    from pytest_symphony.conformity.engine import prepare_workspace
    from pytest_symphony.conformity.testing import write_files
    from pytest_symphony.runtime.registry import HandlerRegistry
    from pytest_symphony.score.model import HandlerRef

    source = NAMED + "\n\n@handler\ndef loadCache():\n    return {}\n"
    write_files(tmp_path, {"pytest.ini": "[pytest]\nsymphony_handlers = kernel_named\n", "kernel_named.py": source})
    ws = prepare_workspace(tmp_path, use_cache=False)
    namespace: dict = {}
    exec(compile(source, "kernel_named.py", "exec"), namespace)
    registry = HandlerRegistry()
    registry.add(namespace["load_ctx"], "loadCtx")
    registry.add(namespace["loadCache"])
    for written in ("LOADCTX", "loadctx", "load"):
        assert ws.handlers.suggestions(HandlerRef(written)) == registry.suggestions(written)
    assert ws.handlers.suggestions(HandlerRef("LOADCTX"))[0] == "loadCtx"
