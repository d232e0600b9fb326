"""What a sequence says for its users: acceptance criteria on every beat, and the user
story written as its feature's narrative."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Iterator

from ....bdd.narrative import has_narrative, narrative
from ...codes import FixSafety, Severity
from ...violation import Fix, Place, Violation
from ..base import Example, SpecCheck, WorkspaceCheck
from ..places import beat_pointer, spec_violation
from .examples import AC, FEATURE, SPEC, ws

if TYPE_CHECKING:
    from ...sources import LoadedSpec
    from ...workspace import Workspace


class FeatureNarrativeMissing(WorkspaceCheck):
    code = "FEATURE_NARRATIVE_MISSING"
    severity = Severity.MINOR
    fix = FixSafety.SAFE
    summary = (
        'A feature\'s description lacks the narrative ("As a", "I want" (or need, would like, '
        'wish), and "In order to" or "So that") while its sequence (linked by a scenario\'s '
        "tag, or the feature file named `<sequence id>.feature`) has a user story."
    )
    fix_summary = (
        "Write the narrative from the sequence's user story (`{persona, goal, benefit}` or \"As "
        'a ..., I want ..., so that ...") into the feature description: "I want to <goal>" '
        'for an action, "I want <goal>" for a thing, "In order to" or "So that" as the '
        "benefit reads. Reported without a fix (the message says why) when a part is missing or "
        "the benefit is only a noun phrase."
    )
    STORY = "userStory:\n  persona: release manager\n  goal: ship safely\n  benefit: users get fixes\n"
    VALID = (
        Example(
            ws(
                spec=STORY + SPEC + AC,
                feature=FEATURE.replace(
                    "Feature: Release\n",
                    "Feature: Release\n  In order to get fixes\n  As a release manager\n  I want to ship safely\n",
                ),
            )
        ),
    )
    INVALID = (Example(ws(spec=STORY + SPEC + AC), at=("features/release.feature", 1)),)

    def check(self, ws: Workspace) -> Iterator[Violation]:
        order = {id(s): n for n, s in enumerate(ws.specs)}
        owners_of: dict[int, list[Any]] = {}
        for seq_id, specs in ws.sequences.items():
            for feature in ws.bdd.features_of(seq_id):
                owners_of.setdefault(id(feature), []).extend(s for s in specs if not s.builtin)
        for feature in ws.bdd.features:
            owners = [s.sequence for s in sorted(owners_of.get(id(feature), ()), key=lambda s: order[id(s)])]
            with_story = [seq for seq in owners if seq.user_story is not None]
            if not with_story:
                continue
            if has_narrative(feature.description):
                continue
            seq = with_story[0]
            lines, why = narrative(seq.user_story)
            message = (
                f"feature '{feature.name}' has no \"As a / I want / In order to (or So that)\" narrative, "
                f"though sequence '{seq.id}' has a user story"
            )
            yield Violation(
                self.code,
                message + (f" (no fix: {why})" if lines is None else ""),
                Place(feature.path, feature.line, 1),
                fix=Fix(f"write the narrative from the user story of '{seq.id}'", FixSafety.SAFE) if lines else None,
                sequence=seq.id,
            )


class AcceptanceCriteriaMissing(SpecCheck):
    code = "ACCEPTANCE_CRITERIA_MISSING"
    severity = Severity.MINOR
    fix = FixSafety.NONE
    summary = (
        "A beat has no acceptance criteria (`acceptanceCriteria` or "
        "`acceptanceCriteriaStructured`, missing or empty; free lists such as `success_criteria` "
        "are not acceptance criteria)."
    )
    BUILTIN = False
    VALID = (Example(ws()),)
    INVALID = (Example(ws(spec=SPEC), at=("sequences/release.yaml", 6)),)

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        for m in spec.sequence.movements:
            for b in m.beats:
                if not b.acceptance_criteria:
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat {m.number}.{b.number} '{b.title}' has no acceptance criteria",
                        node=b.raw,
                        pointer=beat_pointer(m, b),
                        beat=b,
                    )
