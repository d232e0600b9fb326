"""Build settings (isolation, thresholds, docs folder), the threshold check, and the report's Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_symphony.buildkit import (
    NO_ISOLATION_ENV,
    Thresholds,
    archive_build,
    build_isolation,
    check_thresholds,
    docs_dir,
    report_markdown,
    score_thresholds,
)
from pytest_symphony.buildkit.workspace import WorkspaceError
from pytest_symphony.conformity.codes import Dimension
from pytest_symphony.conformity.violation import Place, Violation

from .conftest import write


def _root(tmp_path: Path, settings: str = "") -> Path:
    write(tmp_path / "pyproject.toml", "[tool.symphony.build]\n" + settings)
    return tmp_path


def test_isolation_is_the_default(tmp_path: Path):
    isolation = build_isolation(_root(tmp_path), environ={})
    assert isolation.isolated and isolation.source == "default"


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_the_environment_turns_isolation_off(tmp_path: Path, value: str):
    isolation = build_isolation(_root(tmp_path, "isolation = true\n"), environ={NO_ISOLATION_ENV: value})
    assert not isolation and isolation.source == f"{NO_ISOLATION_ENV}={value}"


@pytest.mark.parametrize("value", ["0", "false", ""])
def test_a_false_environment_value_defers_to_pyproject(tmp_path: Path, value: str):
    isolation = build_isolation(_root(tmp_path, "isolation = false\n"), environ={NO_ISOLATION_ENV: value})
    assert not isolation and isolation.source == "pyproject.toml: [tool.symphony.build] isolation = false"


def test_bad_isolation_settings_say_what_to_write(tmp_path: Path):
    with pytest.raises(WorkspaceError, match=f"{NO_ISOLATION_ENV}='maybe' is neither true"):
        build_isolation(_root(tmp_path), environ={NO_ISOLATION_ENV: "maybe"})
    with pytest.raises(WorkspaceError, match="isolation must be true or false"):
        build_isolation(_root(tmp_path, 'isolation = "no"\n'), environ={})


def test_thresholds_default_and_override(tmp_path: Path):
    assert score_thresholds(_root(tmp_path), "mf") == Thresholds("mf", 0.65, "CRITICAL", "default")
    root = _root(tmp_path, "[tool.symphony.build.thresholds]\nf = 0.9\n")
    assert score_thresholds(root, "f") == Thresholds("f", 0.9, "MAJOR", "pyproject.toml: thresholds.f")
    assert score_thresholds(root, "ff").min_score == 0.75
    with pytest.raises(WorkspaceError, match="'p' is not a dynamic that runs movement 6"):
        score_thresholds(_root(tmp_path, "[tool.symphony.build.thresholds]\np = 0.9\n"), "mf")
    with pytest.raises(WorkspaceError, match="mf must be a score from 0 to 1"):
        score_thresholds(_root(tmp_path, "[tool.symphony.build.thresholds]\nmf = 2\n"), "mf")


def test_docs_folder_is_the_symphony_folder_unless_asked_and_stays_inside_the_project(tmp_path: Path):
    assert docs_dir(_root(tmp_path)) is None  # the build symphony then writes under the symphony folder
    assert docs_dir(_root(tmp_path, 'docs = "site/seq"\n')) == tmp_path / "site" / "seq"
    assert docs_dir(_root(tmp_path, 'docs_dir = "old/name"\n')) == tmp_path / "old" / "name"  # older spelling
    with pytest.raises(WorkspaceError, match="must be a folder inside the project"):
        docs_dir(_root(tmp_path, 'docs = "../elsewhere"\n'))


def _violation(code: str, line: int) -> Violation:
    return Violation(code=code, message=f"{code.lower()} here", place=Place("sequences/a.yaml", line))


def test_threshold_check_names_blocking_violations_and_low_scores():
    found = [_violation("METADATA_MISSING", 2), _violation("EMPTY_MOVEMENT", 9), _violation("HANDLER_NOT_FOUND", 4)]
    scores = {d: 0.8 for d in Dimension} | {Dimension.HANDLER: 0.5}
    failures = check_thresholds(found, scores, Thresholds("f", 0.75, "MAJOR", "default"))
    assert failures == [
        "2 violation(s) at MAJOR or worse fail the build at dynamic f:",
        "  sequences/a.yaml:4:1 HANDLER_NOT_FOUND CRITICAL handler_not_found here",
        "  sequences/a.yaml:9:1 EMPTY_MOVEMENT MAJOR empty_movement here",
        "Handler scores 0.5000, below the 0.75 required at dynamic f (default)",
    ]
    assert check_thresholds(found[:2], {d: 0.8 for d in Dimension}, Thresholds("mf", 0.65, "CRITICAL", "default")) == []


def test_report_markdown_says_what_did_not_run():
    text = report_markdown(
        {
            "run_id": "r1",
            "dynamic": "p",
            "context": {"project": {"name": "solo", "version": "1"}},
            "packages": {
                "isolated": True,
                "isolation_source": "default",
                "builds": [{"package": "solo", "version": "1", "duration": 1.5, "files": ["/x/dist/solo-1.tar.gz"]}],
            },
        }
    )
    assert text.startswith("# Build report: solo\n")
    assert "| 1 | solo | 1 | 1.50 | solo-1.tar.gz |" in text
    assert text.count("Not run.") == 4  # host, artifacts, lint, conformity


def test_archive_copies_artifacts_manifests_and_the_run(tmp_path: Path):
    wheel = write(tmp_path / "dist" / "solo-1-py3-none-any.whl", "zip")
    write(tmp_path / "m" / "index.json", "{}")
    write(tmp_path / "run" / "telemetry.jsonl", "{}\n")
    copied = archive_build(
        tmp_path / "archive", artifacts=[wheel], manifests_dir=tmp_path / "m", run_dir=tmp_path / "run"
    )
    assert sorted(p.relative_to(tmp_path / "archive").as_posix() for p in copied) == [
        "artifacts/solo-1-py3-none-any.whl",
        "manifests/index.json",
        "run/telemetry.jsonl",
    ]
