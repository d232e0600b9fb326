"""A small project builder for pytester runs: specs, handlers and ini in one call."""

from __future__ import annotations

import textwrap

import pytest


class Project:
    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.ini_values = {"symphony_handlers": "handlers"}

    def ini(self, *extra: str) -> None:
        """Write the ini file; ``extra`` lines ("key = value") override the defaults."""
        values = dict(self.ini_values)
        for line in extra:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
        body = "".join(f"{key} = {value}\n" for key, value in values.items())
        self.pytester.makeini("[pytest]\n" + body)

    def spec(self, name: str, text: str) -> None:
        path = self.pytester.path / "sequences" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")

    def handlers(self, text: str) -> None:
        self.pytester.makepyfile(handlers="from pytest_symphony import handler\n\n" + textwrap.dedent(text))

    def run(self, *args: str):
        return self.pytester.runpytest(*args)


@pytest.fixture
def project(pytester: pytest.Pytester) -> Project:
    proj = Project(pytester)
    proj.ini()
    return proj


# Most of the package loads on demand (a pipeline's handlers when a run first collects it,
# buildkit's names on first use).  pytester's in-process runs drop every module first
# imported during a run, so a later run would import second copies beside objects made
# from the first ones.  Importing the whole package here, once, gives every in-process
# run the same modules, as one real process has.
def _import_the_package() -> None:
    import importlib
    import pkgutil

    import pytest_symphony

    for info in pkgutil.walk_packages(pytest_symphony.__path__, "pytest_symphony."):
        importlib.import_module(info.name)


_import_the_package()
