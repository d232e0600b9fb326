"""Property-based tests of the loader, and the corpus of inputs that once broke it.

Bounded so the suite stays fast; ``SYMPHONY_FUZZ_EXAMPLES=5000 pytest tests/score/test_score_fuzz.py``
runs a larger budget.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings, strategies as st  # noqa: E402

from pytest_symphony.score.loader import load_spec  # noqa: E402
from pytest_symphony.score.validate import sequence_document  # noqa: E402

CORPUS = Path(__file__).parent / "corpus"
EXAMPLES = int(os.environ.get("SYMPHONY_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- strategies: spec-shaped data, with every field sometimes of the wrong kind -------------------

_text = st.text(st.characters(categories=("L", "N", "P", "Zs", "S")), max_size=12)
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), _text)
_value = st.recursive(
    _scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=6,
)
_handler = st.one_of(
    _text,
    st.sampled_from(["build", "mod#fn", "#", ""]),
    st.fixed_dictionaries({"name": st.one_of(_text, st.integers())}),
    _value,
)
_beat = st.one_of(
    st.fixed_dictionaries(
        {"name": _text, "handler": _handler},
        optional={
            "timeout": st.one_of(st.integers(-5, 10**6), st.sampled_from(["2s", "< 500ms", "soon"]), _value),
            "retries": st.one_of(st.integers(-2, 5), _value),
            "beat": st.one_of(st.integers(-(2**65), 2**65), _text),
            "inputs": st.one_of(st.dictionaries(_text, _scalar, max_size=3), _value),
            "acceptanceCriteria": st.one_of(
                st.lists(st.one_of(_text, st.fixed_dictionaries({"given": _text, "then": _text})), max_size=2), _value
            ),
            "event": _value,
        },
    ),
    _value,
)
_movement = st.one_of(
    st.fixed_dictionaries(
        {"name": _text},
        optional={
            "beats": st.one_of(st.lists(_beat, max_size=4), st.integers(0, 9), _value),
            "steps": st.lists(_beat, max_size=3),
            "dynamics": _value,
        },
    ),
    _value,
)
_spec = st.fixed_dictionaries(
    {"id": st.one_of(_text, st.integers(), st.none())},
    optional={
        "name": _value,
        "version": st.one_of(_text, st.integers()),
        "events": _value,
        "rollback": _handler,
        "handlers": st.one_of(
            st.dictionaries(
                _text, st.one_of(st.none(), _text, st.fixed_dictionaries({"timeout": st.integers(0, 100)})), max_size=2
            ),
            _value,
        ),
        "movements": st.one_of(st.lists(_movement, max_size=4), _value),
    },
)


def _load(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_spec(path, display_path=f"sequences/{name}")


def _no_internal_error(result) -> None:
    assert not any("internal error" in p.message for p in result.problems), result.problems


def _without_lines(doc):
    """The normalized document as plain data (lines are not part of it)."""
    return json.loads(json.dumps(doc, default=str))


@FUZZ
@given(data=_spec)
def test_json_and_yaml_of_the_same_data_normalize_alike(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("alike")
    from_json = _load(tmp, "s.json", json.dumps(data))
    from_yaml = _load(tmp, "s.yaml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    _no_internal_error(from_json)
    _no_internal_error(from_yaml)
    assert (from_json.sequence is None) == (from_yaml.sequence is None)
    if from_json.sequence is not None:
        assert _without_lines(sequence_document(from_json.sequence)) == _without_lines(
            sequence_document(from_yaml.sequence)
        )
    else:
        assert sorted((p.pointer, p.message) for p in from_json.problems if p.pointer) == sorted(
            (p.pointer, p.message) for p in from_yaml.problems if p.pointer
        )  # lines differ, the findings not


@FUZZ
@given(data=_spec)
@example(data={"id": "e", "movements": [{}]})
@example(data={"id": "e", "movements": [{"name": "a"}, {"name": "b", "beats": []}]})
@example(data={"id": "e", "movements": [{"name": "a", "beats": 3}]})
@example(data={"id": "e", "movements": [{"name": "a", "beatDetails": [{"name": "b", "handler": "h"}]}]})
@example(data={"id": "e", "movements": [{"name": "a", "beats": [{"id": "9" * 5000, "handler": "h"}]}]})
def test_every_loaded_spec_has_a_beat_or_a_problem_and_nothing_escapes(tmp_path_factory, data):
    result = _load(
        tmp_path_factory.mktemp("beats"), "s.yaml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    )
    _no_internal_error(result)
    if result.sequence is None:
        assert result.problems and all(p.path == "sequences/s.yaml" for p in result.problems)
    else:
        assert result.sequence.beats, "a loaded spec without a beat would leave no trace in a run"


_SEED = (CORPUS.parent.parent.parent / "README.md").read_text(encoding="utf-8").split("```yaml\n")[1].split("```")[0]


@FUZZ
@given(cut=st.integers(0, len(_SEED)), junk=st.binary(max_size=8), at=st.integers(0, len(_SEED)))
def test_mutated_bytes_never_escape_the_loader(tmp_path_factory, cut, junk, at):
    raw = _SEED.encode()
    mutated = raw[:at] + junk + raw[at:cut] if cut > at else raw[:cut] + junk + raw[at:]
    path = tmp_path_factory.mktemp("bytes") / "s.yaml"
    path.write_bytes(mutated)
    result = load_spec(path)
    _no_internal_error(result)
    assert result.sequence is not None or result.problems


# -- the corpus: every input that once broke a run, with the line and words it must be reported with --

EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_case_is_a_problem_at_its_line(name):
    line, words = EXPECTED[name]
    result = load_spec(CORPUS / name, display_path=f"corpus/{name}")
    assert result.sequence is None
    assert any(p.line == line and words in p.message for p in result.problems), result.problems


def test_the_corpus_is_listed_whole():
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.iterdir() if p.name != "expected.json")
