"""Scenarios linked to beats: every beat has one, each one's steps are defined and
complete, and each link names a beat that exists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

from ....bdd.placement import FeatureIndex, duplicate_problem, feature_home
from ....bdd.scaffold import beat_drafts
from ...codes import FixSafety, Severity
from ...features import ScenarioDoc, beat_keys
from ...violation import Fix, Place, Violation
from ..base import Example, SpecCheck, WorkspaceCheck
from ..places import beat_pointer, spec_violation
from .examples import FEATURE, SPEC, STEPS, ws

if TYPE_CHECKING:
    from ...sources import LoadedSpec
    from ...workspace import Workspace


def _linked_scenarios(ws: Workspace) -> list[ScenarioDoc]:
    """Every scenario linked to a beat that exists, once, in file order."""
    seen: dict[int, ScenarioDoc] = {}
    for spec in ws.loaded():
        for m in spec.sequence.movements:
            for b in m.beats:
                for s in ws.bdd.linked(spec.sequence, m, b):
                    seen.setdefault(id(s), s)
    return sorted(seen.values(), key=lambda s: (s.feature.path, s.line))


class BddSpecMissing(SpecCheck):
    code = "BDD_SPEC_MISSING"
    severity = Severity.MAJOR
    fix = FixSafety.SAFE
    summary = (
        "A beat with acceptance criteria (every beat, where ini `symphony_require_bdd` is true) "
        "has no linked Gherkin scenario: none tagged `@beat:<sequence>/<beat>` (on the scenario, "
        "its Rule or its Feature) and none named by the beat's `scenario` field. Built-in "
        "pipelines are not checked (their features live with the package)."
    )
    fix_summary = (
        "Scaffold a scenario per acceptance criterion, linked to the beat, into the sequence's "
        "feature: the one it has in any features folder (named after its id, or linking to it), "
        "else a new `<id slug>.feature` in the features folder nearest its spec. Reported "
        "without a fix (the message says why) when the sequence id is declared twice or cannot "
        "be written in a tag, or a criterion has no When or Then."
    )
    BUILTIN = False
    VALID = (Example(ws()),)
    INVALID = (
        Example(ws(feature=FEATURE.replace("@beat:release/build", "@smoke")), at=("sequences/release.yaml", 8)),
        Example(ws(spec=SPEC, feature=None), ini={"symphony_require_bdd": "true"}, at=("sequences/release.yaml", 6)),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        seq = spec.sequence
        home = None
        for m in seq.movements:
            for b in m.beats:
                if not (b.acceptance_criteria or ws.settings.require_bdd):
                    continue
                if ws.bdd.linked(seq, m, b):
                    continue
                key = "acceptanceCriteria" if "acceptanceCriteria" in b.raw else None
                named = (
                    f"; its `scenario` {b.scenario!r} names no scenario of any feature"
                    if isinstance(b.scenario, str) and b.scenario.strip()
                    else ""
                )
                message = (
                    f"beat {m.number}.{b.number} '{b.title}' has no linked scenario{named}; tag one "
                    f"@beat:{seq.id}/{b.slug} or name it in the beat's `scenario`"
                )
                problem = (duplicate_problem(seq.id) if len(ws.sequences.get(seq.id, ())) > 1 else None) or beat_drafts(
                    seq, m, b
                )[1]
                fix = None
                if problem:  # the detection run says why --symphony-fix will not scaffold it
                    message += f" (no fix: {problem})"
                else:
                    home = home or feature_home(seq.id, spec.rel, _folders(ws), _feature_links(ws))
                    fix = Fix(
                        f"scaffold a scenario tagged @beat:{seq.id}/{b.slug} into {home} from the beat's "
                        "acceptance criteria",
                        FixSafety.SAFE,
                    )
                yield spec_violation(
                    self.code, spec, message, node=b.raw, key=key, pointer=beat_pointer(m, b), beat=b, fix=fix
                )


def _folders(ws: Workspace) -> list[str]:
    return [f.strip("/") or "." for f in ws.settings.features] or ["features"]


def _feature_links(ws: Workspace) -> FeatureIndex:
    """The workspace's features indexed for :func:`feature_home` (built once per engine run)."""
    if ws.bdd.feature_index is None:
        ws.bdd.feature_index = FeatureIndex.of(
            [(f.path, {seq for s in f.scenarios for seq, _ in s.links}) for f in ws.bdd.features]
        )
    return ws.bdd.feature_index


class StepDefinitionMissing(WorkspaceCheck):
    code = "STEP_DEFINITION_MISSING"
    severity = Severity.MAJOR
    fix = FixSafety.SAFE
    summary = (
        "A step of a linked scenario matches no step definition of the step definition modules "
        "(ini `symphony_step_defs`) and conftest.py files, matched as pytest-bdd matches them "
        "(type, then exact text, parse, cfparse or regular expression; outline steps with every "
        "example row)."
    )
    fix_summary = (
        "Scaffold a step function for the step in the step definitions module; it calls "
        '`pytest.skip("step not written yet: ...")`, so the suite stays as green as it was.'
    )
    VALID = (Example(ws()),)
    INVALID = (
        Example(ws(steps=STEPS.replace("'a wheel exists'", "'a wheel is built'")), at=("features/release.feature", 7)),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        seen: set[tuple[str, int]] = set()
        for scenario in _linked_scenarios(ws):
            for step in scenario.steps:
                key = (scenario.feature.path, step.line)
                if key in seen or ws.bdd.matches(step, scenario.examples):
                    continue
                seen.add(key)
                yield Violation(
                    self.code,
                    f"step {step.keyword.strip()} \"{step.text}\" of scenario '{scenario.name}' matches no "
                    f"@{step.type} step definition",
                    Place(scenario.feature.path, step.line, 1),
                    fix=Fix(
                        f'scaffold a @{step.type}("{step.text}") step function in the step definitions module',
                        FixSafety.SAFE,
                    ),
                )


class ScenarioIncomplete(WorkspaceCheck):
    code = "SCENARIO_INCOMPLETE"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "A linked scenario has no When step or no Then step (`And`/`But` take the keyword of the "
        "step before them; Background steps count)."
    )
    VALID = (Example(ws()),)
    INVALID = (
        Example(
            ws(feature=FEATURE.replace("    When the build runs\n", "    And the build runs\n")),
            at=("features/release.feature", 4),
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        for scenario in _linked_scenarios(ws):
            types = {s.type for s in scenario.steps}
            missing = [k for k in ("when", "then") if k not in types]
            if missing:
                yield Violation(
                    self.code,
                    f"scenario '{scenario.name}' has no {' and no '.join(k.capitalize() for k in missing)} step",
                    Place(scenario.feature.path, scenario.line, 1),
                )


class OrphanedScenario(WorkspaceCheck):
    code = "ORPHANED_SCENARIO"
    severity = Severity.MINOR
    fix = FixSafety.NONE
    summary = "A scenario links to a sequence or beat that no scanned spec defines."
    VALID = (Example(ws()),)
    INVALID = (
        Example(
            ws(feature=FEATURE.replace("@beat:release/build", "@beat:release/deploy")),
            at=("features/release.feature", 4),
        ),
        Example(
            ws(feature=FEATURE.replace("@beat:release/build", "@beat:refund/build")), at=("features/release.feature", 4)
        ),
    )

    def check(self, ws: Workspace) -> Iterator[Violation]:
        for scenario in ws.bdd.scenarios:
            for seq_id, ref in scenario.links:
                specs = ws.sequences.get(seq_id)
                if not specs:
                    problem = f"sequence '{seq_id}', which no scanned spec defines"
                elif ref is not None and not any(
                    ref in beat_keys(m, b) for s in specs for m in s.sequence.movements for b in m.beats
                ):
                    problem = f"beat '{ref}', which sequence '{seq_id}' does not have"
                else:
                    continue
                yield Violation(
                    self.code,
                    f"scenario '{scenario.name}' links to {problem}",
                    Place(scenario.feature.path, scenario.line, 1),
                    sequence=seq_id,
                )
