"""The sub-pipeline index: every sequence a ``subsequence:`` beat may run, by id.

Built on first use (a run without sub-pipelines never reads the spec folders twice): the
project's specs under ini ``symphony_paths`` first, then the built-in pipelines, the first
declaration of an id winning, as collection claims them.
"""

from __future__ import annotations

from .builtins import Pipeline, builtin_pipelines
from .handlers import HandlerRegistration
from .run import SymphonyRun
from .score.loader import SPEC_SUFFIXES, load_spec
from .score.model import Sequence

#: What a sub-pipeline runs: the sequence, the spec file shown in messages, its handler scope.
Found = tuple[Sequence, str, frozenset[str]]


class SequenceIndex:
    """A plugin of no hooks: the sequences by id, for ``subsequence:`` beats."""

    def __init__(self, run: SymphonyRun, handlers: HandlerRegistration) -> None:
        self.run = run
        self.handlers = handlers
        self._index: dict[str, tuple[Sequence, str, Pipeline | None]] | None = None

    def find(self, sequence_id: str) -> Found | None:
        """The sequence of that id (a built-in pipeline's handlers are loaded then), or None."""
        entry = self._entries().get(sequence_id)
        if entry is None:
            return None
        sequence, shown, pipeline = entry
        if pipeline is None:
            return sequence, shown, frozenset()
        self.handlers.load_pipeline(pipeline)
        module = pipeline.handler_module
        return sequence, shown, frozenset({module}) if module else frozenset()

    def _entries(self) -> dict[str, tuple[Sequence, str, Pipeline | None]]:
        if self._index is None:
            index: dict[str, tuple[Sequence, str, Pipeline | None]] = {}
            for spec_root in self.run.spec_roots:
                for path in sorted(spec_root.rglob("*")) if spec_root.is_dir() else ():
                    if path.suffix in SPEC_SUFFIXES and path.is_file():
                        found = load_spec(path, max_bytes=self.run.max_spec_bytes).sequence
                        if found is not None:
                            index.setdefault(found.id, (found, self.run.relative(path), None))
            for builtin in builtin_pipelines():
                found = load_spec(builtin.spec).sequence
                if found is not None:
                    index.setdefault(found.id, (found, builtin.nodeid, builtin))
            self._index = index
        return self._index
