"""Real features and specs written by others: they parse, collect, fail cleanly, and scaffold."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CORPUS = Path(os.environ["SYMPHONY_SHARED"]) / "corpus" / "renderx"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside this checkout")

CANVAS = "canvas-component-create-symphony"


@needs_corpus
def test_corpus_features_collect_and_fail_on_their_first_undefined_step(bdd):
    for path in (CORPUS / "features").glob("*.feature"):
        bdd.feature(path.name, path.read_text(encoding="utf-8"))
    items, _ = bdd.pytester.inline_genitems()
    by_file: dict[str, int] = {}
    for item in items:
        name = item.nodeid.split("::")[0]
        by_file[name] = by_file.get(name, 0) + 1
    assert by_file == {"features/build-pipeline-symphony.feature": 11, "features/symphony-report-pipeline.feature": 13}
    result = bdd.run("-q")
    result.assert_outcomes(failed=24)
    out = result.stdout.str()
    assert "INTERNALERROR" not in out and "Traceback" not in out
    result.stdout.fnmatch_lines(
        [
            "features/build-pipeline-symphony.feature:11: no step definition matches Given "
            "'the build environment is initialized'",
            "  (a given step of scenario 'Movement 1 - Validation Phase validates system state', "
            "features/build-pipeline-symphony.feature:17)",
        ]
    )


@needs_corpus
def test_canvas_spec_scaffolds_a_feature_linked_to_its_five_beats(bdd):
    (bdd.path / "sequences").mkdir()
    shutil.copy(CORPUS / "sequences" / "canvas-component-create.json", bdd.path / "sequences")
    bdd.ini("symphony_handlers =")
    first = bdd.run(f"--symphony-scaffold={CANVAS}")
    assert first.ret == 0
    first.stdout.fnmatch_lines(
        [f"symphony scaffold: features/{CANVAS}.feature: 18 scenario(s) added, linked to 5 beat(s)"]
    )
    feature = bdd.path / "features" / f"{CANVAS}.feature"
    stubs = bdd.path / "step_defs" / f"{CANVAS.replace('-', '_')}_steps.py"
    before = feature.read_bytes(), stubs.read_bytes()

    result = bdd.run(f"--symphony={CANVAS}", "-v", "-rs")
    # the beats' handlers do not exist here: the first beat fails, every linked scenario skips naming its beat
    result.assert_outcomes(failed=1, skipped=22)
    for beat in ("resolve-template", "register-instance", "create-node", "render-react-component", "notify-ui"):
        assert f"beat {CANVAS}/{beat} (1." in result.stdout.str()
    assert bdd.run(f"--symphony-scaffold={CANVAS}").ret == 0
    assert (feature.read_bytes(), stubs.read_bytes()) == before
