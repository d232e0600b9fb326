"""Gherkin features, step definitions and the links between scenarios and beats, for the
traceability checks.

Features are parsed by the function the caller hands the workspace (the kernel's
:func:`pytest_symphony.score.gherkin.parse_feature`, whose parses the BDD area's collection
shares).  A scenario links to a beat by the kernel's rule (:mod:`pytest_symphony.score.links`),
the one the run applies: a tag ``@beat:<sequence>/<beat>`` on the scenario, its Rule or its
Feature (the nearest level that has one wins), or the first beat whose ``scenario`` field
names it.  Step definitions come from the scanned step modules and conftest.py files (the
facts of their ``@given``, ``@when``, ``@then`` and ``@step`` decorators) and match as
pytest-bdd matches them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..bdd.placement import FeatureIndex
from ..score.links import BeatLink, link_refs, names_beat, normalize_name, resolve_link
from ..score.model import Beat, Movement, Sequence
from .sources import FeatureInput
from .workspace import Workspace

__all__ = ["StepDoc", "ScenarioDoc", "FeatureDoc", "StepDef", "BddIndex", "beat_keys"]


@dataclass
class StepDoc:
    type: str  # given / when / then (And/But take the type before them)
    keyword: str
    text: str
    line: int
    background: bool = False


@dataclass
class ScenarioDoc:
    feature: "FeatureDoc"
    name: str
    line: int
    tags: tuple[str, ...]
    steps: list[StepDoc]  # background steps first
    examples: list[dict[str, str]] = field(default_factory=list)
    links: list[tuple[str, str | None]] = field(default_factory=list)  # nearest link tags: (sequence, beat ref or None)
    levels: tuple[tuple[str, ...], ...] = ()  # its tags, its rule's, its feature's
    link: BeatLink | None = None  # the beat it links to, as the run links it
    link_problem: str | None = None  # why its link tags link nothing (the run errors the scenario)


@dataclass
class FeatureDoc:
    path: str
    name: str
    line: int
    description: str
    tags: tuple[str, ...]
    scenarios: list[ScenarioDoc] = field(default_factory=list)

    @property
    def stem(self) -> str:
        name = self.path.rsplit("/", 1)[-1]
        return name[: -len(".feature")] if name.endswith(".feature") else name


@dataclass
class StepDef:
    type: str  # given / when / then / step
    kind: str  # string / parse / cfparse / re / dynamic
    pattern: str | None
    path: str
    line: int
    _matcher: Any = None

    def matches(self, step_type: str, text: str) -> bool:
        if self.type != "step" and self.type != step_type:
            return False
        if self.kind == "dynamic":
            return True
        if self._matcher is None:
            self._matcher = _matcher(self.kind, self.pattern or "")
        try:
            return bool(self._matcher(text))
        except Exception:
            return False


def _matcher(kind: str, pattern: str) -> Callable[[str], object]:
    from pytest_bdd import parsers

    if kind == "string":
        return lambda text: text == pattern
    if kind == "re":
        compiled = re.compile(pattern)
        return lambda text: compiled.fullmatch(text) is not None
    factory = {"parse": parsers.parse, "cfparse": parsers.cfparse}[kind]
    parser = factory(pattern)
    return parser.is_matching


class _BeatNames:
    """Every way a link may name one beat (the kernel's :func:`names_beat`), as a container."""

    __slots__ = ("movement", "beat")

    def __init__(self, movement: Movement, beat: Beat) -> None:
        self.movement, self.beat = movement, beat

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, str) and names_beat(self.movement, self.beat, ref)


def beat_keys(movement: Movement, beat: Beat) -> _BeatNames:
    """``ref in beat_keys(m, b)``: whether a link's ``<beat>`` (or ``<movement>/<beat>``) names ``beat``."""
    return _BeatNames(movement, beat)


class BddIndex:
    """Every feature, scenario and step definition of the workspace, and their links."""

    def __init__(self) -> None:
        self.features: list[FeatureDoc] = []
        self.step_defs: list[StepDef] = []
        # beat key -> the scenarios linked to it; sequence id -> features it owns (by link or
        # file name), in file order: a beat's lookup costs its own links, not every scenario
        self._linked: dict[tuple[str, int, int], list[ScenarioDoc]] = {}
        self._features_of: dict[str, list[FeatureDoc]] = {}
        self.feature_index: FeatureIndex | None = None  # made by the first check that needs it

    @classmethod
    def build(cls, ws: Workspace) -> "BddIndex":
        index = cls()
        for feature in ws.features:
            doc = _parse(feature, ws)
            if doc is not None:
                index._add(doc)
        for py in ws.python:
            if py.scan is None or not ({"step", "conftest"} & py.roles):
                continue
            for fact in py.scan.functions:
                for step in fact.get("steps", ()):
                    index.step_defs.append(
                        StepDef(step["type"], step["kind"], step["pattern"], py.rel, fact.get("line", 1))
                    )
        index._link(ws)
        return index

    def _link(self, ws: Workspace) -> None:
        """Each scenario's beat, by the kernel's rule, against the first spec of each sequence id."""
        if not any(f.scenarios for f in self.features):
            return
        first = {sid: specs[0].sequence for sid, specs in ws.sequences.items()}
        named: dict[str, BeatLink] = {}
        for sequence in first.values():
            for m in sequence.movements:
                for b in m.beats:
                    if isinstance(b.scenario, str) and b.scenario:
                        named.setdefault(normalize_name(b.scenario), BeatLink(sequence, m, b, "beat field"))
        for scenario in self.scenarios:
            found = resolve_link(scenario.levels, scenario.name, sequence=first.get, known=first.keys, named=named.get)
            scenario.link, scenario.link_problem = found.link, found.problem
            if found.link is not None:
                self._linked.setdefault(found.link.key, []).append(scenario)

    def _add(self, doc: FeatureDoc) -> None:
        self.features.append(doc)
        owners = {doc.stem: None}
        for scenario in doc.scenarios:
            for seq, _ in scenario.links:
                owners.setdefault(seq)
        for seq in owners:
            self._features_of.setdefault(seq, []).append(doc)

    def features_of(self, sequence_id: str) -> list[FeatureDoc]:
        """Features that belong to a sequence, in file order: by a link tag on the feature or its
        scenarios, or by the file name (``features/<sequence id>.feature``)."""
        return list(self._features_of.get(sequence_id, ()))

    @property
    def scenarios(self) -> Iterable[ScenarioDoc]:
        for feature in self.features:
            yield from feature.scenarios

    def linked(self, sequence: Sequence, movement: Movement, beat: Beat) -> list[ScenarioDoc]:
        """Scenarios linked to ``beat`` (by tag, or named by a beat's ``scenario`` field), as the run links them."""
        return list(self._linked.get((sequence.id, movement.index, beat.index), ()))

    def matches(self, step: StepDoc, examples: list[dict[str, str]]) -> bool:
        texts = [step.text]
        if examples and "<" in step.text:
            texts = [_render(step.text, row) for row in examples]
        return all(any(d.matches(step.type, t) for d in self.step_defs) for t in texts)


def _render(text: str, row: dict[str, str]) -> str:
    return re.sub(r"<(.+?)>", lambda m: row.get(m.group(1), m.group(0)), text)


def _read(
    feature: FeatureInput, parse_feature: Callable[..., Any]
) -> tuple[Any, list[tuple[Any, tuple[Any, Any, Any]]]]:
    """pytest-bdd's feature and its (scenario template, (scenario tags, rule tags, feature
    tags)) in file order, from one parse.

    ``parse_feature`` keeps same-named scenarios and tag order; pytest-bdd's own parser
    (keyed by name) is the fallback for a file it finds no ``Feature:`` in.
    """
    full = parse_feature(feature.path, remember=False)
    if full is not None:
        templates = [(s.template, (s.scenario_tags, s.rule_tags, s.feature_tags)) for s in full.scenarios]
        return full.feature, templates
    from pytest_bdd.parser import FeatureParser

    parsed = FeatureParser(str(feature.path.parent), feature.path.name).parse()
    return parsed, [
        (t, (tuple(sorted(t.tags)), tuple(sorted(t.rule.tags)) if t.rule else (), tuple(sorted(parsed.tags))))
        for t in parsed.scenarios.values()
    ]


def _parse(feature: FeatureInput, ws: Workspace) -> FeatureDoc | None:
    try:
        feature.text = feature.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        ws.errors.append((feature.rel, 1, 1, f"cannot read the feature file: {exc}"))
        return None
    try:
        parsed, templates = _read(feature, ws.parse_feature)
    except Exception as exc:  # GherkinParseError and friends
        line = getattr(exc, "line", None) or 1
        ws.errors.append((feature.rel, int(line), 1, f"the feature does not parse: {exc}"))
        return None
    doc = FeatureDoc(
        path=feature.rel,
        name=parsed.name,
        line=parsed.line_number,
        description=parsed.description or "",
        tags=tuple(sorted(parsed.tags)),
    )
    background = [
        StepDoc(s.type, s.keyword, s.name, s.line_number, True)
        for s in (parsed.background.steps if parsed.background else ())
    ]
    for template, levels in templates:
        rule_bg = []
        if template.rule is not None and template.rule.background is not None:
            rule_bg = [StepDoc(s.type, s.keyword, s.name, s.line_number, True) for s in template.rule.background.steps]
        tags = tuple(dict.fromkeys(t for level in levels for t in level))
        steps = background + rule_bg + [StepDoc(s.type, s.keyword, s.name, s.line_number) for s in template._steps]
        examples = [row for ex in template.examples for row in ex.as_contexts()]
        scenario = ScenarioDoc(
            doc,
            template.name,
            template.line_number,
            tags,
            steps,
            examples,
            levels=tuple(tuple(level) for level in levels),
        )
        scenario.links = [(r.sequence, r.beat or None) for r in link_refs(*levels)[0] if r.sequence]
        doc.scenarios.append(scenario)
    feature.parsed = doc
    return doc
