#!/usr/bin/env bash
# mypy on the modules pyproject.toml's [tool.mypy] `files` lists (the parts that pass), against any
# environment; the suite runs the same check in its own (tests/test_types.py).
#
#   scripts/typecheck.sh                     mypy from PATH, checking against `python` from PATH
#   MYPY=/path/to/mypy PYTHON=/path/to/venv/bin/python scripts/typecheck.sh
#
# PYTHON is the environment whose installed packages (and stubs: the `typecheck` extra) mypy
# reads; mypy itself may live elsewhere.  Extra arguments go to mypy (e.g. a path, to check one
# of the parts still to do).
set -euo pipefail
cd "$(dirname "$0")/.."
python_path=$(command -v "${PYTHON:-python}")
exec "${MYPY:-mypy}" --python-executable "$python_path" "$@"
