"""``pytest --symphony-scaffold=<sequence id>``: a linked feature and step stubs from acceptance criteria.

Every acceptance criterion of every beat (a sentence, ``acceptanceCriteriaStructured``,
or ``{given, when, then, and}`` with strings or lists) becomes one scenario tagged
``@beat:<sequence-id>/<beat>`` in the sequence's feature (:func:`feature_home`: the one
it already has in any features folder, else ``<slug of the id>.feature`` in the folder
nearest its spec); every step no definition matches gets a stub in
``<step_defs>/<sequence>_steps.py`` that skips, saying what to write, until it is written
(so scaffolding never turns a passing suite red).

Spec text is data: file names come from slugs, the feature's lines are single lines, and
every piece of spec text in the step module is a Python literal made with ``repr()``.

Scaffolding only appends.  A criterion is already there when the feature has a
scenario of the same name, or a scenario linked to the same beat with the same steps;
a step is already there when a definition matches it or the stub file decorates it.
So a second run writes nothing, and nothing a user wrote is reordered or rewritten.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.steps import StepFunctionContext

from ..paths import shown_path
from ..errors import SymphonyError
from ..score.model import Beat, Criterion, Movement, Sequence
from ..score.gherkin import ParsedFeature, parse_feature
from ..score.links import LINK_TAG, find_beat, link_refs, normalize_name
from .narrative import narrative
from .placement import existing_features, feature_home, link_problem
from .steps import matches

__all__ = [
    "Draft",
    "ScaffoldResult",
    "scaffold",
    "drafts_for",
    "beat_drafts",
    "criterion_steps",
    "stub_call",
    "STUB_DOC",
]


_KEYWORD = {"given": "Given", "when": "When", "then": "Then"}


@dataclass
class Draft:
    """One scenario to write for one criterion."""

    movement: Movement
    beat: Beat
    name: str
    tag: str
    steps: list[tuple[str, str, str]]  # (keyword as written, step type, text)

    def render(self, newline: str) -> str:
        lines = ["", f"  @{self.tag}", f"  Scenario: {self.name}"]
        lines += [f"    {keyword} {text}" for keyword, _, text in self.steps]
        return newline.join(lines) + newline


@dataclass
class ScaffoldResult:
    feature_path: Path
    stub_path: Path
    scenarios_added: int = 0
    beats_linked: set[str] = field(default_factory=set)
    stubs_added: int = 0
    written: list[Path] = field(default_factory=list)


def scaffold(
    sequence: Sequence,
    source: str,
    features_dir: Path | list[Path],
    step_defs_dir: Path,
    definitions: list[StepFunctionContext],
    root: Path | None = None,
) -> ScaffoldResult:
    """Append what is missing to the sequence's feature and stub file; raise SymphonyError if the feature is broken.

    ``features_dir``: the features folder, or every configured one (the sequence's feature
    is looked for in all of them).  ``definitions`` are the step definitions (pytest-bdd
    ``StepFunctionContext``) a step may already match.  ``root``: the rootdir (default:
    the first features folder's parent).
    """
    problem = link_problem(sequence.id)
    if problem:
        raise SymphonyError(problem)
    roots = [Path(f) for f in features_dir] if isinstance(features_dir, (list, tuple)) else [Path(features_dir)]
    root = Path(root) if root is not None else roots[0].parent
    folders = [shown_path(f, root) for f in roots]
    feature_path = root / feature_home(
        sequence.id, shown_path(Path(sequence.path), root), folders, existing_features(roots, root)
    )
    if not any(_inside(feature_path, f) for f in roots):
        raise SymphonyError(f"{feature_path}: a scaffolded feature must be inside a features folder")
    stub_path = step_defs_dir / f"{_module_stem(sequence.id)}_steps.py"
    result = ScaffoldResult(feature_path, stub_path)
    existing = feature_path.read_text(encoding="utf-8") if feature_path.is_file() else ""
    parsed = _parse(feature_path) if existing else None
    drafts = _missing(sequence, drafts_for(sequence), parsed)
    newline = "\r\n" if "\r\n" in existing else "\n"
    if drafts:
        text = existing
        if text and not text.endswith(("\n", "\r")):
            text += newline
        if parsed is None:
            text += _header(sequence, source, newline)
        text += "".join(d.render(newline) for d in drafts)
        _write(feature_path, text)
        result.written.append(feature_path)
        result.scenarios_added = len(drafts)
        result.beats_linked = {d.tag for d in drafts}
    steps = _feature_steps(feature_path) if feature_path.is_file() else []
    stubs = _missing_stubs(steps, stub_path, definitions)
    if stubs:
        _write(stub_path, _stub_text(stub_path, stubs, sequence, feature_path.name))
        result.written.append(stub_path)
        result.stubs_added = len(stubs)
    return result


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


# -- scenarios from criteria -----------------------------------------------------------
def drafts_for(sequence: Sequence) -> list[Draft]:
    drafts: list[Draft] = []
    used: set[str] = set()
    slugs = [b.slug for m in sequence.movements for b in m.beats]
    for movement in sequence.movements:
        for beat in movement.beats:
            ref = beat.slug if slugs.count(beat.slug) == 1 else f"{movement.slug}/{beat.slug}"
            for criterion in beat.acceptance_criteria:
                steps = criterion_steps(criterion)
                if not steps:
                    continue
                name = _unique(f"{beat.title}: {_summary(criterion, steps)}", used)
                drafts.append(Draft(movement, beat, name, f"{LINK_TAG}:{sequence.id}/{ref}", steps))
    return drafts


def beat_drafts(sequence: Sequence, movement: Movement, beat: Beat) -> tuple[list[Draft], str | None]:
    """The scenarios scaffolding would write for one beat, or why it cannot write them."""
    problem = link_problem(sequence.id)
    if problem:
        return [], problem
    mine = [d for d in drafts_for(sequence) if d.movement.index == movement.index and d.beat.index == beat.index]
    if not mine:
        return [], "the beat has no acceptance criteria to scaffold a scenario from"
    incomplete = [d for d in mine if not {"when", "then"} <= {t for _, t, _ in d.steps}]
    if incomplete:
        return [], (
            f"criterion '{incomplete[0].name}' has no When or no Then: the scenario would be incomplete "
            "(SCENARIO_INCOMPLETE); write it by hand"
        )
    return mine, None


def criterion_steps(criterion: Criterion) -> list[tuple[str, str, str]]:
    """Gherkin steps for a criterion: a sentence is a Then; ``and`` continues the last part."""
    if not criterion.structured:
        text = _clean(criterion.text)
        return [("Then", "then", text)] if text else []
    steps: list[tuple[str, str, str]] = []
    for kind, parts in (("given", criterion.given), ("when", criterion.when), ("then", criterion.then)):
        for n, text in enumerate(t for t in map(_clean, parts) if t):
            steps.append((_KEYWORD[kind] if n == 0 else "And", kind, text))
    for text in (t for t in map(_clean, criterion.and_) if t):
        kind = steps[-1][1] if steps else "then"
        steps.append(("And" if steps else "Then", kind, text))
    return steps


def _summary(criterion: Criterion, steps: list[tuple[str, str, str]]) -> str:
    return _clean(criterion.text) if not criterion.structured else steps[0][2]


def _clean(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    while normalize_name(candidate) in used:
        n += 1
        candidate = f"{name} ({n})"
    used.add(normalize_name(candidate))
    return candidate


def _missing(sequence: Sequence, drafts: list[Draft], parsed: ParsedFeature | None) -> list[Draft]:
    if parsed is None:
        return drafts
    names = {normalize_name(s.name) for s in parsed.scenarios}
    written: set[tuple[int, int, tuple[str, ...]]] = set()
    for spec in parsed.scenarios:
        refs, problem = link_refs(spec.scenario_tags, spec.rule_tags, spec.feature_tags)
        if problem or not refs or refs[0].sequence != sequence.id:
            continue
        try:
            movement, beat = find_beat(sequence, refs[0].beat)
        except SymphonyError:
            continue
        steps = spec.template.steps[len(spec.template.all_background_steps) :]
        written.add((movement.index, beat.index, tuple(s.name for s in steps)))
    return [
        d
        for d in drafts
        if normalize_name(d.name) not in names
        and (d.movement.index, d.beat.index, tuple(text for _, _, text in d.steps)) not in written
    ]


def _header(sequence: Sequence, source: str, newline: str) -> str:
    lines = [
        f"# Scaffolded by `pytest --symphony-scaffold={_clean(sequence.id)}` from {_clean(source)}.",
        "# Edit freely: scaffolding again only appends scenarios for criteria not here yet.",
        f"Feature: {_clean(sequence.title)}",
    ]
    story, why = narrative(sequence.user_story)
    if story is not None:
        lines += [f"  {line}" for line in story]
    elif sequence.user_story is not None:
        lines.insert(2, f'# No narrative: {why}; write its "As a / I want / So that" lines under Feature.')
    return newline.join(lines) + newline


# -- step definition stubs ---------------------------------------------------------------
def _feature_steps(path: Path) -> list[tuple[str, str]]:
    parsed = _parse(path)
    steps: dict[tuple[str, str], None] = {}
    for spec in parsed.scenarios if parsed else ():
        if spec.template.templated:
            continue  # outline steps hold <placeholders>: write those with parsers by hand
        for step in spec.template.steps:
            steps.setdefault((step.type, step.name))
    return list(steps)


def _missing_stubs(
    steps: list[tuple[str, str]], stub_path: Path, definitions: list[StepFunctionContext]
) -> list[tuple[str, str]]:
    stubbed = _decorated(stub_path)
    return [
        (kind, text)
        for kind, text in steps
        if (kind, text) not in stubbed and not any(matches(d, kind, text) for d in definitions)
    ]


def _decorated(path: Path) -> set[tuple[str, str]]:
    """``(type, text)`` of every ``@given("...")``-style decorator in a stub file, imported or not."""
    if not path.is_file():
        return set()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError as exc:
        raise SymphonyError(
            f"{path}:{exc.lineno}: cannot add step stubs to a module that does not parse; fix it first"
        ) from exc
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if func in ("given", "when", "then") and isinstance(node.args[0].value, str):
                found.add((func, node.args[0].value))
    return found


#: The docstring of a new step module (a literal: no spec text is ever spliced into code).
STUB_DOC = (
    "Steps of {feature}: stubs written by pytest --symphony-scaffold={sequence}.\n\n"
    "Each stub skips, saying what to write, until it is written.  A step of a linked\n"
    "scenario may take the `symphony` fixture to check what its beat left in `symphony.state`.\n"
)


def stub_call(skip: str, kind: str, step_text: str) -> str:
    """The body of a step stub: skip with what to write (the message a ``repr()`` literal)."""
    return f"{skip}({f'step not written yet: {_KEYWORD[kind]} {step_text}'!r})"


def _stub_text(path: Path, stubs: list[tuple[str, str]], sequence: Sequence, feature_name: str) -> str:
    kinds = sorted({kind for kind, _ in stubs})
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if not text.endswith("\n"):
            text += "\n"
        bound = _bound_names(text)
        missing = [k for k in kinds if k not in bound]
        if missing:
            text += f"\nfrom pytest_bdd import {', '.join(missing)}  # added by --symphony-scaffold\n"
        if "pytest" not in bound:
            text += "\nimport pytest  # added by --symphony-scaffold\n"
    else:
        doc = STUB_DOC.format(feature=_clean(feature_name), sequence=_clean(sequence.id))
        text = f"{doc!r}\n\nimport pytest\nfrom pytest_bdd import given, then, when\n"
    for kind, step_text in stubs:
        text += f"\n\n@{kind}({step_text!r})\ndef _():\n    {stub_call('pytest.skip', kind, step_text)}\n"
    return text


def _bound_names(text: str) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


# -- files --------------------------------------------------------------------------------
def _parse(path: Path) -> ParsedFeature | None:
    try:
        return parse_feature(path)
    except GherkinParseError as exc:
        raise SymphonyError(
            f"{path}:{exc.line}: {exc.message}; scaffolding only appends to a feature that parses: fix that line first"
        ) from exc


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _module_stem(sequence_id: str) -> str:
    stem = re.sub(r"\W+", "_", sequence_id).strip("_").lower() or "sequence"
    return stem if not stem[0].isdigit() else f"steps_{stem}"
