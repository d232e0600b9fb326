"""The engine on real input, judged exactly: a copy of the RenderX corpus (sequences,
features, DOMAIN_REGISTRY.json) reports every violation truly there and nothing else.

What is there (read from the files, one by one; no handler modules, tests, lock,
manifest or run history are part of the copy):

* HANDLER_NOT_FOUND (92): the specs name JavaScript handlers; no Python handler module is
  registered.  Not the 33 beats of symphonia-conformity-alignment: their handlers are
  declared `script`s (`handlers: {id: {script, method}}`), which the run runs as commands.
* ACCEPTANCE_CRITERIA_MISSING, every beat without `acceptanceCriteria` (119): all of
  build-pipeline-symphony (39), safe-continuous-delivery (17, which carry only free
  `success_criteria`), symphonia-conformity-alignment (33) and symphony-report (30).
* BDD_SPEC_MISSING (6): the five canvas beats and the legacy stub's beat have
  acceptance criteria, and the scenarios their `scenario` fields name ("resolve
  Template", ...) exist in no feature; no scenario carries a @beat link tag.
* TEST_LINK_BROKEN (6) and HARDCODED_PATH (6): the same six beats link `testFile`s
  written with backslashes (`__tests__\\create.from-data.spec.ts`,
  `node_modules\\@renderx-plugins\\...`) that are not in the copy.
* INVALID_EVENT_REFERENCE (60): symphony-report's 30 beats emit events such as
  `metrics:execution:queried` while its `events` declares `metrics:aggregation:complete`
  and the like; 30 of symphonia's 33 beats emit `phase-N:...` events its `events` lacks.
* UNUSED_EVENT (55): declared events no beat emits: 8 in build-pipeline-symphony (e.g.
  `build:initiated`, `build:failure`), all 23 of safe-continuous-delivery (its beats
  declare no events), 15 of symphonia, 9 of symphony-report.
* BEAT_COUNT_MISMATCH (2): symphonia declares `"beats": 4` (it has 33; 4 is its
  movement count) and symphony-report `"beats": 6` (it has 30). SAFe's 17 and its
  movements' 4/5/4/4, and canvas's 5, are right.
* INVALID_TIMING (17): every SAFe beat's `timing` is a free-text cadence ("Daily or
  per-epic", "Continuous", ...) and the workspace declares no cadences.
* DUPLICATE_SEQUENCE_ID (2): build-pipeline-symphony.json and its legacy stub share the
  id `build-pipeline-symphony`.
* METADATA_MISSING (3): canvas-component-create has no `description`, `kind`, `status`.
* ROLLBACK_NOT_DEFINED (1): safe-continuous-delivery is of kind `continuous-delivery` and
  declares no rollback. (symphonia has `critical: true` and `rollbackCapable: true` beats
  and declares a `rollbackStrategy` without a handler: that counts as its rollback.)
* POLICY_NOT_REFERENCED (6): three policies of each of build-pipeline-symphony ("All
  build logs must be archived with correlation IDs", "Build performance must be tracked
  against baselines", "Concurrent package builds must not exceed system capacity") and
  safe-continuous-delivery ("... customer collaboration ...", "... automated build and
  test validation", "... feature toggles and dark launches ...") match no policy check.
* ORPHANED_DOMAIN_REFERENCE (26): the registry's `sequence_files` name 26 files that
  are not in the copy under any name (`orchestration-core.json`, `canvas-component/
  create.json`, ...); the six it names that are here (by file stem) resolve.

Not there, and not reported: parse or schema errors (all six specs load), missing ids,
unknown domains (both `domainId`s name `renderx-web-orchestration`, a registered domain),
numbering gaps or duplicate beat numbers (every movement numbers 1..n), invalid dynamics
(build-pipeline's `dynamics` mapping is a legend of the levels), musical metadata (all
120 BPM, "C Major", "4/4"), narratives (both features have one; no feature's sequence has
a user story without it), threshold breaches (SAFe's declared visibility/consistency are
all >= 0.7), and every history-, lock- or manifest-based code.
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from pytest_symphony.conformity.engine import check_workspace

CORPUS = Path(os.environ["SYMPHONY_SHARED"]) / "corpus" / "renderx"

EXPECTED = {
    "DOMAIN_REGISTRY.json": {
        "ORPHANED_DOMAIN_REFERENCE": [
            192,
            301,
            302,
            303,
            304,
            305,
            306,
            307,
            308,
            343,
            425,
            455,
            487,
            517,
            548,
            579,
            673,
            706,
            739,
            771,
            865,
            900,
            935,
            969,
            1003,
            1109,
        ],
    },
    "sequences/build-pipeline-symphony.json": {
        "ACCEPTANCE_CRITERIA_MISSING": [
            72,
            80,
            88,
            96,
            104,
            120,
            128,
            136,
            144,
            152,
            168,
            176,
            184,
            192,
            200,
            208,
            216,
            224,
            232,
            240,
            248,
            256,
            264,
            272,
            280,
            296,
            304,
            312,
            320,
            336,
            344,
            352,
            360,
            368,
            384,
            392,
            400,
            408,
            416,
        ],
        "DUPLICATE_SEQUENCE_ID": [2],
        "HANDLER_NOT_FOUND": [
            75,
            83,
            91,
            99,
            107,
            123,
            131,
            139,
            147,
            155,
            171,
            179,
            187,
            195,
            203,
            211,
            219,
            227,
            235,
            243,
            251,
            259,
            267,
            275,
            283,
            299,
            307,
            315,
            323,
            339,
            347,
            355,
            363,
            371,
            387,
            395,
            403,
            411,
            419,
        ],
        "POLICY_NOT_REFERENCED": [18, 19, 20],
        "UNUSED_EVENT": [34, 36, 41, 47, 60, 61, 62, 63],
    },
    "sequences/build-pipeline-symphony.legacy-stub.json": {
        "BDD_SPEC_MISSING": [31],
        "DUPLICATE_SEQUENCE_ID": [2],
        "HANDLER_NOT_FOUND": [18],
        "HARDCODED_PATH": [24],
        "TEST_LINK_BROKEN": [24],
    },
    "sequences/canvas-component-create.json": {
        "BDD_SPEC_MISSING": [26, 93, 159, 243, 344],
        "HANDLER_NOT_FOUND": [15, 82, 148, 232, 333],
        "HARDCODED_PATH": [25, 92, 158, 242, 343],
        "METADATA_MISSING": [1, 1, 1],
        "TEST_LINK_BROKEN": [25, 92, 158, 242, 343],
    },
    "sequences/safe-continuous-delivery-pipeline.json": {
        "ACCEPTANCE_CRITERIA_MISSING": [
            230,
            244,
            258,
            273,
            300,
            315,
            330,
            345,
            360,
            389,
            404,
            419,
            434,
            461,
            476,
            491,
            506,
        ],
        "HANDLER_NOT_FOUND": [236, 250, 264, 279, 306, 321, 336, 351, 366, 395, 410, 425, 440, 467, 482, 497, 512],
        "INVALID_TIMING": [242, 256, 271, 286, 313, 328, 343, 358, 375, 402, 417, 432, 447, 474, 489, 504, 519],
        "POLICY_NOT_REFERENCED": [21, 22, 23],
        "ROLLBACK_NOT_DEFINED": [1],
        "UNUSED_EVENT": [40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62],
    },
    "sequences/symphonia-conformity-alignment-pipeline.json": {
        "ACCEPTANCE_CRITERIA_MISSING": [
            60,
            70,
            86,
            112,
            123,
            138,
            167,
            177,
            193,
            219,
            231,
            247,
            276,
            286,
            302,
            318,
            344,
            356,
            372,
            416,
            433,
            458,
            485,
            514,
            539,
            568,
            589,
            611,
            632,
            661,
            678,
            708,
            726,
        ],
        "BEAT_COUNT_MISMATCH": [1002],
        # its handlers are declared scripts (`handlers: {id: {script, method}}`): the run runs them
        "INVALID_EVENT_REFERENCE": [
            64,
            74,
            90,
            116,
            127,
            171,
            181,
            197,
            223,
            235,
            280,
            290,
            306,
            322,
            348,
            360,
            420,
            437,
            462,
            489,
            518,
            543,
            572,
            593,
            615,
            636,
            665,
            682,
            712,
            730,
        ],
        "UNUSED_EVENT": [30, 31, 32, 33, 34, 36, 37, 38, 40, 41, 42, 44, 45, 46, 47],
    },
    "sequences/symphony-report-pipeline.json": {
        "ACCEPTANCE_CRITERIA_MISSING": [
            29,
            38,
            47,
            56,
            65,
            81,
            90,
            99,
            108,
            117,
            133,
            142,
            151,
            160,
            169,
            185,
            194,
            203,
            212,
            221,
            237,
            246,
            255,
            264,
            273,
            289,
            298,
            307,
            316,
            325,
        ],
        "BEAT_COUNT_MISMATCH": [338],
        "HANDLER_NOT_FOUND": [
            34,
            43,
            52,
            61,
            70,
            86,
            95,
            104,
            113,
            122,
            138,
            147,
            156,
            165,
            174,
            190,
            199,
            208,
            217,
            226,
            242,
            251,
            260,
            269,
            278,
            294,
            303,
            312,
            321,
            330,
        ],
        "INVALID_EVENT_REFERENCE": [
            33,
            42,
            51,
            60,
            69,
            85,
            94,
            103,
            112,
            121,
            137,
            146,
            155,
            164,
            173,
            189,
            198,
            207,
            216,
            225,
            241,
            250,
            259,
            268,
            277,
            293,
            302,
            311,
            320,
            329,
        ],
        "UNUSED_EVENT": [13, 14, 15, 16, 17, 18, 19, 20, 21],
    },
}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    root = tmp_path_factory.mktemp("renderx")
    for name in ("sequences", "features"):
        shutil.copytree(CORPUS / name, root / name)
    shutil.copy(CORPUS / "DOMAIN_REGISTRY.json", root / "DOMAIN_REGISTRY.json")
    return check_workspace(root, use_cache=False)


def test_reports_exactly_what_is_there(result):
    got: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for v in result.violations:
        got[v.place.path][v.code].append(v.place.line)
    got_plain = {path: {code: sorted(lines) for code, lines in codes.items()} for path, codes in got.items()}
    assert got_plain == EXPECTED
    assert len(result.violations) == sum(len(lines) for codes in EXPECTED.values() for lines in codes.values()) == 401


def test_nothing_suppressed_nothing_broken(result):
    assert result.errors == []
    assert result.suppressed == [] and result.unused_suppressions == []
    assert any("no symphony.lock" in note for note in result.notes)


def test_messages_name_what_is_wrong(result):
    by_code = defaultdict(list)
    for v in result.violations:
        by_code[v.code].append(v)
    counts = sorted(v.message for v in by_code["BEAT_COUNT_MISMATCH"])
    assert counts == ["declares 4 beats, has 33", "declares 6 beats, has 30"]
    assert all(v.fix is not None and v.fix.edits for v in by_code["BEAT_COUNT_MISMATCH"])
    dup = {v.place.path: v.message for v in by_code["DUPLICATE_SEQUENCE_ID"]}
    assert "sequences/build-pipeline-symphony.legacy-stub.json" in dup["sequences/build-pipeline-symphony.json"]
    hp = [v for v in by_code["HARDCODED_PATH"] if "canvas" in v.place.path][0]
    assert hp.fix.safety.value == "safe" and hp.fix.edits[0].replacement == '"__tests__/create.from-data.spec.ts"'
    rollback = {v.place.path: v.message for v in by_code["ROLLBACK_NOT_DEFINED"]}
    assert "kind is 'continuous-delivery'" in rollback["sequences/safe-continuous-delivery-pipeline.json"]
    assert "sequences/symphonia-conformity-alignment-pipeline.json" not in rollback  # its rollbackStrategy counts
    orphan = [v for v in by_code["ORPHANED_DOMAIN_REFERENCE"] if v.place.line == 192][0]
    assert orphan.message == (
        "domain 'orchestration-core' lists file "
        "'packages/orchestration/json-sequences/orchestration-core.json', which no scanned spec defines"
    )
