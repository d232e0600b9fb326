"""Beat 5's question to the BDD runtime: which steps of the release's scenarios have no definition?

The release's scenarios are those of the feature files linked to the features in scope (a
roadmap item's ``feature`` path or a ``@feature:<id>`` tag, as beat 4 links them); a step
matches when one of the session's step definitions (conftest.py files and the modules of ini
``symphony_step_defs``) matches it as pytest-bdd matches, with ``And``/``But``/``*`` taking
the type of the step before.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import pytest

from pytest_symphony import deliverykit as dk
from pytest_symphony.bdd.steps import matches, session_step_definitions
from pytest_symphony.deliverykit.wsjf import linked_feature

if TYPE_CHECKING:
    from pytest_symphony.deliverykit.features import FeatureDoc
    from pytest_symphony.pipelines.delivery_support import Delivery

_TYPES = {"given": "given", "when": "when", "then": "then"}


def release_features(ctx: Delivery, features: Sequence[str], paths: Iterable[Path]) -> list[FeatureDoc]:
    """The feature documents of the features in scope (each once)."""
    docs = dk.read_features(ctx.settings.root, list(paths))
    items = {i.id: i for i in dk.load_roadmap(ctx.settings)}
    linked: dict[str, FeatureDoc] = {}
    for feature in features:
        doc = (
            linked_feature(items[feature], docs)
            if feature in items
            else next((d for d in docs if feature in d.tag_values("feature")), None)
        )
        if doc is not None:
            linked.setdefault(doc.path, doc)
    return list(linked.values())


def missing_steps(config: pytest.Config, ctx: Delivery, features: Sequence[str], paths: Iterable[Path]) -> list[str]:
    """``path:line: scenario 'name': Given text`` for each release step no definition matches."""
    definitions = session_step_definitions(config)
    missing: list[str] = []
    for doc in release_features(ctx, features, paths):
        for scenario in doc.scenarios:
            kind = "given"
            for keyword, text in scenario.steps:
                kind = _TYPES.get(keyword.lower(), kind)
                if not any(matches(d, kind, text) for d in definitions):
                    missing.append(f"{doc.path}:{scenario.line}: scenario {scenario.name!r}: {keyword} {text}")
    return missing
