"""The collector tree of features: FeatureFile > ScenarioItem (one per scenario, one per example row).

A ``FeatureFile`` is a ``pytest.Module`` (with an empty module object) so that
module-scoped fixtures work for its scenarios as they do with pytest-bdd's
``scenarios()``; no ``test_*.py`` wrapper is needed.  A ``ScenarioItem`` is a real
``pytest.Function`` whose steps run through pytest-bdd, so step definitions,
``target_fixture`` and fixtures resolve exactly as they do there.

A scenario linked to a beat runs inside that beat's sequence run: while the run is
open, the scenario's ``listchain()`` goes through the beat's sequence and movement
nodes, so pytest keeps them set up between the beat and the scenario instead of
tearing the sequence down and starting a new run.
"""

from __future__ import annotations

import types
from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pluggy
import pytest
import pytest_bdd
from pytest_bdd.exceptions import GherkinParseError

from ..errors import SymphonyError
from ..session_key import run_of
from .error_item import FeatureErrorItem
from ..score.gherkin import ParsedFeature, ScenarioSpec, parse_feature
from .links import LINK_TAG, skip_reason
from .steps import StepJournal, StepNotFound, run_scenario

if TYPE_CHECKING:
    from pytest_bdd.parser import Scenario

    from _pytest._code.code import TerminalRepr, Traceback, TracebackStyle
    from _pytest.nodes import Node

    from ..beat_item import BeatItem
    from ..collect import ReportInfo, SequenceNode
    from .links import Link

#: Frames from these folders are the machinery, not the user's steps: hidden in tracebacks.
_MACHINERY = tuple(
    str(Path(str(mod.__file__)).resolve().parent) for mod in (pytest, __import__("_pytest"), pluggy, pytest_bdd)
) + (str(Path(__file__).resolve().parent.parent),)


class FeatureFile(pytest.Module):
    """A ``.feature`` file under ini ``symphony_features`` (or named on the command line)."""

    def _getobj(self) -> types.ModuleType:
        module = types.ModuleType(f"symphony_feature_{self.path.stem}")
        module.__file__ = str(self.path)
        return module

    def collect(self) -> Iterator[pytest.Item]:
        display = self.nodeid.split("::")[0]
        try:
            parsed = parse_feature(self.path)
        except GherkinParseError as exc:
            text = f"\n  {exc.line_content.strip()}" if exc.line_content and exc.line_content.strip() else ""
            yield FeatureErrorItem.from_parent(
                self,
                name="feature",
                line=exc.line,
                message=f"{display}:{exc.line}: {exc.message}{text}\n  fix the Gherkin on that line",
            )
            return
        except (OSError, UnicodeDecodeError) as exc:
            yield FeatureErrorItem.from_parent(
                self, name="feature", message=f"{display}: cannot read ({type(exc).__name__}: {exc})"
            )
            return
        if parsed is None:
            return
        for spec in parsed.scenarios:
            rows = spec.rows()
            if not rows:
                yield ScenarioItem.build(self, parsed, spec, spec.slug, {}, ())
            for row_id, values, tags in rows:
                yield ScenarioItem.build(self, parsed, spec, f"{spec.slug}[{row_id}]", values, tags)


class ScenarioItem(pytest.Function):
    """One scenario (or one example row of an outline): steps run by pytest-bdd, linked to a beat or not."""

    def __init__(self, *, spec: ScenarioSpec, parsed: ParsedFeature, example: dict[str, Any], **kw: Any) -> None:
        self.link: Link | None = None
        self.link_problem: SymphonyError | None = None
        self.linked_items: list[BeatItem] = []  # the linked beat's items in this session, in run order
        super().__init__(**kw)
        self.spec = spec
        self.feature = parsed.feature
        self.example = dict(example)
        self.feature_display = self.nodeid.split("::")[0]
        self.scenario: Scenario | None = None
        self.journal: StepJournal | None = None
        self.user_properties.extend([("feature", self.feature_display), ("scenario", spec.name)])

    @classmethod
    def build(
        cls,
        parent: FeatureFile,
        parsed: ParsedFeature,
        spec: ScenarioSpec,
        name: str,
        example: dict[str, Any],
        example_tags: tuple[str, ...],
    ) -> "ScenarioItem":
        from .state import bdd_state

        def run_scenario_steps(
            request: pytest.FixtureRequest,
        ) -> None:  # pragma: no cover - ScenarioItem.runtest runs the steps
            raise RuntimeError("scenarios run through ScenarioItem.runtest")

        run_scenario_steps.__name__ = run_scenario_steps.__qualname__ = spec.slug
        tags = bdd_state(parent.config)
        for tag in spec.tags + example_tags:
            tags.apply_tag(tag, run_scenario_steps)
        return cls.from_parent(parent, name=name, callobj=run_scenario_steps, spec=spec, parsed=parsed, example=example)

    # -- the beat it is linked to ----------------------------------------------------
    @property
    def symphony_sequence_node(self) -> "SequenceNode":
        """The sequence node whose run the ``symphony`` fixture gives this scenario."""
        where = f"{self.feature_display}:{self.spec.line}"
        if self.link is None:
            raise SymphonyError(
                f"{where}: scenario {self.spec.name!r} asks for the 'symphony' fixture but is linked to no beat; "
                f"tag it @{LINK_TAG}:<sequence-id>/<beat> (or name it in the beat's `scenario` field)"
            )
        if not self.linked_items:
            raise SymphonyError(
                f"{where}: scenario {self.spec.name!r} is linked to beat {self.link.label}, which is not in this "
                f"session, so there is no sequence run to read; run it with its beat: "
                f"pytest --symphony={self.link.sequence.id}"
            )
        return self.linked_items[-1].sequence_node

    def listchain(self) -> list[Node]:
        chain = super().listchain()
        if not self.linked_items:
            return chain
        beat = self.linked_items[-1]
        if beat.sequence_node.run is None:  # the sequence run is not open: nothing to stay inside
            return chain
        inside = beat.listchain()[:-1]
        return inside + [node for node in chain if node not in inside]

    # -- running ---------------------------------------------------------------------
    def setup(self) -> None:
        self.scenario = self.spec.template.render(self.example)
        self.journal = StepJournal.of(self.scenario)
        if self.link_problem is not None:
            pytest.fail(str(self.link_problem), pytrace=False)
        reason = skip_reason(self)
        if reason:
            # reported at the scenario's line in the feature, not at this line
            raise pytest.skip.Exception(reason, _use_item_location=True)
        super().setup()

    def runtest(self) -> None:
        assert self.scenario is not None and self.journal is not None
        request = self.funcargs["request"]
        assert isinstance(request, pytest.FixtureRequest)
        dry_run = run_of(self.config).dynamic == "pp"
        run_scenario(request, self.feature, self.scenario, self.journal, dry_run=dry_run)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: "TracebackStyle | None" = None
    ) -> "str | TerminalRepr":
        if isinstance(excinfo.value, (StepNotFound, SymphonyError)):
            return str(excinfo.value)
        rep = super().repr_failure(excinfo)
        failed = next((s for s in (self.journal.steps if self.journal else ()) if s.status == "failed"), None)
        if failed is None:
            return rep
        note = f"{self.feature_display}:{failed.line}: step failed: {failed.keyword} {failed.name}"
        if isinstance(rep, str):
            return f"{rep}\n{note}"
        add_section = getattr(rep, "addsection", None)  # pytest's exception reprs have sections
        if add_section is not None:
            add_section("scenario", note)
        return rep

    def _traceback_filter(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Traceback:
        traceback = excinfo.traceback.filter(excinfo)
        user = traceback.filter(lambda entry: not str(entry.path).startswith(_MACHINERY))
        return user or traceback

    def reportinfo(self) -> "ReportInfo":
        title = f"{self.feature.name or self.path.name}: {self.spec.name}"
        if self.example:
            title += f" [{', '.join(f'{k}={v}' for k, v in self.example.items())}]"
        return self.path, self.spec.line - 1, title
