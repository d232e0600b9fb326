"""Continuous Exploration gates (beats 1-4), each passing and failing on a real git repository."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from pytest_symphony.deliverykit import DeliveryError, architecture, research, roadmap, scope

ROADMAP = """
    items:
      - id: search
        title: Search by tag
        status: next
        wsjf: {business_value: 8, time_criticality: 5, risk_reduction: 3, job_size: 4}
        feature: features/search.feature
      - id: export
        title: Export
        status: next
        wsjf: {business_value: 2, time_criticality: 1, risk_reduction: 1, job_size: 4}
      - id: themes
        title: Themes
        status: later
    """
HYPOTHESES = """
    - {id: search-benefit, feature: search, metric: search_click_through, target: 0.3, window: 14d}
    - {id: export-benefit, feature: export, metric: exports_per_week, target: 10, window: 28}
    """
FEATURE = """
    Feature: Search by tag
      Scenario: a tag finds its items
        Given an item tagged "summer"
        When I search for "summer"
        Then I see the item
    """


@pytest.fixture
def explored(repo):
    repo.write(
        "pyproject.toml",
        '[project]\nname = "shop"\nversion = "1.0.0"\nrequires-python = ">=3.10"\ndependencies = ["packaging>=22"]\n',
    )
    repo.write("shop/__init__.py", "VALUE = 1\n")
    repo.write("tests/test_shop.py", "import shop\n\ndef test_value():\n    assert shop.VALUE == 1\n")
    repo.commit("chore: start", date="2024-04-01T10:00:00Z")
    repo.tag("v1.0.0")
    repo.write("delivery/roadmap.yaml", ROADMAP)
    repo.write("delivery/hypotheses.yaml", HYPOTHESES)
    repo.write(
        "delivery/research/interviews.yaml",
        """
        - id: r1
          features: [search, export]
          date: 2024-04-20
          participants: [{role: customer}]
        """,
    )
    repo.write("features/search.feature", FEATURE)
    repo.write("features/export.feature", "@feature:export\nFeature: Export\n  Scenario: csv\n    Given items\n")
    repo.commit("feat(search): tag index", date="2024-05-01T10:00:00Z")
    repo.commit("fix: typo", date="2024-05-02T10:00:00Z")
    return repo


def test_scope_is_next_items_plus_unreleased_feat_commits_each_with_a_hypothesis(explored):
    explored.commit("feat: quick filter\n\nFeature: filters", date="2024-05-03T10:00:00Z")
    explored.write(
        "delivery/hypotheses.yaml",
        HYPOTHESES.rstrip() + "\n    - {id: f, feature: filters, metric: m, target: 1, window: 7}\n",
    )
    result = scope(explored.settings())
    assert result.tag == "v1.0.0"
    assert result.feature_ids() == ["search", "export", "filters"]
    assert [h.id for h in result.features[0].hypotheses] == ["search-benefit"]
    assert len(result.features[0].commits) == 1 and len(result.unreleased_feat_commits) == 2


def test_scope_fails_for_a_feature_without_hypothesis_and_a_feat_naming_none(explored):
    explored.commit("feat: something", date="2024-05-03T10:00:00Z")
    explored.write("delivery/hypotheses.yaml", HYPOTHESES.split("    - {id: export")[0])
    with pytest.raises(DeliveryError) as info:
        scope(explored.settings())
    text = str(info.value)
    assert "feature 'export' (from delivery/roadmap.yaml:7) has no hypothesis" in text
    assert "'feat: something' names no feature; give it a scope" in text
    assert info.value.result.feature_ids() == ["search", "export"]


def test_research_must_involve_customers_and_precede_the_first_commit(explored):
    settings = explored.settings()
    assert research(settings, ["search", "export"]).features[0].records == ("r1",)
    explored.write(
        "delivery/research/interviews.yaml",
        """
        - {id: late, feature: search, date: 2024-05-05, participants: [{role: customer}]}
        - {id: internal, feature: export, date: 2024-04-01, participants: [{role: engineer}]}
        """,
    )
    with pytest.raises(DeliveryError) as info:
        research(settings, ["search", "export", "filters"])
    text = str(info.value)
    assert (
        "delivery/research/interviews.yaml:1: research 'late' for 'search' is dated 2024-05-05T00:00:00Z, "
        "after its first implementation commit"
    ) in text
    assert "interviews.yaml:2: research 'internal' for 'export' has no customer or user participant" in text
    assert "feature 'filters' has no research record" in text


def test_roadmap_ranks_by_wsjf_and_links_feature_files(explored):
    result = roadmap(explored.settings())
    assert [(r.item.id, r.wsjf, r.feature.path, len(r.feature.scenarios)) for r in result.ranking] == [
        ("search", 4.0, "features/search.feature", 1),
        ("export", 1.0, "features/export.feature", 1),
    ]


def test_roadmap_fails_out_of_order_unlinked_or_without_scenarios(explored):
    explored.write(
        "delivery/roadmap.yaml",
        ROADMAP.replace("business_value: 2,", "business_value: 20,").replace(
            "feature: features/search.feature", "feature: features/missing.feature"
        ),
    )
    explored.write("features/export.feature", "@feature:export\nFeature: Export\n")
    with pytest.raises(DeliveryError) as info:
        roadmap(explored.settings())
    text = str(info.value)
    assert (
        "roadmap.yaml:2: the next items are not ranked by WSJF; list them in this order: export (5.50), search (4.00)"
        in text
    )
    assert "roadmap.yaml:2: next item 'search': feature file features/missing.feature does not exist" in text
    assert "features/export.feature:2: feature file of 'export' has no scenarios" in text


def test_roadmap_takes_the_feature_files_it_is_given(explored):
    with pytest.raises(DeliveryError, match="next item 'export': no feature file is linked"):
        roadmap(explored.settings(), features=["features/search.feature"])


def test_architecture_passes_with_valid_metadata_and_tested_packages(explored):
    result = architecture(explored.settings())
    assert result.packages == ("shop",) and result.tested == {"shop": ["tests/test_shop.py"]}
    assert result.importlinter is None


def test_architecture_fails_bad_metadata_and_untested_packages(explored):
    explored.write("pyproject.toml", '[project]\nname = "-shop"\nversion = "one"\ndependencies = ["pack aging>"]\n')
    explored.write("billing/__init__.py", "")
    with pytest.raises(DeliveryError) as info:
        architecture(explored.settings())
    text = str(info.value)
    assert "pyproject.toml:2: name '-shop' is not a valid project name" in text
    assert "pyproject.toml:3: version 'one' is not a PEP 440 version" in text
    assert "pyproject.toml:4: dependencies: 'pack aging>' is not a PEP 508 requirement" in text
    assert "package 'billing' has no test that imports it; add tests/test_billing.py importing billing" in text


@pytest.mark.skipif(shutil.which("lint-imports") is None, reason="import-linter is part of the delivery extra")
def test_architecture_runs_import_linter_contracts_when_configured(explored):
    explored.write("shop/core.py", "VALUE = 2\n")
    explored.write("shop/web.py", "from shop import core\n")
    contract = textwrap.dedent("""
        [tool.importlinter]
        root_package = "shop"

        [[tool.importlinter.contracts]]
        name = "core is independent of web"
        type = "forbidden"
        source_modules = ["shop.core"]
        forbidden_modules = ["shop.web"]
        """)
    pyproject = explored.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + contract)
    assert architecture(explored.settings()).importlinter == "kept"
    explored.write("shop/core.py", "from shop import web\n")
    with pytest.raises(DeliveryError, match="import-linter contracts are broken") as info:
        architecture(explored.settings())
    assert "core is independent of web BROKEN" in str(info.value)
