"""Gherkin features, step definitions and the links between scenarios and beats, for the
traceability checks.

Features parse with pytest-bdd's parser.  A scenario links to a beat as the BDD area
links it (:mod:`pytest_symphony.bdd.links`): a tag ``@beat:<sequence>/<beat>`` on the
scenario, its Rule or its Feature (the nearest level that has one wins), or the beat's
``scenario`` field naming it.  ``<beat>`` is the beat's slug, id, name, number
``M.B``, or ``<movement>/<beat>``.  Step definitions come
from the scanned step modules and conftest.py files (the facts of their ``@given``,
``@when``, ``@then`` and ``@step`` decorators) and match as pytest-bdd matches them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..score.model import Beat, Movement, Sequence
from ..score.normalize import slugify
from .workspace import FeatureInput, Workspace

__all__ = ["StepDoc", "ScenarioDoc", "FeatureDoc", "StepDef", "BddIndex", "link_of", "beat_keys"]

LINK_TAG = "beat"


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
    links: list[tuple[str, str | None]] = field(default_factory=list)  # (sequence, beat ref or None)


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


def _matcher(kind: str, pattern: str):
    from pytest_bdd import parsers

    if kind == "string":
        return lambda text: text == pattern
    if kind == "re":
        compiled = re.compile(pattern)
        return lambda text: compiled.fullmatch(text) is not None
    factory = {"parse": parsers.parse, "cfparse": parsers.cfparse}[kind]
    parser = factory(pattern)
    return parser.is_matching


def link_of(tag: str) -> tuple[str, str | None] | None:
    """``beat:release/pack`` -> ("release", "pack"); any other tag -> None."""
    name, sep, value = tag.partition(":")
    if not sep or name != LINK_TAG:
        return None
    seq, _, beat = value.partition("/")
    return (seq.strip(), beat.strip() or None) if seq.strip() else None


def beat_keys(movement: Movement, beat: Beat) -> set[str]:
    """Every way a link may name ``beat`` (with or without its movement)."""
    keys = {beat.slug, f"{movement.number}.{beat.number}"}
    for text in (beat.id, beat.name):
        if isinstance(text, str) and text:
            keys.add(text)
            keys.add(slugify(text))
    for m in {movement.slug, str(movement.number), movement.id}:
        if isinstance(m, str) and m:
            keys |= {f"{m}/{k}" for k in list(keys) if "/" not in k}
    return keys


def _nearest_links(*levels: Iterable[str]) -> list[tuple[str, str | None]]:
    for level in levels:
        links = [link for link in map(link_of, level) if link is not None]
        if links:
            return links
    return []


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


class BddIndex:
    """Every feature, scenario and step definition of the workspace, and their links."""

    def __init__(self) -> None:
        self.features: list[FeatureDoc] = []
        self.step_defs: list[StepDef] = []
        self._by_name: dict[str, list[ScenarioDoc]] = {}
        # sequence id -> scenarios linking to it, and features it owns (by link or file name), in
        # file order: a beat's lookup costs its own links, not every scenario of the workspace
        self._by_sequence: dict[str, list[ScenarioDoc]] = {}
        self._features_of: dict[str, list[FeatureDoc]] = {}
        self.feature_index: Any = None  # bdd.scaffold.FeatureIndex, made by the first check that needs it

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
        return index

    def _add(self, doc: FeatureDoc) -> None:
        self.features.append(doc)
        owners = {doc.stem: None}
        for scenario in doc.scenarios:
            self._by_name.setdefault(_norm(scenario.name), []).append(scenario)
            for seq in dict.fromkeys(seq for seq, _ in scenario.links):
                self._by_sequence.setdefault(seq, []).append(scenario)
                owners.setdefault(seq)
        for seq in owners:
            self._features_of.setdefault(seq, []).append(doc)

    def features_of(self, sequence_id: str) -> list[FeatureDoc]:
        """Features that belong to a sequence (see :meth:`feature_of_sequence`), in file order."""
        return list(self._features_of.get(sequence_id, ()))

    @property
    def scenarios(self) -> Iterable[ScenarioDoc]:
        for feature in self.features:
            yield from feature.scenarios

    def linked(self, sequence: Sequence, movement: Movement, beat: Beat) -> list[ScenarioDoc]:
        """Scenarios linked to ``beat``: by tag, or named by the beat's ``scenario`` field."""
        keys = beat_keys(movement, beat)
        out = [
            s for s in self._by_sequence.get(sequence.id, ())
            if any(seq == sequence.id and ref in keys for seq, ref in s.links)
        ]
        if isinstance(beat.scenario, str) and beat.scenario.strip():
            named = self._by_name.get(_norm(beat.scenario), [])
            own = [s for s in named if self.feature_of_sequence(s.feature, sequence)]
            for s in own or named:
                if s not in out:
                    out.append(s)
        return out

    def feature_of_sequence(self, feature: FeatureDoc, sequence: Sequence) -> bool:
        """A feature belongs to a sequence by a link tag on it or its scenarios, or by its
        file name (``features/<sequence id>.feature``)."""
        if feature.stem == sequence.id:
            return True
        return any(seq == sequence.id for s in feature.scenarios for seq, _ in s.links)

    def matches(self, step: StepDoc, examples: list[dict[str, str]]) -> bool:
        texts = [step.text]
        if examples and "<" in step.text:
            texts = [_render(step.text, row) for row in examples]
        return all(any(d.matches(step.type, t) for d in self.step_defs) for t in texts)


def _render(text: str, row: dict[str, str]) -> str:
    return re.sub(r"<(.+?)>", lambda m: row.get(m.group(1), m.group(0)), text)


def _read(feature: FeatureInput) -> tuple[Any, list[tuple[Any, tuple]]]:
    """pytest-bdd's feature and its (scenario template, (scenario tags, rule tags, feature
    tags)) in file order, from one parse.

    The BDD area's parser keeps same-named scenarios and tag order; pytest-bdd's own
    (keyed by name) is the fallback when that area is absent or finds no ``Feature:``.
    """
    try:
        from pytest_symphony.bdd.features import parse_feature
    except ImportError:
        parse_feature = None
    full = parse_feature(feature.path, remember=False) if parse_feature is not None else None
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
        parsed, templates = _read(feature)
    except Exception as exc:  # GherkinParseError and friends
        line = getattr(exc, "line", None) or 1
        ws.errors.append((feature.rel, int(line), 1, f"the feature does not parse: {exc}"))
        return None
    doc = FeatureDoc(
        path=feature.rel, name=parsed.name, line=parsed.line_number,
        description=parsed.description or "", tags=tuple(sorted(parsed.tags)),
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
        scenario = ScenarioDoc(doc, template.name, template.line_number, tags, steps, examples)
        scenario.links = _nearest_links(*levels)
        doc.scenarios.append(scenario)
    feature.parsed = doc
    return doc
