"""Flags through the OpenFeature SDK (flagd's offline file provider), dark launches, progressive release."""

from __future__ import annotations

import json

import pytest

pytest.importorskip(
    "openfeature.contrib.provider.flagd", reason="the OpenFeature flagd provider is in the delivery extra"
)

from pytest_symphony.deliverykit import (
    DeliveryError,
    FlagEvaluator,
    check_dark,
    deploy,
    new_flags,
    release,
    restore_release,
)  # noqa: E402
from pytest_symphony.deliverykit.inputs import load_flag_document  # noqa: E402

FLAGS = {
    "$schema": "https://flagd.dev/schema/v0/flags.json",
    "flags": {
        "old-banner": {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "on"},
        "search-by-tag": {
            "state": "ENABLED",
            "variants": {"on": True, "off": False},
            "defaultVariant": "off",
            "targeting": {"fractional": [["on", 0], ["off", 100]]},
        },
        "export-csv": {"state": "DISABLED", "variants": {"on": True, "off": False}, "defaultVariant": "off"},
    },
}


def write_flags(repo, flags: dict) -> None:
    repo.write("delivery/flags.flagd.json", json.dumps(flags, indent=2) + "\n")


@pytest.fixture
def flagged(repo):
    repo.write(
        "pyproject.toml",
        '[tool.symphony.delivery]\nsample_size = 400\ncohort = 25\ntolerance = 5\nrelease_flag = "search-by-tag"\n',
    )
    write_flags(repo, {"flags": {"old-banner": FLAGS["flags"]["old-banner"]}})
    repo.commit("chore: flags", date="2024-06-01T10:00:00Z")
    repo.tag("v1.0.0")
    write_flags(repo, FLAGS)
    repo.commit("feat(search): flag it", date="2024-06-02T10:00:00Z")
    return repo


def test_flagd_rules_are_evaluated_by_the_sdk(flagged, tmp_path):
    document = json.loads(json.dumps(FLAGS))
    document["flags"]["search-by-tag"]["targeting"] = {
        "if": [{"ends_with": [{"var": "email"}, "@example.com"]}, "on", {"fractional": [["on", 50], ["off", 50]]}]
    }
    path = tmp_path / "flags.json"
    path.write_text(json.dumps(document))
    from openfeature.evaluation_context import EvaluationContext

    with FlagEvaluator(path, document) as evaluator:
        assert evaluator.details("old-banner").value is True
        assert evaluator.details("export-csv").value is False  # disabled: the caller's default, off
        assert (
            evaluator.client.get_boolean_value(
                "search-by-tag", False, EvaluationContext("k", {"email": "a@example.com"})
            )
            is True
        )
        share = evaluator.share("search-by-tag", "on", [f"user-{i:05d}" for i in range(1000)])
        assert 45 <= share <= 55
        again = evaluator.share("search-by-tag", "on", [f"user-{i:05d}" for i in range(1000)])
        assert again == share  # the split is a hash, not a coin


def test_new_flags_are_those_added_since_the_tag_and_must_be_dark(flagged):
    settings = flagged.settings()
    assert new_flags(settings, "v1.0.0") == ["search-by-tag", "export-csv"]
    assert new_flags(settings, None) == ["old-banner", "search-by-tag", "export-csv"]
    dark = check_dark(settings, ["search-by-tag", "export-csv"])
    assert not dark.findings and dark.flags["search-by-tag"]["share"] == 0
    with_lit = json.loads(json.dumps(FLAGS))
    with_lit["flags"]["search-by-tag"]["targeting"] = {"fractional": [["on", 10], ["off", 90]]}
    write_flags(flagged, with_lit)
    lit = check_dark(settings, ["search-by-tag", "old-banner"])
    messages = [str(f) for f in lit.findings]
    assert any("new flag 'search-by-tag' is not dark" in m and "flags.flagd.json:12" in m for m in messages)
    assert any("new flag 'old-banner' is not dark: 100% of the sample and the empty context" in m for m in messages)


def test_deploy_refuses_a_new_flag_that_is_lit_and_a_feature_without_flag(flagged, tmp_path):
    lit = json.loads(json.dumps(FLAGS))
    lit["flags"]["export-csv"] = {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "on"}
    write_flags(flagged, lit)
    with pytest.raises(DeliveryError) as info:
        deploy(flagged.settings(), version="1.1.0", environment=tmp_path, distributions={}, features=["themes"])
    text = str(info.value)
    assert "new flag 'export-csv' is not dark" in text and "feature 'themes' has no flag 'themes'" in text
    assert not (flagged.root / "delivery" / "deployments.jsonl").exists()  # nothing recorded


def test_release_raises_the_split_commits_it_and_measures_the_share(flagged):
    settings = flagged.settings()
    before = (flagged.root / "delivery/flags.flagd.json").read_text()
    result = release(settings)
    after = (flagged.root / "delivery/flags.flagd.json").read_text()
    assert after == before.replace('"on",\n            0\n', '"on",\n            25\n').replace(
        '"off",\n            100\n', '"off",\n            75\n'
    )
    assert abs(result.measured_share - 25) <= 5 and result.sample_size == 400
    assert flagged.git("log", "-1", "--format=%s") == "chore(release): raise flag search-by-tag to 25%"
    assert flagged.git("show", "--stat", "--format=", "HEAD").split("|")[0].strip() == "delivery/flags.flagd.json"
    restore_release(settings, result)
    assert (flagged.root / "delivery/flags.flagd.json").read_text() == before
    assert flagged.git("log", "-1", "--format=%s") == "revert(release): restore flag search-by-tag"


def test_release_adds_a_split_to_a_disabled_flag_without_targeting(flagged):
    result = release(flagged.settings(), "export-csv", cohort=50, commit=False)
    document, _ = load_flag_document(flagged.settings())
    assert document["flags"]["export-csv"]["state"] == "ENABLED"
    assert document["flags"]["export-csv"]["targeting"] == {"fractional": [["on", 50], ["off", 50]]}
    assert 45 <= result.measured_share <= 55


def test_release_restores_the_file_when_the_measured_share_misses_the_cohort(flagged):
    shadowed = json.loads(json.dumps(FLAGS))
    shadowed["flags"]["search-by-tag"]["targeting"] = {
        "if": [{"starts_with": [{"var": "targetingKey"}, "user-"]}, "off", {"fractional": [["on", 0], ["off", 100]]}]
    }
    write_flags(flagged, shadowed)
    flagged.commit("chore: shadow the split")
    before = (flagged.root / "delivery/flags.flagd.json").read_bytes()
    with pytest.raises(DeliveryError, match=r"0.00% of 400 sample keys get 'on', not 25% \+/- 5"):
        release(flagged.settings())
    assert (flagged.root / "delivery/flags.flagd.json").read_bytes() == before
    assert flagged.git("log", "-1", "--format=%s") == "revert(release): restore flag search-by-tag"
