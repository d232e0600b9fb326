"""pytest-xdist: one run id on every worker, and each sequence kept whole on one worker, in order.

Which scheduler runs, by ``--dist``:

- ``load`` (what ``-n`` means) and ``worksteal``: xdist's own scheduler when the collection
  holds no beat; when it does, ours: a whole spec file (one sequence) per work unit, plain
  tests spread as ``load`` spreads them.
- ``loadscope`` and ``loadgroup``: xdist's, except that every beat of a spec file shares
  one scope (xdist alone would make each movement a scope of its own and split the run).
- ``loadfile``, ``each``, ``no``: xdist's as they are; each keeps a spec file together.

Any other mode cannot be shown to keep a sequence whole, so it is refused.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import pytest

from .builtins import NODEID_PREFIX
from .run import SymphonyRun

#: Modes whose units never split a spec file, as xdist implements them.
WHOLE_FILE_MODES = ("each", "loadfile", "no")
OUR_MODES = ("load", "worksteal", "loadscope", "loadgroup")


#: xdist's objects (its worker controllers, schedulers, logger): the package ships no types.
XdistObject = Any


class XdistSupport:
    """A plugin: the controller's run id on every worker, and a scheduler that keeps a sequence on one worker."""

    def __init__(self, run: SymphonyRun) -> None:
        self.run = run

    def pytest_configure_node(self, node: XdistObject) -> None:
        node.workerinput["symphony_run_id"] = self.run.run_id

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: XdistObject) -> XdistObject:
        mode = config.getoption("dist")
        if mode in WHOLE_FILE_MODES:
            return None
        if mode not in OUR_MODES:
            raise pytest.UsageError(
                f"--dist {mode}: pytest-symphony cannot keep a sequence's beats on one worker in this mode; "
                f"use one of {', '.join(OUR_MODES + WHOLE_FILE_MODES)}"
            )
        is_beat = _BeatIds(self.run)
        if mode in ("loadscope", "loadgroup"):
            return _scoped(mode, is_beat)(config, log)
        return SequenceAwareScheduling(config, log, _plain(mode), _scoped("load", is_beat), is_beat)


class _BeatIds:
    """Is a node id a beat (or a spec error item)? Decided from its file, once per file."""

    def __init__(self, run: SymphonyRun) -> None:
        self.run = run
        self.root = run.rootpath
        self._files: dict[str, bool] = {}

    def file_of(self, nodeid: str) -> str:
        return nodeid.split("::", 1)[0]

    def __call__(self, nodeid: str) -> bool:
        path = self.file_of(nodeid)
        known = self._files.get(path)
        if known is None:
            known = self._files[path] = path.startswith(NODEID_PREFIX) or self.run.is_spec((self.root / path).resolve())
        return known


def _plain(mode: str) -> Callable[..., Any]:
    if mode == "worksteal":
        from xdist.scheduler import WorkStealingScheduling

        return WorkStealingScheduling  # type: ignore[no-any-return]
    from xdist.scheduler import LoadScheduling

    return LoadScheduling  # type: ignore[no-any-return]


def _scoped(mode: str, is_beat: _BeatIds) -> Callable[..., Any]:
    """xdist's scope scheduler for ``mode`` whose scope of a beat is its spec file."""
    from xdist.scheduler import LoadGroupScheduling, LoadScopeScheduling

    base = LoadGroupScheduling if mode == "loadgroup" else LoadScopeScheduling

    class SequenceScheduling(base):  # type: ignore[misc, valid-type]
        """A whole spec file (one sequence) per work unit; other tests as ``--dist {mode}`` groups them."""

        def _split_scope(self, nodeid: str) -> str:
            if is_beat(nodeid):
                return is_beat.file_of(nodeid)
            rider = self._riders().get(nodeid)
            if rider is not None:
                return rider
            return nodeid if mode == "load" else super()._split_scope(nodeid)

        def _riders(self) -> dict[str, str]:
            """BDD scenarios the workers placed right after a beat (linked to it) run in that beat's scope."""
            if getattr(self, "_rider_scopes", None) is None and self.collection is not None:
                riders: dict[str, str] = {}
                scope = None
                for nodeid in self.collection:
                    if is_beat(nodeid):
                        scope = is_beat.file_of(nodeid)
                    elif scope is not None and is_beat.file_of(nodeid).endswith(".feature"):
                        riders[nodeid] = scope
                    else:
                        scope = None
                self._rider_scopes = riders
            found: dict[str, str] = getattr(self, "_rider_scopes", None) or {}
            return found

    return SequenceScheduling


class SequenceAwareScheduling:
    """Both schedulers see the nodes and collections; once the collection is complete, one is picked.

    xdist's own when no beat was collected (so a run without beats is scheduled exactly as
    without the plugin), ours when one was.
    """

    def __init__(
        self,
        config: pytest.Config,
        log: XdistObject,
        plain: Callable[..., XdistObject],
        sequences: Callable[..., XdistObject],
        is_beat: _BeatIds,
    ) -> None:
        self._candidates = (plain(config, log), sequences(config, log))
        self._chosen: XdistObject = None
        self._is_beat = is_beat

    @property
    def _active(self) -> XdistObject:
        return self._chosen or self._candidates[0]

    @property
    def nodes(self) -> XdistObject:
        return self._active.nodes

    @property
    def collection_is_completed(self) -> bool:
        done = bool(self._active.collection_is_completed)
        if done and self._chosen is None:
            plain, sequences = self._candidates
            collection = next(iter(plain.node2collection.values()), ())  # what the workers collected
            beats = any(self._is_beat(nodeid) for nodeid in collection)
            self._chosen = sequences if beats else plain
        return done

    @property
    def tests_finished(self) -> bool:
        return bool(self._active.tests_finished)

    @property
    def has_pending(self) -> bool:
        return bool(self._active.has_pending)

    def add_node(self, node: XdistObject) -> None:
        self._each("add_node", node)

    def add_node_collection(self, node: XdistObject, collection: Sequence[str]) -> None:
        self._each("add_node_collection", node, collection)

    def remove_node(self, node: XdistObject) -> XdistObject:
        if self._chosen is None:
            return [c.remove_node(node) for c in self._candidates][0]
        return self._chosen.remove_node(node)

    def schedule(self) -> None:
        assert self.collection_is_completed  # xdist schedules only then; it also makes the choice
        self._active.schedule()

    def mark_test_complete(self, node: XdistObject, item_index: int, duration: float = 0) -> None:
        self._active.mark_test_complete(node, item_index, duration)

    def mark_test_pending(self, item: str) -> None:
        self._active.mark_test_pending(item)

    def remove_pending_tests_from_node(self, node: XdistObject, indices: Sequence[int]) -> None:
        self._active.remove_pending_tests_from_node(node, indices)

    def _each(self, name: str, *args: Any) -> None:
        if self._chosen is not None:
            getattr(self._chosen, name)(*args)
            return
        for candidate in self._candidates:
            getattr(candidate, name)(*args)
