"""Fixers that append to Gherkin features and step definition modules: a linked scenario
per acceptance criterion, a step stub per unmatched step (it skips, saying what to write,
so a passing suite stays green), the feature narrative from the sequence's user story.
Existing scenarios are never touched (:mod:`..gherkin_edit`).  Where scenarios go, what
can be scaffolded and how a narrative reads are decided in :mod:`pytest_symphony.bdd`,
the same rules ``--symphony-scaffold`` and the conformity checks follow."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from ...bdd.narrative import narrative
from ...bdd.placement import FeatureIndex, duplicate_problem, feature_home, linked_sequences
from ...bdd.scaffold import Draft, beat_drafts, stub_call
from ...conformity.codes import FixSafety
from ...conformity.sources import walk_files
from ...conformity.violation import Edit, Violation
from ...score.links import normalize_name
from ...score.model import Beat, Movement, Sequence
from ..context import FixContext
from ..gherkin_edit import GherkinEditError, append_blocks, insert_narrative, parse
from ..plan import Declined, PlannedFix
from ..pyedit import PythonEditError, append_code, spans
from ..structured import split_pointer

__all__ = ["FIXERS", "feature_for", "step_module_for"]

Offer = Iterator["PlannedFix | Declined"]


def _module_stem(name: str) -> str:
    stem = re.sub(r"\W+", "_", name).strip("_").lower() or "feature"
    return stem if not stem[0].isdigit() else f"steps_{stem}"


def feature_for(ctx: FixContext, sequence_id: str, spec_path: str) -> str:
    """The feature a sequence's scenarios go to (:func:`pytest_symphony.bdd.scaffold.feature_home`),
    looked for in every configured features folder."""
    return feature_home(sequence_id, spec_path, ctx.features_dirs(), _features(ctx))


def _features(ctx: FixContext) -> FeatureIndex:
    """Every feature under the features folders, indexed once per round."""
    if ctx.feature_index is not None:
        return ctx.feature_index
    found, seen = [], set()
    for folder in ctx.features_dirs():
        for path in walk_files((ctx.root / folder).resolve(), (".feature",)):
            rel = ctx.rel(path)
            if rel not in seen:
                seen.add(rel)
                found.append((rel, linked_sequences(ctx.text(rel) or "")))
    ctx.feature_index = FeatureIndex.of(found)
    return ctx.feature_index


def step_module_for(ctx: FixContext, feature: str) -> str:
    stem = feature.rsplit("/", 1)[-1].removesuffix(".feature")
    return f"{ctx.step_defs_dir()}/{_module_stem(stem)}_steps.py"


# -- BDD_SPEC_MISSING ---------------------------------------------------------------------------


def _beat_of(seq: Sequence, pointer: str | None) -> tuple[Movement, Beat] | None:
    parts = split_pointer(pointer or "")
    if len(parts) >= 4 and parts[0] == "movements" and parts[1].isdigit() and parts[3].isdigit():
        m = seq.movements[int(parts[1])]
        index = int(parts[3])
        beat = next((b for b in m.beats if b.index == index), None)
        return (m, beat) if beat is not None else None
    return None


@dataclass
class _FeatureDrafts:
    """What scaffolding writes into one feature: each violation with its beat's drafts, and
    the sequence whose head a new feature gets."""

    sequence: Sequence
    items: list[tuple[Violation, list[Draft]]] = field(default_factory=list)


def _drafts_by_feature(
    violations: list[Violation], ctx: FixContext
) -> tuple[dict[str, _FeatureDrafts], list[Declined]]:
    """The drafts of each violation's beat, by the feature they go to, and the violations
    that cannot be scaffolded (with why)."""
    by_seq: dict[tuple[str, str], list[Violation]] = {}
    for v in violations:
        by_seq.setdefault((v.place.path, v.sequence or ""), []).append(v)
    heads: dict[str, Sequence] = {}  # a new feature's head: the first sequence that goes there
    by_feature: dict[str, _FeatureDrafts] = {}
    declined: list[Declined] = []
    for (path, _), vs in by_seq.items():
        seq = ctx.sequence(path)
        if seq is None:
            declined += [Declined(v, f"{path} does not load") for v in vs]
            continue
        if len(ctx.sequences().get(seq.id, [])) > 1:
            declined += [Declined(v, duplicate_problem(seq.id)) for v in vs]
            continue
        feature = feature_for(ctx, seq.id, path)
        heads.setdefault(feature, seq)
        for v in vs:
            found = _beat_of(seq, v.place.pointer)
            mine, problem = beat_drafts(seq, *found) if found else ([], "the beat is no longer where it was checked")
            if problem:
                declined.append(Declined(v, problem))
            else:
                by_feature.setdefault(feature, _FeatureDrafts(heads[feature])).items.append((v, mine))
    return by_feature, declined


def _renamed_blocks(drafts: list[Draft], existing: set[str]) -> list[str]:
    """Each draft rendered, its name made unique among ``existing`` (which grows)."""
    blocks = []
    for d in drafts:
        name, n = d.name, 1
        while normalize_name(name) in existing:
            n += 1
            name = f"{d.name} ({n})"
        existing.add(normalize_name(name))
        d.name = name
        blocks.append(d.render("\n"))
    return blocks


def bdd_spec_missing(violations: list[Violation], ctx: FixContext) -> Offer:
    by_feature, declined = _drafts_by_feature(violations, ctx)
    yield from declined
    for feature, drafts in by_feature.items():
        old = ctx.text(feature)
        try:
            existing = _scenario_names(old) if old else set()
        except GherkinEditError as exc:
            yield from (Declined(v, f"{feature}: {exc}") for v, _ in drafts.items)
            continue
        blocks = _renamed_blocks([d for _, mine in drafts.items for d in mine], existing)
        fixed = tuple(v for v, _ in drafts.items)
        description = f"scaffold {len(blocks)} linked scenario(s) into {feature}"
        expects: frozenset[str] = frozenset()
        if old is None or not old.strip():
            head, why = _new_feature(drafts.sequence)
            new = head + "".join(blocks)
            if why:  # the new feature reports FEATURE_NARRATIVE_MISSING until someone writes it
                description += f" (narrative left out: {why})"
                expects = frozenset({"FEATURE_NARRATIVE_MISSING"})
        else:
            new = append_blocks(old, blocks)
        edit = Edit(feature, 0, 0, new) if old is None else Edit(feature, len(old), len(old), new[len(old) :])
        yield PlannedFix(fixed[0].code, fixed, description, FixSafety.SAFE, (edit,), expects=expects)


def _mapping(node: object, key: str) -> Mapping[str, Any] | None:
    """``node[key]`` when both are mappings (the Gherkin AST's envelopes are untyped)."""
    value = node.get(key) if isinstance(node, Mapping) else None
    return value if isinstance(value, Mapping) else None


def _scenario_names(text: str) -> set[str]:
    feature = parse(text).get("feature")
    names = set()
    for child in feature.get("children", []) if feature else ():
        rule = _mapping(child, "rule")
        for part in [_mapping(child, "scenario")] + [_mapping(c, "scenario") for c in (rule or {}).get("children", [])]:
            if part:
                names.add(normalize_name(part.get("name", "")))
    return names


def _new_feature(seq: Sequence) -> tuple[str, str]:
    """The head of a new feature, and why it has no narrative ("" when it has one)."""
    title = " ".join(str(seq.name or seq.id).split())
    lines = [f"# Scenarios scaffolded by pytest --symphony-fix from the acceptance criteria of {_line(seq.path)}."]
    story, why = narrative(seq.user_story)
    if story is None and seq.user_story is not None:
        lines.append(f'# No narrative: {why}; write its "As a / I want / So that" lines under Feature.')
    lines.append(f"Feature: {title}")
    lines += [f"  {line}" for line in story or ()]
    return "\n".join(lines) + "\n", why if seq.user_story is not None and story is None else ""


def _line(text: object) -> str:
    return " ".join(str(text).split())


# -- STEP_DEFINITION_MISSING --------------------------------------------------------------------


_STEP_TYPE = re.compile(r"matches no @(given|when|then) step definition")
_LEAD = re.compile(r"^\s*(?:Given|When|Then|And|But|\*)\s+")


def _outline_pattern(text: str) -> tuple[str, str]:
    """("string", text) or ("parse", pattern) for an outline step's ``<placeholders>``."""
    if not re.search(r"<[^<>]+>", text):
        return "string", text
    escaped = text.replace("{", "{{").replace("}", "}}")
    return "parse", re.sub(
        r"<([^<>]+)>", lambda m: "{" + (re.sub(r"\W+", "_", m.group(1)).strip("_") or "value") + "}", escaped
    )


def step_definition_missing(violations: list[Violation], ctx: FixContext) -> Offer:
    by_module: dict[str, list[tuple[Violation, str, str, str]]] = {}
    for v in violations:
        text = ctx.text(v.place.path)
        typed = _STEP_TYPE.search(v.message)
        lines = (text or "").splitlines()
        if text is None or typed is None or v.place.line > len(lines):
            yield Declined(v, "the step cannot be read from the feature")
            continue
        step = _LEAD.sub("", lines[v.place.line - 1], count=1).rstrip()
        quoted = re.search(r'"(.*)" of scenario', v.message)
        if quoted is not None and quoted.group(1) != step:
            yield Declined(v, "the feature changed since it was checked")
            continue
        parser, pattern = _outline_pattern(step)
        by_module.setdefault(step_module_for(ctx, v.place.path), []).append((v, typed.group(1), parser, pattern))
    for module, items in by_module.items():
        old = ctx.text(module)
        unique: dict[tuple[str, str, str], None] = {}
        for _, kind, parser, pattern in items:
            unique.setdefault((kind, parser, pattern))
        imports = sorted({("pytest_bdd", kind) for kind, _, _ in unique})
        if any(parser == "parse" for _, parser, _ in unique):
            imports.append(("pytest_bdd", "parsers"))

        imports.append(("pytest", "skip"))

        def code(local: dict[str, str]) -> str:
            out = []
            for kind, parser, pattern in unique:
                arg = repr(pattern) if parser == "string" else f"{local['parsers']}.parse({pattern!r})"
                out.append(f"@{local[kind]}({arg})\ndef _():\n    {stub_call(local['skip'], kind, pattern)}\n")
            return "\n\n".join(out)

        base = (
            old
            if old is not None
            else (
                '"""Step definitions scaffolded by pytest --symphony-fix: each stub skips, saying what to write, '
                'until it is written."""\n'
            )
        )
        try:
            new = append_code(base, code, imports)
        except PythonEditError as exc:
            yield from (Declined(v, f"{module}: {exc}") for v, *_ in items)
            continue
        vs = tuple(v for v, *_ in items)
        edits = (
            (Edit(module, 0, 0, new),) if old is None else tuple(Edit(module, s, e, r) for s, e, r in spans(old, new))
        )
        yield PlannedFix(vs[0].code, vs, f"scaffold {len(unique)} step stub(s) in {module}", FixSafety.SAFE, edits)


# -- FEATURE_NARRATIVE_MISSING ------------------------------------------------------------------


def feature_narrative_missing(violations: list[Violation], ctx: FixContext) -> Offer:
    for v in violations:
        found = ctx.sequences().get(v.sequence or "", [])
        lines, why = narrative(found[0][1].user_story) if found else (None, "its sequence does not load")
        text = ctx.text(v.place.path)
        if lines is None or text is None:
            yield Declined(v, why or f"{v.place.path} cannot be read")
            continue
        try:
            at, inserted = insert_narrative(text, lines)
        except GherkinEditError as exc:
            yield Declined(v, f"{v.place.path}: {exc}")
            continue
        yield PlannedFix(
            v.code,
            (v,),
            "write the narrative from the user story",
            FixSafety.SAFE,
            (Edit(v.place.path, at, at, inserted),),
        )


FIXERS = {
    "BDD_SPEC_MISSING": bdd_spec_missing,
    "STEP_DEFINITION_MISSING": step_definition_missing,
    "FEATURE_NARRATIVE_MISSING": feature_narrative_missing,
}
