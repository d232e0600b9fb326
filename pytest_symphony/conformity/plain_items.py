"""The conformity items of plain runs (ini ``symphony_conformity = true``): one per checked
file, each at the file it checks (IDEs need a file), and one for problems no file owns.

Loaded by the conformity plug-in only when a run adds these items.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Iterator

import pytest

from .items import ALL, ConformityFailure, engine_result, first_line, judge_file

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle


class ConformityItem(pytest.Item):
    """One checked file of a plain run: fails on violations at or above the threshold."""

    symphony_conformity_item: ClassVar[bool] = True  # its findings are gathered (the plug-in's _judges)

    def __init__(self, *, relpath: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.relpath = relpath
        self.add_marker("symphony_conformity")
        self.payload: dict[str, Any] | None = None

    def runtest(self) -> None:
        judge_file(engine_result(self.config), self.relpath, ALL, node=self)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, ConformityFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        result = engine_result(self.config)
        return self.config.rootpath / self.relpath, first_line(result, self.relpath) - 1, f"conformity: {self.relpath}"


class ConformityEngineItem(pytest.Item):
    """Stands for problems no file owns (a check that raised): it fails, so none is lost."""

    symphony_conformity_item: ClassVar[bool] = True

    def runtest(self) -> None:
        errors = [e for e in engine_result(self.config).errors if not e[0]]
        if errors:
            raise ConformityFailure(
                "the conformity engine could not run every check:\n" + "\n".join(e[3] for e in errors)
            )

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.config.rootpath, None, "conformity engine"


class ConformityRoot(pytest.Collector):
    """``symphony:conformity``: the items of plain runs, each at the file it checks (IDEs need a file)."""

    def collect(self) -> Iterator[pytest.Item]:
        result = engine_result(self.config)
        root = self.config.rootpath
        for rel in result.files:
            yield ConformityItem.from_parent(self, name=rel, relpath=rel, path=root / rel)
        if any(not e[0] for e in result.errors):
            yield ConformityEngineItem.from_parent(self, name="engine", path=self.config.inipath or root)
