"""Built-in pipelines: specs shipped in the package, collected only when a run names them.

Plugins add their own through the hook ``pytest_symphony_pipelines``; the built-in
ones come through the same hook (see ``pytest_symphony.plugin``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Pipeline:
    """A named spec: ``alias`` is what ``--symphony=`` accepts besides the spec's id."""

    alias: str
    spec: Path
    handler_module: str | None = None


#: The pipelines this package ships (filled as each one is built).
BUILTIN: tuple[Pipeline, ...] = ()


def builtin_handler_modules() -> list[str]:
    return [p.handler_module for p in BUILTIN if p.handler_module]
