"""Workspaces to fix: files written under a fresh root, fixed through the library or a
real pytest run, read back byte for byte."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_symphony.remediation import fix_workspace

HANDLERS = "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    return {'ok': True}\n"


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.ini()

    def ini(self, **values: str) -> None:
        body = "".join(f"{k} = {v}\n" for k, v in {"symphony_handlers": "handlers", **values}.items())
        (self.root / "pytest.ini").write_text("[pytest]\n" + body, encoding="utf-8")

    def write(self, rel: str, text: str, *, dedent: bool = True) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n") if dedent else text, encoding="utf-8")
        return path

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def files(self) -> dict[str, bytes]:
        """Every file of the workspace but the symphony folder, as bytes."""
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and ".symphony" not in p.parts and "__pycache__" not in p.parts
        }

    def fix(self, **kw):
        return fix_workspace(self.root, **kw)

    def codes(self, run) -> list[str]:
        return sorted(v.code for v in run.result.violations)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path)
    w.write("handlers.py", HANDLERS, dedent=False)
    return w
