"""Every real spec in the corpus loads, with counts and lines checked against the file itself."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from pytest_symphony.score.loader import load_spec
from pytest_symphony.score.validate import validator, sequence_document

CORPUS = Path(os.environ["SYMPHONY_SHARED"]) / "corpus" / "renderx" / "sequences"
FILES = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason="the renderx corpus is not on this machine")


def _beat_lists(spec: dict) -> list[list[dict]]:
    """The beat list of each movement, counted straight from the JSON (no loader code)."""
    lists = []
    for movement in spec["movements"]:
        chosen = []
        for key in ("beats", "steps", "sequence"):
            value = movement.get(key)
            if isinstance(value, list) and value:
                chosen = value
                break
        lists.append(chosen)
    return lists


@pytest.fixture(params=FILES, ids=[f.name for f in FILES])
def corpus_file(request, tmp_path) -> Path:
    target = tmp_path / request.param.name
    shutil.copyfile(request.param, target)
    return target


def test_loads_with_the_movements_and_beats_the_file_has(corpus_file: Path) -> None:
    result = load_spec(corpus_file, display_path=f"sequences/{corpus_file.name}")
    assert result.problems == ()
    seq = result.sequence
    assert seq is not None
    spec = json.loads(corpus_file.read_text(encoding="utf-8"))
    lists = _beat_lists(spec)
    assert len(seq.movements) == len(spec["movements"])
    assert [len(m.beats) for m in seq.movements] == [len(b) for b in lists]
    assert sum(len(b) for b in lists) == len(seq.beats) > 0
    assert seq.id == (spec.get("id") or spec.get("sequenceId"))
    assert seq.path == f"sequences/{corpus_file.name}"
    assert seq.content_hash == hashlib.sha256(corpus_file.read_bytes()).hexdigest()
    assert validator().is_valid(sequence_document(seq))


def test_each_beat_sits_on_the_line_of_its_opening_brace(corpus_file: Path) -> None:
    seq = load_spec(corpus_file).sequence
    assert seq is not None
    lines = corpus_file.read_text(encoding="utf-8").splitlines()
    spec = json.loads("\n".join(lines))
    previous = 0
    for movement, raw_beats in zip(seq.movements, _beat_lists(spec)):
        assert lines[movement.line - 1].strip() == "{"
        for beat, raw in zip(movement.beats, raw_beats):
            assert beat.line > previous
            previous = beat.line
            # these files are pretty-printed: "{" alone, then the beat's first key
            assert lines[beat.line - 1].strip() == "{"
            key, value = next(iter(raw.items()))
            first = lines[beat.line].strip().rstrip(",")
            assert first == f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"


def test_slugs_are_unique_in_their_parent(corpus_file: Path) -> None:
    seq = load_spec(corpus_file).sequence
    assert seq is not None
    assert len({m.slug for m in seq.movements}) == len(seq.movements)
    for m in seq.movements:
        assert len({b.slug for b in m.beats}) == len(m.beats)
        assert all(b.slug and b.slug == b.slug.lower() and " " not in b.slug for b in m.beats)


def test_what_each_corpus_shape_becomes(tmp_path: Path) -> None:
    def load(name: str):
        shutil.copyfile(CORPUS / name, tmp_path / name)
        seq = load_spec(tmp_path / name).sequence
        assert seq is not None
        return seq

    build = load("build-pipeline-symphony.json")
    first = build.movements[0].beats[0]
    assert (first.number, first.slug, first.handler.name, first.handler.module) == (
        1,
        "load-build-context",  # no name or id: the camelCase handler name
        "loadBuildContext",
        None,
    )
    assert build.dynamics is None and "pp" in build.raw["dynamics"]  # a legend, kept raw
    assert first.raw["timing"] == "immediate"  # unknown fields stay

    safe = load("safe-continuous-delivery-pipeline.json")
    assert safe.declared_beats == 17
    assert [m.declared_beats for m in safe.movements] == [4, 5, 4, 4]
    assert safe.movements[0].id == "continuous-exploration" and safe.movements[0].number == 1
    hyp = safe.movements[0].beats[0]
    assert hyp.id == "hypothesize" and hyp.handler.name == "hypothesize-mvp"
    assert hyp.handler.raw["name"] == "Hypothesize MVP"  # the declaration travels with it
    assert safe.version == "1.0.0"  # from metadata.version
    assert set(safe.handlers) >= {"hypothesize-mvp", "lint-quality-gate"}

    conf = load("symphonia-conformity-alignment-pipeline.json")
    snap = conf.movements[0].beats[0]
    assert snap.handler.name == "createPreFixSnapshot"
    assert (snap.handler.timeout_ms, snap.handler.retries) == (500, 1)
    scan = conf.movements[0].beats[1]
    assert dict(scan.inputs)["patterns"][0] == "packages/*/domains/**/*.json"  # from `input`
    assert conf.rollback is None and conf.raw["rollbackStrategy"]["enabled"] is True
    assert conf.version == "2.0" and conf.declared_beats == 4

    stub = load("build-pipeline-symphony.legacy-stub.json")
    beat = stub.movements[0].beats[0]
    assert beat.handler.module == "analysis.discovery"
    assert beat.handler.name == "scanOrchestrationFiles"
    assert beat.handler.raw["scope"] == "orchestration"
    assert beat.user_story.persona == "System Operator"
    assert len(beat.acceptance_criteria) == 5
    assert beat.acceptance_criteria[0].and_ == (
        "the output is valid and meets schema",
        "any required events are published",
    )

    canvas = load("canvas-component-create.json")
    assert canvas.movements[0].id == "create"
    assert [b.slug for b in canvas.movements[0].beats][:2] == ["resolve-template", "register-instance"]
    assert canvas.movements[0].beats[0].dynamics == "mf"
    assert canvas.events is None  # declares none

    report = load("symphony-report-pipeline.json")
    assert [m.number for m in report.movements] == [1, 2, 3, 4, 5, 6]
    assert report.movements[0].beats[0].raw["timing"] == "< 100ms"
