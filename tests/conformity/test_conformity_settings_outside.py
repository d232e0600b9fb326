"""The engine run outside pytest reads the settings pytest itself would read for the folder.

``check_workspace(root)`` (the API a script or an editor calls) builds its settings through
pytest's own config loading, so every configuration file pytest reads counts: pytest 9's
``pytest.toml`` and native ``[tool.pytest]`` table as well as the ini forms.
"""

from __future__ import annotations

import pytest

from pytest_symphony.conformity.engine import check_workspace
from pytest_symphony.conformity.testing import write_files

SPEC = "id: release\nmovements:\n  - name: Build\n    beats:\n      - name: Compile\n        handler: biuld\n"
HANDLERS = "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    pass\n"

CONFIGS = {
    "pytest.toml": ("pytest.toml", '[pytest]\nsymphony_paths = ["pipelines"]\nsymphony_handlers = ["handlers"]\n'),
    "pyproject native": (
        "pyproject.toml",
        '[tool.pytest]\nsymphony_paths = ["pipelines"]\nsymphony_handlers = ["handlers"]\n',
    ),
    "pyproject ini_options": (
        "pyproject.toml",
        '[tool.pytest.ini_options]\nsymphony_paths = "pipelines"\nsymphony_handlers = "handlers"\n',
    ),
    "pytest.ini": ("pytest.ini", "[pytest]\nsymphony_paths = pipelines\nsymphony_handlers = handlers\n"),
}


#: Files only pytest 9 reads: on an older pytest the engine, following pytest, does not either.
PYTEST_9 = pytest.mark.skipif(pytest.version_tuple < (9,), reason="pytest.toml and [tool.pytest] are pytest 9's")


@pytest.mark.parametrize(
    "form",
    [pytest.param(form, marks=PYTEST_9) if form in ("pytest.toml", "pyproject native") else form for form in CONFIGS],
)
def test_the_engine_outside_pytest_checks_the_paths_pytest_reads(tmp_path, form):
    name, text = CONFIGS[form]
    write_files(tmp_path, {name: text, "handlers.py": HANDLERS, "pipelines/release.yaml": SPEC})
    result = check_workspace(tmp_path, use_cache=False)
    found = {(v.code, v.place.path) for v in result.violations}
    assert ("HANDLER_NOT_FOUND", "pipelines/release.yaml") in found  # the spec was found where the config says


@PYTEST_9
def test_a_config_pytest_refuses_is_an_error_naming_the_file_and_the_defaults_are_checked(tmp_path):
    write_files(
        tmp_path,
        {"pytest.toml": "[pytest\nsymphony_paths = 1\n", "handlers.py": HANDLERS, "sequences/release.yaml": SPEC},
    )
    result = check_workspace(tmp_path, use_cache=False)
    assert [(path, line) for path, line, _, _ in result.errors] == [("pytest.toml", 1)]
    assert "pytest refuses this configuration (Expected ']'" in result.errors[0][3]
    assert "HANDLER_NOT_FOUND" in {v.code for v in result.violations}  # sequences/, the default, still checked
