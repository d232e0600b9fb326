"""Beats 5-7: Conventional Commits since the tag, provenance whose digests must match, the project's suite."""

from __future__ import annotations

import json
import shutil

import pytest

from pytest_symphony.deliverykit import DeliveryError, develop, provenance, test_suite, verify_provenance


def test_develop_passes_and_records_the_share_of_feat_fix_commits_touching_tests(repo):
    repo.commit("chore: start")
    repo.tag("v1.0.0")
    repo.commit("feat(search): index", files={"shop/search.py": "x = 1\n", "tests/test_search.py": "y = 1\n"})
    repo.commit("fix: edge", files={"shop/search.py": "x = 2\n"})
    repo.commit("docs: readme", files={"README.md": "hi\n"})
    result = develop(repo.settings())
    assert (result.tag, result.commits, result.feat_fix, result.feat_fix_with_tests) == ("v1.0.0", 3, 2, 1)
    assert result.tested_change_share.value == 0.5 and result.tested_change_share.source == "git log since v1.0.0"


def test_develop_fails_on_a_non_conventional_commit_or_a_missing_step(repo):
    repo.commit("chore: start")
    repo.tag("v1.0.0")
    sha = repo.commit("Added the search")
    with pytest.raises(DeliveryError) as info:
        develop(repo.settings(), missing_steps=['Given an item tagged "summer" (features/search.feature:3)'])
    text = str(info.value)
    assert f"commit {sha[:12]} 'Added the search': header 'Added the search' is not 'type(scope): description'" in text
    assert 'missing step definition: Given an item tagged "summer" (features/search.feature:3)' in text
    assert info.value.result.tested_change_share.missing == "no feat or fix commit since v1.0.0"


def test_provenance_attests_every_artifact_and_its_digests_must_match(repo, wheels, tmp_path):
    head = repo.commit("feat: release", date="2024-06-01T10:00:00Z")
    artifact = shutil.copy(wheels["1.0.0"], tmp_path / wheels["1.0.0"].name)
    out = tmp_path / "provenance.intoto.json"
    result = provenance(repo.settings(), [artifact], out, invocation_id="run-1")
    statement = json.loads(out.read_text())
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    import hashlib

    digest = hashlib.sha256(open(artifact, "rb").read()).hexdigest()
    assert statement["subject"] == [{"name": wheels["1.0.0"].name, "digest": {"sha256": digest}}]
    definition = statement["predicate"]["buildDefinition"]
    assert definition["externalParameters"]["source"]["digest"] == {"gitCommit": head}
    assert definition["internalParameters"]["SOURCE_DATE_EPOCH"] == 1717236000
    assert statement["predicate"]["runDetails"]["metadata"]["invocationId"] == "run-1"
    assert result.subjects == {wheels["1.0.0"].name: digest}

    with open(artifact, "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(DeliveryError, match=r"sha256 [0-9a-f]{64} does not match the statement's " + digest):
        verify_provenance(out, [artifact])
    with pytest.raises(DeliveryError, match="subject .* is not among the artifacts"):
        verify_provenance(out, [])
    with pytest.raises(DeliveryError, match="_type: 'x' was expected|'https://in-toto.io/Statement/v1' was expected"):
        verify_provenance({**statement, "_type": "x"}, [artifact])


@pytest.fixture
def suite(repo):
    pytest.importorskip("coverage")
    repo.write(
        "pyproject.toml", '[project]\nname = "calc"\nversion = "1.0.0"\n\n[tool.coverage.run]\nsource = ["calc"]\n'
    )
    repo.write("calc/__init__.py", "def add(a, b):\n    return a + b\n\n\ndef unused():\n    return 0\n")
    repo.write("tests/test_calc.py", "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n")
    return repo


def test_suite_runs_under_coverage_and_reads_junit_back(suite, tmp_path):
    suite.write(
        "pyproject.toml", (suite.root / "pyproject.toml").read_text() + "[tool.coverage.report]\nfail_under = 50\n"
    )
    result = test_suite(suite.settings(), tmp_path / "out")
    assert (result.junit.tests, result.junit.failures, result.junit.errors) == (1, 0, 0)
    assert result.coverage.value == pytest.approx(75.0) and result.fail_under == 50
    assert "-p" in result.run.command and "no:symphony" in result.run.command


def test_suite_fails_on_a_failing_test_and_on_coverage_below_fail_under(suite, tmp_path):
    suite.write("tests/test_more.py", "def test_wrong():\n    assert 1 == 2, 'one is not two'\n")
    with pytest.raises(DeliveryError) as info:
        test_suite(suite.settings(), tmp_path / "out")
    text = str(info.value)
    assert "failed: tests.test_more::test_wrong: AssertionError: one is not two" in text
    assert "coverage 75.00% is below 80% (default)" in text
    assert info.value.result.junit.tests == 2
