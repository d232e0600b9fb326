"""The house sizes hold in the delivery code: modules under 400 lines, functions under 60, and
no import of the package itself hidden inside a function (third-party ones stay lazy: OpenFeature,
jsonschema, gherkin load when a beat needs them).

Counted as the issue counts them: ``end_lineno - lineno + 1`` of each function's AST node.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pytest_symphony"
DELIVERY = sorted((PACKAGE / "deliverykit").glob("*.py")) + sorted((PACKAGE / "pipelines").glob("delivery_*.py"))
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _shown(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _length(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return (function.end_lineno or function.lineno) - function.lineno + 1


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _is_own(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] == "pytest_symphony"
    return any(alias.name.split(".")[0] == "pytest_symphony" for alias in node.names)


def test_the_delivery_modules_are_found():
    assert len(DELIVERY) > 30, DELIVERY


@pytest.mark.parametrize("path", DELIVERY, ids=_shown)
def test_module_and_function_sizes(path: Path):
    text = path.read_text(encoding="utf-8")
    too_long = [
        f"{f.name} ({_length(f)} lines)" for f in _functions(ast.parse(text)) if _length(f) > MAX_FUNCTION_LINES
    ]
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    assert too_long == []


@pytest.mark.parametrize("path", DELIVERY, ids=_shown)
def test_no_import_of_the_package_inside_a_function(path: Path):
    hidden = [
        f"line {node.lineno} in {function.name}"
        for function in _functions(ast.parse(path.read_text(encoding="utf-8")))
        for node in ast.walk(function)
        if isinstance(node, (ast.Import, ast.ImportFrom)) and _is_own(node)
    ]
    assert hidden == []
