"""Traceability: acceptance criteria, the Gherkin scenarios linked to beats, their steps'
definitions, feature narratives, and beats' links to tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Iterator

from ...bdd.narrative import has_narrative, narrative
from ..features import beat_keys
from ..violation import Fix, Place, Violation
from ..codes import FixSafety, Severity
from .base import Example, SpecCheck, WorkspaceCheck
from .places import beat_pointer, spec_violation

HANDLERS = "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    return {}\n"
AC = "        acceptanceCriteria:\n          - given: sources\n            when: the build runs\n            then: a wheel exists\n"
SPEC = (
    "id: release\nname: Release\nmovements:\n  - name: Build\n    beats:\n      - name: Build\n        handler: build\n"
)
FEATURE = (
    "Feature: Release\n\n  @beat:release/build\n  Scenario: Build a wheel\n"
    "    Given sources\n    When the build runs\n    Then a wheel exists\n"
)
STEPS = (
    "from pytest_bdd import given, when, then\n\n\n"
    "@given('sources')\ndef sources():\n    pass\n\n\n"
    "@when('the build runs')\ndef runs():\n    pass\n\n\n"
    "@then('a wheel exists')\ndef wheel():\n    pass\n"
)


def ws(spec: str = SPEC + AC, feature: str | None = FEATURE, steps: str | None = STEPS, **extra: str) -> dict[str, str]:
    files = {"handlers.py": HANDLERS, "sequences/release.yaml": spec, **extra}
    if feature is not None:
        files["features/release.feature"] = feature
    if steps is not None:
        files["step_defs/release_steps.py"] = steps
    return files


def _linked_scenarios(ws) -> list[Any]:
    """Every scenario linked to a beat that exists, once, in file order."""
    seen: dict[int, Any] = {}
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

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        from ...bdd.placement import duplicate_problem, feature_home
        from ...bdd.scaffold import beat_drafts

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
                        "safe",
                    )
                yield spec_violation(
                    self.code, spec, message, node=b.raw, key=key, pointer=beat_pointer(m, b), beat=b, fix=fix
                )


def _folders(ws) -> list[str]:
    return [f.strip("/") or "." for f in ws.settings.features] or ["features"]


def _feature_links(ws) -> Any:
    """The workspace's features indexed for :func:`feature_home` (built once per engine run)."""
    from ...bdd.placement import FeatureIndex

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

    def check(self, ws) -> Iterator[Violation]:
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
                        f'scaffold a @{step.type}("{step.text}") step function in the step definitions module', "safe"
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

    def check(self, ws) -> Iterator[Violation]:
        for scenario in _linked_scenarios(ws):
            types = {s.type for s in scenario.steps}
            missing = [k for k in ("when", "then") if k not in types]
            if missing:
                yield Violation(
                    self.code,
                    f"scenario '{scenario.name}' has no {' and no '.join(k.capitalize() for k in missing)} step",
                    Place(scenario.feature.path, scenario.line, 1),
                )


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

    def check(self, ws) -> Iterator[Violation]:
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
                fix=Fix(f"write the narrative from the user story of '{seq.id}'", "safe") if lines else None,
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

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
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


_TAG = re.compile(r"\[[^\[\]\n]*\]")
_QUOTED = re.compile(r"""(['"`])((?:(?!\1)[^\\\n]|\\.)+)\1""")
_SCENARIO_LINE = re.compile(r"^\s*Scenario(?: Outline| Template)?:\s*(.+?)\s*$", re.M)


def test_title(text: str) -> str:
    """A test title as matched: bracketed tags (``[AC:...]``, ``[smoke]``) removed, blanks collapsed."""
    return " ".join(_TAG.sub(" ", text).split())


def test_titles(text: str) -> set[str]:
    """Every quoted string and scenario name of a test file, as :func:`test_title` reads it."""
    titles = {test_title(m.group(2)) for m in _QUOTED.finditer(text)}
    return titles | {test_title(m.group(1)) for m in _SCENARIO_LINE.finditer(text)}


def _test_case_found(text: str, titles: set[str], case: str) -> bool:
    """Whether ``case`` is a test function, test class, scenario or quoted test title in ``text``;
    titles match with their bracketed tags stripped on both sides."""
    if re.search(rf"\b(?:def|class)\s+{re.escape(case)}\b", text):
        return True
    wanted = test_title(case)
    return bool(wanted) and wanted in titles


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def linked_test_file(written: str, spec_folder: Path, root: Path) -> Path | None | bool:
    """The file a ``testFile`` names, looked up only inside the project: its path, None when
    no such file is in the project, False when the link points outside the project (which
    is never looked at, so no message tells whether something exists there)."""
    rel = written.replace("\\", "/")
    root = root.resolve()
    candidates = [(root / rel).resolve(), (spec_folder / rel).resolve()]
    inside = [c for c in candidates if _inside(c, root)]
    found = next((c for c in inside if c.is_file()), None)
    if found is None and len(inside) < len(candidates):
        return False
    return found


class TestLinkBroken(SpecCheck):
    code = "TEST_LINK_BROKEN"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "A beat's `testFile` does not exist (relative to the rootdir or to the spec's folder; "
        "backslashes read as separators), or points outside the project (`../`, an absolute path "
        "or a symlink leading out: never looked at, so the message says nothing of what is "
        "there), or its `testCase` is found in that file as no test function, test class, "
        "scenario or quoted test title (`it('...')`). Titles match with bracketed tags removed "
        "on both sides: `testCase: renders the toggle` matches `it('[AC:canvas-1] renders the "
        "toggle')`."
    )
    __test__ = False  # not a pytest test class
    BUILTIN = False
    TESTS = "describe('release', () => {\n  it('[AC:release-1] builds a wheel', () => {});\n});\n"
    VALID = (
        Example(
            ws(
                spec=SPEC + AC + "        testFile: tests/test_release.py\n        testCase: test_build\n",
                **{"tests/test_release.py": "def test_build():\n    pass\n"},
            )
        ),
        Example(
            ws(
                spec=SPEC + AC + "        testFile: __tests__\\\\release.spec.ts\n        testCase: builds a wheel\n",
                **{"__tests__/release.spec.ts": TESTS},
            )
        ),
    )
    INVALID = (
        Example(ws(spec=SPEC + AC + "        testFile: tests/test_gone.py\n"), at=("sequences/release.yaml", 12)),
        Example(
            ws(
                spec=SPEC + AC + "        testFile: tests/test_release.py\n        testCase: test_pack\n",
                **{"tests/test_release.py": "def test_build():\n    pass\n"},
            ),
            at=("sequences/release.yaml", 13),
        ),
        Example(ws(spec=SPEC + AC + "        testFile: ../outside.py\n"), at=("sequences/release.yaml", 12)),
    )

    def check_sequence(self, spec, ws) -> Iterable[Violation]:
        texts: dict[Path, tuple[str, set[str]]] = {}
        for m in spec.sequence.movements:
            for b in m.beats:
                test_file = b.raw.get("testFile")
                if not isinstance(test_file, str) or not test_file.strip():
                    continue
                written = test_file.strip()
                found = linked_test_file(written, spec.path.parent, ws.root)
                if not found:
                    why = (
                        "which is outside the project (testFile paths are relative to the rootdir or the "
                        "spec's folder, and stay inside the project)"
                        if found is False
                        else "which does not exist"
                    )
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat {m.number}.{b.number} '{b.title}' links test file {written!r}, {why}",
                        node=b.raw,
                        key="testFile",
                        pointer=beat_pointer(m, b),
                        beat=b,
                        span=True,
                    )
                    continue
                case = b.raw.get("testCase")
                if not isinstance(case, str) or not case.strip():
                    continue
                if found not in texts:
                    try:
                        text = found.read_text(encoding="utf-8", errors="replace")
                    except OSError:
                        text = ""
                    texts[found] = (text, test_titles(text))
                if not _test_case_found(*texts[found], case.strip()):
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat {m.number}.{b.number} '{b.title}' links test case {case!r}, which {written} does not hold",
                        node=b.raw,
                        key="testCase",
                        pointer=beat_pointer(m, b),
                        beat=b,
                        span=True,
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

    def check(self, ws) -> Iterator[Violation]:
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


CHECKS = [
    BddSpecMissing,
    StepDefinitionMissing,
    ScenarioIncomplete,
    FeatureNarrativeMissing,
    AcceptanceCriteriaMissing,
    TestLinkBroken,
    OrphanedScenario,
]
