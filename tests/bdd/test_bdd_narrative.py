"""Feature narratives from the user stories real specs hold: grammatical English, or none
and the reason (never "In order to we meet ..." or "I want to the create flow ...")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_symphony.bdd.narrative import has_narrative, narrative
from pytest_symphony.score.loader import load_spec
from pytest_symphony.score.model import UserStory

CORPUS = Path(os.environ["SYMPHONY_SHARED"]) / "corpus" / "renderx" / "sequences"


def _stories() -> dict[str, UserStory]:
    found = {}
    for path in sorted(CORPUS.glob("*.json")):
        seq = load_spec(path).sequence
        if seq.user_story is not None:
            found[f"{path.stem}"] = seq.user_story
        for b in seq.beats:
            if b.user_story is not None:
                found[f"{path.stem} beat {b.slug}"] = b.user_story
    return found


EXPECTED = {
    "canvas-component-create": [
        "As a product owner",
        "I want the canvas component create flow to reliably transform templates into interactive UI with clear "
        "telemetry, strict schemas, and beat-specific SLAs (≤1s/≤2s/≤200ms/≤20ms as defined), achieving 99.9% success",
        "So that we meet customer performance commitments",
    ],
    "canvas-component-create beat resolve-template": [
        "As a system operator",
        "I want to deterministically resolve component schemas and bindings within 1s P95 (99.9% success), deduping "
        "remote fetches and emitting telemetry",
        "So that downstream renderers can build pages without retries",
    ],
    "canvas-component-create beat create-node": "the user story has no benefit",
    "canvas-component-create beat notify-ui": [
        "As a system operator",
        "I want uI class/state changes published with <20ms end-to-end delivery, ordered FIFO with backpressure",
        "So that subscribers (controls, analytics, accessibility) react consistently without missed transitions",
    ],
    "build-pipeline-symphony.legacy-stub": "the user story's benefit 'discovery-driven workflows' reads as neither "
    "an action nor a clause",
}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the RenderX corpus is not available")
def test_every_corpus_story_reads_as_english_or_says_why_not():
    stories = _stories()
    assert len(stories) == 8  # two sequences, six beats
    for where, story in stories.items():
        lines, why = narrative(story)
        expected = EXPECTED.get(where)
        if isinstance(expected, list):
            assert lines == expected, where
        elif isinstance(expected, str):
            assert lines is None and why.startswith(expected), (where, why)
        if lines is not None:
            assert has_narrative("\n".join(lines)), where
            assert not any(
                line.startswith(("In order to we", "I want to the", "In order to downstream")) for line in lines
            ), lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("As a release manager, I need signed wheels", None),
        (
            "As a release manager, I need signed wheels, so that installs are verified",
            ["As a release manager", "I need signed wheels", "So that installs are verified"],
        ),
        (
            "As an operator I want to see the logs in order to debug faster.",
            ["As an operator", "I want to see the logs", "In order to debug faster"],
        ),
        (
            "As a user, I want faster builds so that I ship sooner",
            ["As a user", "I want faster builds", "So that I ship sooner"],
        ),
    ],
)
def test_sentence_stories_keep_their_own_words(text, expected):
    lines, why = narrative(UserStory(text=text))
    assert lines == expected
    if expected is None:
        assert why == "the user story has no benefit"


@pytest.mark.parametrize(
    ("goal", "benefit", "want", "why"),
    [
        ("ship safely", "users get fixes", "I want to ship safely", "So that users get fixes"),
        ("to ship safely", "to sleep at night", "I want to ship safely", "In order to sleep at night"),
        ("wheels on the index", "users can install", "I want wheels on the index", "So that users can install"),
        ("the build to be fast", "reduce waiting", "I want the build to be fast", "In order to reduce waiting"),
    ],
)
def test_mapping_stories_in_each_shape(goal, benefit, want, why):
    lines, _ = narrative(UserStory(persona="user", goal=goal, benefit=benefit))
    assert lines == ["As a user", want, why]
