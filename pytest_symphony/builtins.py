"""Built-in pipelines: specs shipped in the package, collected only when a run names them.

What they are and where (this module, read by the run's core without importing any
pipeline's handlers); their specs and handlers live in :mod:`pytest_symphony.pipelines`.
Plugins add their own through the hook ``pytest_symphony_pipelines``; the built-in
ones come through the same hook.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Where the built-in pipelines live: ``pytest_symphony/pipelines/<alias>.yaml``.
HERE = Path(__file__).resolve().parent / "pipelines"
_PACKAGE = f"{__package__}.pipelines"


@dataclass(frozen=True)
class Pipeline:
    """A named spec: ``alias`` is what ``--symphony=`` accepts besides the spec's id."""

    alias: str
    spec: Path
    handler_module: str | None = None

    @property
    def nodeid(self) -> str:
        """The node id of its spec: ``symphony:<alias>``, the same on every machine.

        pytest cannot take it back as a path, so ``core`` takes such arguments off the
        command line and selects those beats itself (``partial.PipelineArgs``).
        """
        return f"{NODEID_PREFIX}{self.alias}"


NODEID_PREFIX = "symphony:"


def builtin_pipelines() -> list[Pipeline]:
    """Every ``<alias>.yaml`` here, with its handlers in ``<alias>_handlers.py`` when present."""
    found = []
    for spec in sorted(HERE.glob("*.yaml")):
        module = f"{_PACKAGE}.{spec.stem}_handlers"
        has_module = (HERE / f"{spec.stem}_handlers.py").is_file()
        found.append(Pipeline(spec.stem, spec, module if has_module else None))
    return found
