"""Workspaces of any size in the shapes of the RenderX corpus (``$SYMPHONY_SHARED/corpus/renderx``).

The six corpus specs are the templates: spec ``i`` is a copy of template ``i % 6`` with
ids made unique (``<id>-<i>``), written as the corpus writes JSON (2-space indent), in
folders of 100.  ``beats`` keeps at most that many beats per movement and ``events`` that many declared
events (declared counts stay as written, so counts disagree as they do in the wild):
``beats=1, events=3`` gives about 20 violations a spec; with the defaults a spec carries
its template's full set (about 70 on average).  The features of
the corpus and its domain registry come along.

Used by the tests (small workspaces, for speed) and by ``benchmarks/bench_conformity.py``
(500 to 5,000 specs).  The corpus is read, never written.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CORPUS", "TEMPLATES", "Generated", "generate", "corpus_available"]

CORPUS = Path(os.environ.get("SYMPHONY_SHARED", Path(__file__).resolve().parents[3] / "shared")) / "corpus" / "renderx"
TEMPLATES = (
    "build-pipeline-symphony.json",
    "build-pipeline-symphony.legacy-stub.json",
    "canvas-component-create.json",
    "safe-continuous-delivery-pipeline.json",
    "symphonia-conformity-alignment-pipeline.json",
    "symphony-report-pipeline.json",
)
_BEAT_KEYS = ("beats", "sequence", "steps")
_FEATURES = {
    "build-pipeline-symphony": "build-pipeline-symphony.feature",
    "symphony-report-pipeline": "symphony-report-pipeline.feature",
}


def corpus_available() -> bool:
    return (CORPUS / "sequences").is_dir()


@dataclass
class Generated:
    root: Path
    specs: list[Path]
    ids: list[str]


def _templates() -> list[dict[str, Any]]:
    return [json.loads((CORPUS / "sequences" / name).read_text(encoding="utf-8")) for name in TEMPLATES]


def _trim(data: dict[str, Any], beats: int | None, events: int | None) -> None:
    if events is not None and isinstance(data.get("events"), list):
        del data["events"][events:]
    if beats is None:
        return
    for movement in data.get("movements") or ():
        for key in _BEAT_KEYS:
            if isinstance(movement.get(key), list):
                del movement[key][beats:]


def _story_as_text(data: dict[str, Any]) -> None:
    """The repository's other user-story shape: one sentence, "As a ..., I need ..." (no benefit)."""
    story = data.get("userStory")
    if isinstance(story, dict) and story.get("persona") and story.get("goal"):
        data["userStory"] = f"As a {story['persona']}, I need {story['goal']}"


def _hide_beats(data: dict[str, Any]) -> None:
    """Beats where the loader does not look: a movement's list under ``beatDetails``, beside
    its own ``beats`` count (the counts stay as the corpus declares them)."""
    for movement in data.get("movements") or ():
        if isinstance(movement.get("beats"), int) and isinstance(movement.get("sequence"), list):
            movement["beatDetails"] = movement.pop("sequence")


def _linked_feature(data: dict[str, Any]) -> str:
    """A feature already linking a scenario to the sequence's first beat (as a team would write it)."""
    return (
        f"Feature: {data.get('name', data['id'])}\n\n  @beat:{data['id']}/1.1\n  Scenario: the first beat works\n"
        "    Given the sequence is loaded\n    When the first beat runs\n    Then it passes\n"
    )


def generate(
    root: Path,
    specs: int,
    *,
    beats: int | None = None,
    events: int | None = None,
    features: bool = True,
    registry: bool = True,
    ini: str | None = None,
    templates: tuple[int, ...] | None = None,
    story_text: bool = False,
    feature_dirs: tuple[str, ...] = ("features",),
    own_features: bool = False,
    hidden_beats: bool = False,
) -> Generated:
    """Write ``specs`` specs (and the corpus features and registry) under ``root``.

    ``templates``: indexes into :data:`TEMPLATES` to cycle through (default: all six).
    ``story_text``: sequence user stories as one sentence without a benefit.
    ``feature_dirs``: the configured features folders (ini ``symphony_features``); the
    corpus features go to the last.  ``own_features``: every spec with acceptance
    criteria already has a feature, in the last folder, linking its first beat.
    ``hidden_beats``: movements that count their beats keep the list under ``beatDetails``.
    ``ini``: the pytest.ini text (default: those paths; "" writes none).
    """
    root = Path(root)
    loaded = _templates()
    order = templates if templates is not None else tuple(range(len(TEMPLATES)))
    written, ids = [], []
    last = feature_dirs[-1]
    for i in range(specs):
        which = order[i % len(order)]
        data = copy.deepcopy(loaded[which])
        new_id = f"{data['id']}-{i}"
        for key in ("id", "sequenceId"):
            if key in data:
                data[key] = new_id
        _trim(data, beats, events)
        if story_text:
            _story_as_text(data)
        if hidden_beats:
            _hide_beats(data)
        if own_features and any(
            "acceptanceCriteria" in b
            for m in data.get("movements", [])
            for b in (m.get("beats") if isinstance(m.get("beats"), list) else [])
        ):
            target = root / last / f"{new_id}.feature"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_linked_feature(data), encoding="utf-8")
        stem = TEMPLATES[which].removesuffix(".json")
        path = root / "sequences" / f"group-{i // 100:03d}" / f"{stem}-{i}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
        ids.append(new_id)
        template_id = loaded[which]["id"]
        if features and template_id in _FEATURES and which in (0, 5):  # not the legacy stub's
            text = (CORPUS / "features" / _FEATURES[template_id]).read_text(encoding="utf-8")
            target = root / last / f"{new_id}.feature"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if registry:
        (root / "DOMAIN_REGISTRY.json").write_bytes((CORPUS / "DOMAIN_REGISTRY.json").read_bytes())
    if ini is None:
        ini = f"[pytest]\nsymphony_paths = sequences\nsymphony_features = {' '.join(feature_dirs)}\n"
    if ini:
        (root / "pytest.ini").write_text(ini, encoding="utf-8")
    return Generated(root, written, ids)
