"""Feature files through pytest-bdd's parser: every scenario in file order, with its rule and tags.

The one reader of ``.feature`` files: the BDD area collects scenarios from it at run time
and the conformity checker reads the same parses, so each file is parsed once a session.

pytest-bdd keeps a feature's scenarios in a dict keyed by name, so two scenarios of
the same name silently become one.  Here the Gherkin document is walked in order
and each scenario is built with pytest-bdd's own ``FeatureParser.parse_scenario``,
so none is lost and each gets a slug that is unique in its file (the node name).

Tags keep their written order (pytest-bdd turns them into sets); ``bdd/tags.py`` says
which marker each becomes; :mod:`.links` reads the links among them.
"""

from __future__ import annotations

import textwrap
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from pytest_bdd.gherkin_parser import get_gherkin_document
from pytest_bdd.parser import Examples, Feature, FeatureParser, Rule, ScenarioTemplate, get_tag_names

from .normalize import slugify, unique_slug

if TYPE_CHECKING:  # annotations only: the runtime needs no more of pytest-bdd's parser than it calls
    from pytest_bdd.gherkin_parser import Scenario as GherkinScenario, Tag as GherkinTag


@dataclass(frozen=True)
class ScenarioSpec:
    """One scenario of a feature file, as written."""

    template: ScenarioTemplate  # pytest-bdd's scenario, rendered per example row when run
    slug: str  # unique in its file: the pytest node name
    feature_tags: tuple[str, ...] = ()
    rule_tags: tuple[str, ...] = ()
    scenario_tags: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.template.name

    @property
    def line(self) -> int:
        return self.template.line_number

    @property
    def tags(self) -> tuple[str, ...]:
        """Feature, rule and scenario tags, in that order, each once."""
        return tuple(dict.fromkeys(self.feature_tags + self.rule_tags + self.scenario_tags))

    def rows(self) -> list[tuple[str, dict[str, str], tuple[str, ...]]]:
        """``(row id, example values, example tags)`` per Examples row; ``[]`` for a plain scenario."""
        rows: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
        used: set[str] = set()
        for examples in self.template.examples:
            for values in examples.as_contexts():
                base = "-".join(v.replace("::", ":") for v in values.values()) or "row"
                rows.append((unique_slug(base, used), values, _example_tags(examples)))
        return rows


@dataclass
class ParsedFeature:
    feature: Feature  # pytest-bdd's, shared by its scenario templates
    scenarios: list[ScenarioSpec] = field(default_factory=list)


#: Parsed features by file, with the bytes they were parsed from: the BDD area's collection
#: and the conformity engine read the same files in one session, and Gherkin parsing is slow.
_PARSED: OrderedDict[tuple[str, str], tuple[bytes, ParsedFeature | None]] = OrderedDict()
_PARSED_MAX = 4096


def parse_feature(path: Path, encoding: str = "utf-8", *, remember: bool = True) -> ParsedFeature | None:
    """Parse one ``.feature`` file; None when it holds no ``Feature:`` (empty, or comments only).

    Raises pytest-bdd's ``GherkinParseError`` (with file, line and line text) on bad Gherkin.
    A file whose bytes were parsed before is not parsed again (the result is shared: read it,
    never change it).  ``remember=False``: use a parse made before, keep none (a reader that
    parses each file once, such as the conformity engine, holds no memory for nothing).
    """
    key = (str(Path(path).resolve()), encoding)
    data = Path(path).read_bytes()
    hit = _PARSED.get(key)
    if hit is not None and hit[0] == data:
        _PARSED.move_to_end(key)
        return hit[1]
    parsed = _parse_feature(Path(path), encoding)
    if remember:
        _PARSED[key] = (data, parsed)
        while len(_PARSED) > _PARSED_MAX:
            _PARSED.popitem(last=False)
    return parsed


def _parse_feature(path: Path, encoding: str) -> ParsedFeature | None:
    parser = FeatureParser(str(path.parent), path.name, encoding)
    try:
        document = get_gherkin_document(parser.abs_filename, encoding)
    except KeyError:  # pytest-bdd 9 reads data["feature"], absent in a file without one
        return None
    data = document.feature
    feature = Feature(
        scenarios=OrderedDict(),
        filename=parser.abs_filename,
        rel_filename=parser.rel_filename,
        language=data.language,
        keyword=data.keyword,
        name=data.name,
        tags=get_tag_names(data.tags),
        background=None,
        line_number=data.location.line,
        description=textwrap.dedent(data.description),
    )
    parsed = ParsedFeature(feature)
    feature_tags = _ordered(data.tags)
    used: set[str] = set()

    def add(scenario_data: GherkinScenario, rule: Rule | None, rule_tags: tuple[str, ...]) -> None:
        template = parser.parse_scenario(scenario_data, feature, rule)
        feature.scenarios.setdefault(template.name, template)
        slug = unique_slug(slugify(template.name) or "scenario", used)
        parsed.scenarios.append(ScenarioSpec(template, slug, feature_tags, rule_tags, _ordered(scenario_data.tags)))

    for child in data.children:
        if child.background:
            feature.background = parser.parse_background(child.background)
        elif child.rule:
            rule_data = child.rule
            rule = Rule(
                keyword=rule_data.keyword,
                name=rule_data.name,
                description=rule_data.description,
                tags=get_tag_names(rule_data.tags),
            )
            for part in rule_data.children:
                if part.background:
                    rule.background = parser.parse_background(part.background)
            for part in rule_data.children:
                if part.scenario:
                    add(part.scenario, rule, _ordered(rule_data.tags))
        elif child.scenario:
            add(child.scenario, None, ())
    return parsed


def _ordered(tags: Iterable[GherkinTag]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tag.name.lstrip("@") for tag in tags))


def _example_tags(examples: Examples) -> tuple[str, ...]:
    return tuple(sorted(examples.tags or ()))
