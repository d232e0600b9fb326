"""The one walk of a Python file: positions agree with libcst's PositionProvider, and
the facts the checks read (functions, parameters, imports and their guards, steps)."""

from __future__ import annotations

import inspect
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

import _pytest.fixtures
import _pytest.python
from pytest_symphony.conformity.checks.base import PythonCheck
from pytest_symphony.conformity.pyscan import scan_source


class Everything(PythonCheck):
    """Reports every node of the kinds real checks report on."""

    code = "EXCEPTION_SWALLOWED"

    def visit_FunctionDef(self, node, ctx):
        self.report(ctx, node, "f")

    def visit_ExceptHandler(self, node, ctx):
        self.report(ctx, node, "e")

    def visit_SimpleString(self, node, ctx):
        self.report(ctx, node, "s")

    def visit_Expr(self, node, ctx):
        self.report(ctx, node, "x")


def _expected(source: str) -> list[tuple[str, int, int, int, int]]:
    wrapper = MetadataWrapper(cst.parse_module(source))
    positions = wrapper.resolve(PositionProvider)
    kinds = {cst.FunctionDef: "f", cst.ExceptHandler: "e", cst.SimpleString: "s", cst.Expr: "x"}
    out = []
    for node, where in positions.items():
        kind = kinds.get(type(node))
        if kind:
            out.append((kind, where.start.line, where.start.column + 1, where.end.line, where.end.column + 1))
    return sorted(out)


@pytest.mark.parametrize("module", [_pytest.fixtures, _pytest.python], ids=lambda m: m.__name__)
def test_positions_match_libcst_on_real_files(module):
    source = Path(inspect.getfile(module)).read_text(encoding="utf-8")
    scan = scan_source(source, "m.py", [Everything])
    got = sorted((f["message"], f["line"], f["col"], f["end_line"], f["end_col"]) for f in scan.findings)
    assert got == _expected(source)
    assert len(got) > 300


def test_offsets_index_the_text():
    source = "def f():\n    try:\n        g()\n    except OSError:\n        pass  # ok\n"
    scan = scan_source(source, "m.py", [Everything])
    (handler,) = [f for f in scan.findings if f["message"] == "e"]
    assert source[handler["start"] : handler["end"]].startswith("except OSError:")


SOURCE = '''\
"""Doc."""
from __future__ import annotations

import os.path as osp
from typing import TYPE_CHECKING

from pytest_bdd import given, parsers, then
from pytest_symphony import handler as h

try:
    import ujson as json
except ImportError:
    import json

if TYPE_CHECKING:
    from nowhere import Thing

LIMIT = 3


class Helper:
    def method(self):
        pass


@h("buildIt")
async def build(symphony, tmp_path, /, fmt="wheel", *args, key, **kw):
    symphony.emit("built", n=1)
    await symphony.emit("awaited")


@given(parsers.parse("{n:d} files"), target_fixture="files")
def files(n):
    """Only a docstring."""


@then("done")
def done():
    raise NotImplementedError
'''


def test_facts():
    scan = scan_source(SOURCE, "m.py", [])
    assert scan.error is None
    functions = {f["name"]: f for f in scan.functions}
    assert sorted(functions) == ["build", "done", "files"]  # top-level only
    build = functions["build"]
    assert build["handler"] == "buildIt" and build["async"] and build["line"] == 27
    assert [(p["name"], p["kind"], p["default"]) for p in build["params"]] == [
        ("symphony", "positional_only", False),
        ("tmp_path", "positional_only", False),
        ("fmt", "positional_or_keyword", True),
        ("args", "var_positional", False),
        ("key", "keyword_only", False),
        ("kw", "var_keyword", False),
    ]
    assert build["emits"] == ["built", "awaited"]
    assert functions["files"]["steps"] == [
        {"type": "given", "kind": "parse", "pattern": "{n:d} files", "target_fixture": "files"}
    ]
    assert functions["files"]["stub"] and functions["done"]["stub"] and not build["stub"]
    imports = [(i["module"], i["names"], i["guarded"], i["line"]) for i in scan.imports]
    assert imports == [
        ("__future__", ["annotations"], False, 2),
        ("os.path", [], False, 4),
        ("typing", ["TYPE_CHECKING"], False, 5),
        ("pytest_bdd", ["given", "parsers", "then"], False, 7),
        ("pytest_symphony", ["handler"], False, 8),
        ("ujson", [], True, 11),
        ("json", [], False, 13),
        ("nowhere", ["Thing"], True, 16),
    ]
    assert {"LIMIT", "Helper", "build", "osp", "json", "h"} <= set(scan.names)
    assert scan.lines == SOURCE.count("\n")


def test_syntax_error_is_reported_with_its_place():
    scan = scan_source("x = 1\ndef (:\n", "m.py", [])
    assert scan.error is not None and scan.error["line"] == 2
