"""The BDD area's session state: where features and step definitions live, the beat index, the links.

One ``BddState`` per pytest session (and per xdist worker), kept on the config; the
hooks in ``plugin.py`` stay thin and call into it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pytest

from ..collect import BeatItem
from ..options import value
from ..runtime import dynamics
from ..score.loader import SPEC_SUFFIXES, load_spec
from ..score.model import Sequence
from ..session_key import run_of, sequence_runs_of
from .tags import marker_name_of, split_tag
from .links import BeatIndex, linked_items, place_after_beats, resolve

if TYPE_CHECKING:
    from .collect import ScenarioItem
    from .cucumber import CucumberWriter

BDD_KEY = pytest.StashKey["BddState"]()


def bdd_state(config: pytest.Config) -> "BddState":
    return config.stash[BDD_KEY]


class BddState:
    def __init__(self, config: pytest.Config, *, active: bool) -> None:
        self.config = config
        self.active = active  # pytest-bdd's plugin is loaded (its hooks exist)
        root = config.rootpath
        self.feature_roots = [(root / p).resolve() for p in value(config, "symphony_features")]
        self.step_def_roots = [(root / p).resolve() for p in value(config, "symphony_step_defs")]
        self.scaffold_id: str | None = config.getoption("symphony_scaffold")
        self.index = BeatIndex()
        self.scenarios: list[ScenarioItem] = []
        self.cucumber: CucumberWriter | None = None
        self.lines: list[str] = []  # for the terminal summary
        self.scaffolded = False
        self._markers: set[str] | None = None
        self._known: dict[str, Sequence] | None = None
        self.bound: set[Path] = set()  # features that test modules bind with pytest-bdd's scenarios()
        #: ``collect.ScenarioItem``, set by the plugin when pytest-bdd is there (that module imports it)
        self.scenario_type: type[ScenarioItem] | None = None

    # -- collection ----------------------------------------------------------------
    def wants(self, path: Path, session: pytest.Session) -> bool:
        """A ``.feature`` under ini ``symphony_features``, or one named on the command line."""
        if path.suffix != ".feature":
            return False
        path = path.resolve()
        if path in self.bound:  # a test module binds it with scenarios(): pytest-bdd runs it there
            return False
        return any(path == r or r in path.parents for r in self.feature_roots) or session.isinitpath(path)

    def apply_tag(self, tag: str, function: Callable[..., Any]) -> None:
        """A tag becomes a registered marker: ``@slow`` is ``slow``, ``@beat:a/b`` is ``beat("a/b")``.

        (See ``tags.py``; plain tags go through pytest-bdd's ``pytest_bdd_apply_tag`` hook as usual.)
        """
        name = marker_name_of(tag)
        if name is None:
            return
        self.register_marker(name, "a tag of a BDD feature (pytest-symphony)")
        value = split_tag(tag)[1]
        if value is None:
            self.config.hook.pytest_bdd_apply_tag(tag=name, function=function)
        else:
            getattr(pytest.mark, name)(value)(function)

    def register_marker(self, name: str, description: str) -> None:
        if self._markers is None:
            self._markers = {line.split(":", 1)[0].split("(")[0].strip() for line in self.config.getini("markers")}
        if name not in self._markers:
            self._markers.add(name)
            self.config.addinivalue_line("markers", f"{name}: {description}")

    # -- links -----------------------------------------------------------------------
    def known_sequences(self) -> dict[str, Sequence]:
        """Every sequence a spec under ini ``symphony_paths`` or a pipeline declares (loaded once, on demand)."""
        if self._known is None:
            run = run_of(self.config)
            found: dict[str, Sequence] = {}
            paths = [
                p
                for root in run.spec_roots
                if root.is_dir()
                for p in sorted(root.rglob("*"))
                if p.suffix in SPEC_SUFFIXES
            ]
            for batch in self.config.hook.pytest_symphony_pipelines(config=self.config):
                paths += [pipeline.spec for pipeline in batch or ()]
            for path in paths:
                sequence = load_spec(path, max_bytes=run.max_spec_bytes).sequence
                if sequence is not None:
                    found.setdefault(sequence.id, sequence)
            self._known = found
        return self._known

    def link(self, item: "ScenarioItem") -> None:
        resolve(item, self.index, self.known_sequences)
        item.linked_items = linked_items(item, self.index)
        if item.link is not None and item.linked_items:
            marker = sequence_runs_of(self.config).register_marker(item.link.sequence)
            if not any(m.name == marker for m in item.own_markers):
                item.add_marker(marker)

    def link_all(self, items: list[pytest.Item]) -> None:
        present = {id(i) for i in items}
        for item in self.scenarios:
            if id(item) in present:
                self.link(item)

    def arrange(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        """After selection: a scenario follows its beat; one whose beat the dynamics deselected goes too."""
        present = {id(i) for i in items}
        dynamic = run_of(self.config).dynamic
        quiet: list[pytest.Item] = []
        for item in self.scenarios:
            if id(item) not in present:
                continue
            self.link(item)
            group = item.linked_items
            item.linked_items = [b for b in group if id(b) in present]
            if group and not item.linked_items and any(not dynamics.allows(dynamic, b.needed_dynamic) for b in group):
                quiet.append(item)
        if quiet:
            dropped = {id(i) for i in quiet}
            items[:] = [i for i in items if id(i) not in dropped]
            session.config.hook.pytest_deselected(items=quiet)
        place_after_beats(items, self.scenarios)

    def index_item(self, item: pytest.Item) -> None:
        if isinstance(item, BeatItem):
            self.index.add(item)
        elif self.scenario_type is not None and isinstance(item, self.scenario_type):
            self.scenarios.append(item)
        elif isinstance(item, pytest.Function):
            feature = bound_feature(item)
            if feature is not None:
                self.bound.add(feature)

    def drop_bound(self, items: list[pytest.Item]) -> None:
        """Scenarios we collected from a feature a test module also binds (collected before it)."""
        if not self.bound or self.scenario_type is None:
            return
        kind = self.scenario_type
        items[:] = [i for i in items if not (isinstance(i, kind) and i.path.resolve() in self.bound)]


def bound_feature(item: pytest.Function) -> Path | None:
    """The feature file a pytest-bdd ``scenarios()``/``@scenario`` test function runs, if it is one."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    func = getattr(item, "obj", None)
    try:
        template = scenario_wrapper_template_registry.get(func) if func is not None else None
    except TypeError:  # not weak-referenceable: not a scenario wrapper
        return None
    if template is None:
        return None
    return Path(template.feature.filename).resolve()
