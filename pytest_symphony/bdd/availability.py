"""Whether pytest-bdd is installed: the area's modules that need it import it only then."""

import importlib.util

#: pytest-bdd is importable (its plugin may still be disabled with -p no:pytest-bdd).
INSTALLED = importlib.util.find_spec("pytest_bdd") is not None
