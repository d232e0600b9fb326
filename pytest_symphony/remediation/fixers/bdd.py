"""Fixers that append to Gherkin features and step definition modules: a linked scenario
per acceptance criterion, a step stub per unmatched step (it skips, saying what to write,
so a passing suite stays green), the feature narrative from the sequence's user story.
Existing scenarios are never touched (:mod:`..gherkin_edit`).  Where scenarios go, what
can be scaffolded and how a narrative reads are decided in :mod:`pytest_symphony.bdd`,
the same rules ``--symphony-scaffold`` and the conformity checks follow."""

from __future__ import annotations

import re
from typing import Any, Iterator

from ...conformity.codes import FixSafety
from ...conformity.violation import Edit, Violation
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
    from ...bdd.placement import feature_home

    return feature_home(sequence_id, spec_path, ctx.features_dirs(), _features(ctx))


def _features(ctx: FixContext) -> Any:
    """Every feature under the features folders, indexed once per round."""
    from ...bdd.placement import FeatureIndex, linked_sequences
    from ...conformity.workspace import walk_files

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


def _beat_of(seq: Any, pointer: str | None) -> tuple[Any, Any] | None:
    parts = split_pointer(pointer or "")
    if len(parts) >= 4 and parts[0] == "movements" and parts[1].isdigit() and parts[3].isdigit():
        m = seq.movements[int(parts[1])]
        index = int(parts[3])
        beat = next((b for b in m.beats if b.index == index), None)
        return (m, beat) if beat is not None else None
    return None


def bdd_spec_missing(violations: list[Violation], ctx: FixContext) -> Offer:
    from ...bdd.links import normalize_name
    from ...bdd.placement import duplicate_problem
    from ...bdd.scaffold import beat_drafts

    by_seq: dict[tuple[str, str], list[Violation]] = {}
    for v in violations:
        by_seq.setdefault((v.place.path, v.sequence or ""), []).append(v)
    by_feature: dict[str, list[tuple[Violation, list[Any]]]] = {}
    headers: dict[str, Any] = {}
    for (path, sid), vs in by_seq.items():
        seq = ctx.sequence(path)
        if seq is None:
            yield from (Declined(v, f"{path} does not load") for v in vs)
            continue
        if len(ctx.sequences().get(seq.id, [])) > 1:
            yield from (Declined(v, duplicate_problem(seq.id)) for v in vs)
            continue
        feature = feature_for(ctx, seq.id, path)
        headers.setdefault(feature, seq)
        for v in vs:
            found = _beat_of(seq, v.place.pointer)
            mine, problem = beat_drafts(seq, *found) if found else ([], "the beat is no longer where it was checked")
            if problem:
                yield Declined(v, problem)
                continue
            by_feature.setdefault(feature, []).append((v, mine))
    for feature, items in by_feature.items():
        old = ctx.text(feature)
        try:
            existing = _scenario_names(old) if old else set()
        except GherkinEditError as exc:
            yield from (Declined(v, f"{feature}: {exc}") for v, _ in items)
            continue
        blocks = []
        for _, drafts in items:
            for d in drafts:
                name, n = d.name, 1
                while normalize_name(name) in existing:
                    n += 1
                    name = f"{d.name} ({n})"
                existing.add(normalize_name(name))
                d.name = name
                blocks.append(d.render("\n"))
        vs = tuple(v for v, _ in items)
        description = f"scaffold {len(blocks)} linked scenario(s) into {feature}"
        expects: frozenset[str] = frozenset()
        if old is None or not old.strip():
            head, why = _new_feature(headers[feature])
            new = head + "".join(blocks)
            if why:  # the new feature reports FEATURE_NARRATIVE_MISSING until someone writes it
                description += f" (narrative left out: {why})"
                expects = frozenset({"FEATURE_NARRATIVE_MISSING"})
        else:
            new = append_blocks(old, blocks)
        yield PlannedFix(
            vs[0].code,
            vs,
            description,
            FixSafety.SAFE,
            (
                Edit(feature, 0, len(old or ""), new)
                if old is None
                else Edit(feature, len(old), len(old), new[len(old) :]),
            ),
            expects=expects,
        )


def _scenario_names(text: str) -> set[str]:
    from ...bdd.links import normalize_name

    doc = parse(text)
    names = set()
    for child in (doc.get("feature") or {}).get("children", []):
        for part in [child.get("scenario")] + [
            c.get("scenario") for c in (child.get("rule") or {}).get("children", [])
        ]:
            if part:
                names.add(normalize_name(part.get("name", "")))
    return names


def _new_feature(seq: Any) -> tuple[str, str]:
    """The head of a new feature, and why it has no narrative ("" when it has one)."""
    from ...bdd.narrative import narrative

    title = " ".join(str(seq.name or seq.id).split())
    lines = [f"# Scenarios scaffolded by pytest --symphony-fix from the acceptance criteria of {_line(seq.path)}."]
    story, why = narrative(seq.user_story)
    if story is None and seq.user_story is not None:
        lines.append(f'# No narrative: {why}; write its "As a / I want / So that" lines under Feature.')
    lines.append(f"Feature: {title}")
    lines += [f"  {line}" for line in story or ()]
    return "\n".join(lines) + "\n", why if seq.user_story is not None and story is None else ""


def _line(text: Any) -> str:
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
    from ...bdd.scaffold import stub_call

    by_module: dict[str, list[tuple[Violation, str, str, str]]] = {}
    for v in violations:
        text = ctx.text(v.place.path)
        kind = _STEP_TYPE.search(v.message)
        lines = (text or "").splitlines()
        if text is None or kind is None or v.place.line > len(lines):
            yield Declined(v, "the step cannot be read from the feature")
            continue
        step = _LEAD.sub("", lines[v.place.line - 1], count=1).rstrip()
        quoted = re.search(r'"(.*)" of scenario', v.message)
        if quoted is not None and quoted.group(1) != step:
            yield Declined(v, "the feature changed since it was checked")
            continue
        parser, pattern = _outline_pattern(step)
        by_module.setdefault(step_module_for(ctx, v.place.path), []).append((v, kind.group(1), parser, pattern))
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
    from ...bdd.narrative import narrative

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
