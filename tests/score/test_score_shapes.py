"""Every spec shape normalizes into the one model: handlers, criteria, stories, numbers, slugs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from pytest_symphony.score.loader import SPEC_SUFFIXES, load_spec
from pytest_symphony.score.model import Criterion, HandlerRef, UserStory
from pytest_symphony.score.normalize import slugify, split_camel

RECOMMENDED = """\
id: release
name: Release
version: "1.0.0"
events: [built, shipped]
movements:
  - name: Build
    beats:
      - name: Compile
        handler: compile_sources
        event: built
        timeout: 2s
        retries: 1
        dynamics: mf
        inputs: {target: wheel}
        acceptanceCriteria:
          - given: a clean checkout
            when: the sources compile
            then: a wheel exists
governance:
  policies: [All beats pass]
"""


def load_text(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    result = load_spec(path)
    assert result.problems == (), [str(p) for p in result.problems]
    assert result.sequence is not None
    return result.sequence


def load_json(tmp_path: Path, data: dict, name: str = "spec.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    result = load_spec(path)
    assert result.problems == (), [str(p) for p in result.problems]
    return result.sequence


def test_spec_suffixes() -> None:
    assert SPEC_SUFFIXES == (".json", ".yaml", ".yml")


def test_the_recommended_form(tmp_path: Path) -> None:
    seq = load_text(tmp_path, "release.yaml", RECOMMENDED)
    assert (seq.id, seq.name, seq.slug, seq.version, seq.id_declared) == (
        "release",
        "Release",
        "release",
        "1.0.0",
        True,
    )
    assert seq.events == ("built", "shipped")
    assert dict(seq.governance) == {"policies": ["All beats pass"]}
    assert seq.line == 1 and seq.path == str(tmp_path / "release.yaml")
    (movement,) = seq.movements
    assert (movement.number, movement.name, movement.slug, movement.line) == (1, "Build", "build", 6)
    (beat,) = movement.beats
    assert (beat.index, beat.number, beat.name, beat.slug, beat.line) == (0, 1, "Compile", "compile", 8)
    assert beat.handlers == (HandlerRef(name="compile_sources", line=8, raw="compile_sources"),)
    assert (beat.event, beat.timeout, beat.retries, beat.dynamics) == ("built", "2s", 1, "mf")
    assert dict(beat.inputs) == {"target": "wheel"}
    assert beat.acceptance_criteria == (
        Criterion(given=("a clean checkout",), when=("the sources compile",), then=("a wheel exists",), line=16),
    )
    assert beat.acceptance_criteria[0].structured


def test_yml_and_json_load_the_same_sequence(tmp_path: Path) -> None:
    import yaml

    from_yaml = load_text(tmp_path, "release.yml", RECOMMENDED)
    from_json = load_json(tmp_path, yaml.safe_load(RECOMMENDED), "release.json")
    strip = lambda seq: [(b.number, b.name, b.slug, b.handlers[0].name, b.timeout, b.retries) for b in seq.beats]
    assert strip(from_yaml) == strip(from_json)
    lines = (tmp_path / "release.json").read_text().splitlines()
    name_line = [x.strip() for x in lines].index('"name": "Compile",') + 1
    assert from_json.movements[0].beats[0].line == name_line - 1  # the "{" just above


def test_handler_forms(tmp_path: Path) -> None:
    seq = load_text(
        tmp_path,
        "h.yaml",
        """\
        id: h
        handlers:
          - id: declared-in-list
            name: A Human Title
            timeout: 250
            retries: 3
          - id: by-function
            handler: pkg.mod#run
        movements:
          - name: M
            beats:
              - handler: bareName
              - handler: pkg.tasks#build_wheel
              - handler: {name: "analysis.discovery#scan", scope: plugin, kind: plugin}
              - handlers: [declared-in-list, by-function, undeclared]
              - handler: bareName
                handlers: [bareName, other]
        """,
    )
    b = seq.movements[0].beats
    assert (b[0].handler.name, b[0].handler.module) == ("bareName", None)
    assert (b[1].handler.name, b[1].handler.module, b[1].handler.display) == (
        "build_wheel",
        "pkg.tasks",
        "pkg.tasks#build_wheel",
    )
    assert (b[2].handler.name, b[2].handler.module) == ("scan", "analysis.discovery")
    assert b[2].handler.raw == {"name": "analysis.discovery#scan", "scope": "plugin", "kind": "plugin"}
    listed = b[3].handlers
    assert [(h.name, h.module, h.timeout_ms, h.retries) for h in listed] == [
        ("declared-in-list", None, 250, 3),  # the id is the registry key, not the title
        ("run", "pkg.mod", None, None),
        ("undeclared", None, None, None),
    ]
    assert listed[0].raw["name"] == "A Human Title"
    assert listed[0].line == 15 and seq.handlers["declared-in-list"].line == 3
    # `handler` and `handlers` together: all kept, in order, without repeats
    assert [h.name for h in b[4].handlers] == ["bareName", "other"]
    assert set(seq.handlers) == {"declared-in-list", "by-function"}


def test_handlers_declared_as_a_mapping_lend_timeout_and_retries(tmp_path: Path) -> None:
    seq = load_json(
        tmp_path,
        {
            "id": "d",
            "handlers": {
                "snap": {"script": "s.cjs", "method": "createSnapshot", "timeout": 500, "retries": 1},
                "slow": {"script": "s.cjs", "timeout": "2m", "retries": 0},
                "external": "tools.release#publish",
            },
            "movements": [
                {"steps": [{"handler": "snap"}, {"handler": "slow"}, {"handlers": ["external"]}, {"handler": "snap"}]}
            ],
            "rollbackHandler": "snap",
        },
    )
    snap, slow, external, again = seq.movements[0].beats
    assert (snap.handler.name, snap.handler.timeout_ms, snap.handler.retries) == ("snap", 500, 1)
    assert snap.handler.raw["method"] == "createSnapshot"
    assert (slow.handler.timeout_ms, slow.handler.retries) == (None, 0)  # "2m" stays in raw
    assert slow.handler.raw["timeout"] == "2m"
    assert (external.handler.module, external.handler.name) == ("tools.release", "publish")
    assert again.handler.timeout_ms == 500
    assert snap.retries == 0  # the beat's own retries default; the handler's ride on the ref
    assert (seq.rollback.name, seq.rollback.timeout_ms) == ("snap", 500)
    assert [b.slug for b in seq.movements[0].beats] == ["snap", "slow", "publish", "snap-2"]


def test_acceptance_criteria_in_every_form(tmp_path: Path) -> None:
    seq = load_text(
        tmp_path,
        "ac.yaml",
        """\
        id: ac
        movements:
          - beats:
              - name: B
                handler: h
                acceptanceCriteria:
                  - It builds
                  - given: [a, b]
                    when: c
                    then: [d]
                    and: [e, f]
                acceptanceCriteriaStructured:
                  - {given: x, then: y}
        """,
    )
    criteria = seq.beats[0].acceptance_criteria
    assert criteria == (
        Criterion(text="It builds", line=7),
        Criterion(given=("a", "b"), when=("c",), then=("d",), and_=("e", "f"), line=8),
        Criterion(given=("x",), then=("y",), line=13),
    )
    assert not criteria[0].structured and criteria[1].structured


def test_user_stories(tmp_path: Path) -> None:
    seq = load_text(
        tmp_path,
        "us.yaml",
        """\
        id: us
        userStory: As a releaser I want wheels so that users install
        movements:
          - beats:
              - handler: h
                userStory: {persona: dev, goal: ship, benefit: users}
              - handler: g
                userStory: a sentence
        """,
    )
    assert seq.user_story == UserStory(text="As a releaser I want wheels so that users install")
    assert seq.beats[0].user_story == UserStory(persona="dev", goal="ship", benefit="users")
    assert seq.beats[1].user_story == UserStory(text="a sentence")


def test_unknown_fields_are_kept_in_raw(tmp_path: Path) -> None:
    seq = load_text(
        tmp_path,
        "raw.yaml",
        """\
        id: raw
        tempo: 120
        shapeEvolution: {enabled: true}
        movements:
          - name: M
            emoji: "🎵"
            beats:
              - handler: h
                testFile: tests/test_x.py
                timing: "< 100ms"
                success_criteria: [fast]
        """,
    )
    assert seq.raw["tempo"] == 120 and seq.raw["shapeEvolution"] == {"enabled": True}
    assert seq.movements[0].raw["emoji"] == "🎵"
    beat = seq.beats[0]
    assert (beat.raw["testFile"], beat.raw["timing"], beat.raw["success_criteria"]) == (
        "tests/test_x.py",
        "< 100ms",
        ["fast"],
    )


def test_numbers_ids_and_beat_lists(tmp_path: Path) -> None:
    seq = load_json(
        tmp_path,
        {
            "sequenceId": "numbers",
            "title": "Numbers",
            "beats": 9,
            "movements": [
                {
                    "movement": 3,
                    "id": "third",
                    "title": "Third",
                    "beats": 2,
                    "sequence": [{"beat": 5, "handler": "a"}, {"handler": "b"}],
                },
                {"id": 7, "beats": [], "steps": [{"number": "4", "id": "four", "handler": "c"}]},
                {"id": "8", "sequence": [{"id": "plain", "handler": "d", "sequence": "sub-seq"}]},
                {"number": 9, "beats": [{"handler": "e", "invokes": "other"}]},
            ],
        },
    )
    assert (seq.id, seq.name, seq.declared_beats) == ("numbers", "Numbers", 9)
    m = seq.movements
    assert [(x.number, x.id, x.name, x.declared_beats) for x in m] == [
        (3, "third", "Third", 2),
        (7, None, None, None),
        (8, None, None, None),
        (9, None, None, None),
    ]
    assert [(b.number, b.id) for b in m[0].beats] == [(5, None), (2, None)]
    assert (m[1].beats[0].number, m[1].beats[0].id, m[1].beats[0].slug) == (4, "four", "four")
    assert (m[2].beats[0].subsequence, m[2].beats[0].slug) == ("sub-seq", "plain")
    assert m[3].beats[0].subsequence == "other"
    assert [x.slug for x in m] == ["third", "movement-7", "movement-8", "movement-9"]


def test_wrapper_stem_id_and_sequence_fields(tmp_path: Path) -> None:
    seq = load_json(
        tmp_path,
        {
            "musicalSequence": {
                "name": "Wrapped",
                "kind": "plugin",
                "status": "active",
                "description": "d",
                "domainId": "dom",
                "dynamics": "f",
                "version": 2,
                "rollback": {"name": "undo#everything", "retries": 1},
                "movements": [
                    {"name": "Only", "dynamics": "pp", "beats": [{"handler": "h", "input": {"k": 1}, "retries": 2}]}
                ],
            }
        },
        name="My Spec File.json",
    )
    assert (seq.id, seq.id_declared, seq.slug) == ("My Spec File", False, "my-spec-file")
    assert (seq.name, seq.kind, seq.status, seq.description, seq.domain_id, seq.dynamics) == (
        "Wrapped",
        "plugin",
        "active",
        "d",
        "dom",
        "f",
    )
    assert seq.version == "2"
    assert (seq.rollback.module, seq.rollback.name, seq.rollback.retries) == ("undo", "everything", 1)
    assert seq.movements[0].dynamics == "pp"
    assert dict(seq.beats[0].inputs) == {"k": 1} and seq.beats[0].retries == 2
    assert seq.line == 2  # the inner mapping


def test_slugs() -> None:
    assert slugify("Validation & Verification") == "validation-verification"
    assert slugify("  Café — Crème  ") == "cafe-creme"
    assert slugify("!!!") == ""
    assert split_camel("loadBuildContext") == "load Build Context"
    assert slugify(split_camel("generateHTMLReport2x")) == "generate-html-report2x"


def test_slug_fallbacks_and_collisions(tmp_path: Path) -> None:
    seq = load_text(
        tmp_path,
        "slugs.yaml",
        """\
        id: "Slugs & Things"
        movements:
          - name: Same
            beats:
              - {name: Step, handler: a}
              - {name: step, handler: b}
              - {name: STEP!, handler: c}
              - {handler: loadBuildContext}
              - {id: by-id, handler: x}
              - {name: "", handlers: []}
          - name: Same
            beats: [{handler: "pkg#doThing"}]
          - {}
        """,
    )
    assert seq.slug == "slugs-things"
    assert [m.slug for m in seq.movements] == ["same", "same-2", "movement-3"]
    assert [b.slug for b in seq.movements[0].beats] == [
        "step",
        "step-2",
        "step-3",
        "load-build-context",
        "by-id",
        "beat-6",
    ]
    assert seq.movements[0].beats[5].handlers == ()
    assert seq.movements[1].beats[0].slug == "do-thing"


def test_yaml_anchors_and_merge_keys(tmp_path: Path) -> None:
    seq = load_text(
        tmp_path,
        "merge.yaml",
        """\
        defaults: &defaults
          retries: 2
          timeout: 5s
          handler: compile
        id: merged
        movements:
          - name: Build
            beats:
              - <<: *defaults
                name: One
              - <<: [*defaults, {dynamics: ff}]
                name: Two
                retries: 0
              - *defaults
        """,
    )
    one, two, three = seq.beats
    assert (one.retries, one.timeout, one.handler.name, one.line) == (2, "5s", "compile", 9)
    assert (two.retries, two.dynamics, two.line) == (0, "ff", 11)
    assert (three.slug, three.line) == ("compile", 14)  # an alias is placed where it is used


def test_yaml_scalars_stay_plain_data(tmp_path: Path) -> None:
    seq = load_text(
        tmp_path,
        "scalars.yaml",
        """\
        id: scalars
        version: 1.10
        created: 2025-11-26
        movements:
          - beats:
              - handler: h
                timeout: 1500
                inputs: {on: yes, when: 2025-01-02T03:04:05Z, n: 0x1F, f: 1.5, nothing: ~}
        """,
    )
    assert seq.version == "1.10"  # a float to YAML, but kept as written
    assert seq.raw["created"] == "2025-11-26"  # dates stay text
    assert seq.beats[0].timeout == 1500
    assert dict(seq.beats[0].inputs) == {True: True, "when": "2025-01-02T03:04:05Z", "n": 31, "f": 1.5, "nothing": None}


@pytest.mark.parametrize("loader_name", ["SafeLoader", "CSafeLoader"])
def test_pure_and_libyaml_parsers_agree(tmp_path: Path, monkeypatch, loader_name: str) -> None:
    import yaml

    from pytest_symphony.score import cache, yaml_parse

    if not hasattr(yaml, loader_name):
        pytest.skip("libyaml not built")
    monkeypatch.setattr(yaml_parse, "_YamlLoader", getattr(yaml, loader_name))
    cache.clear()  # parsed once per text: parse it again, by this loader
    seq = load_text(tmp_path, "release.yaml", RECOMMENDED)
    assert [(b.line, b.slug, b.acceptance_criteria[0].line) for b in seq.beats] == [(8, "compile", 16)]


def test_numeric_versions_keep_their_text(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text(
        '{"id": "v", "metadata": {"version": 2.10}, "movements": [{"beats": []}, {"beats": [{"handler": "h"}]}]}',
        encoding="utf-8",
    )
    result = load_spec(path)
    seq = result.sequence
    assert seq.version == "2.10"
    assert seq.movements[0].beats == ()  # an empty movement beside others loads; conformity judges it
    assert [w.pointer for w in result.warnings] == ["/movements/0/beats"]  # and a run warns about it
