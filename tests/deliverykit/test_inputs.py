"""Settings and inputs: defaults, every bad key or record named with its file and line."""

from __future__ import annotations

import json

import pytest

from pytest_symphony.deliverykit import (
    DeliveryError,
    load_deployments,
    load_hypotheses,
    load_incidents,
    load_research,
    load_roadmap,
    load_settings,
    schema,
)
from pytest_symphony.deliverykit.documents import SCHEMA_DIR


def test_defaults_without_a_pyproject(tmp_path):
    settings = load_settings(tmp_path)
    assert settings.window_days == 28 and settings.fail_under is None and settings.environment == "production"
    assert settings.path("deployments") == tmp_path / "delivery" / "deployments.jsonl"
    assert not load_deployments(settings).present and len(load_incidents(settings)) == 0


def test_settings_are_read_and_bad_ones_named_with_their_line(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.symphony.delivery]\nwindow_days = 14\ndeploy_command = ["./deploy", "--now"]\n'
        'incidents = "ops/incidents.yaml"\n',
        encoding="utf-8",
    )
    settings = load_settings(tmp_path)
    assert settings.window_days == 14 and settings.deploy_command == ("./deploy", "--now")
    assert settings.path("incidents") == tmp_path / "ops" / "incidents.yaml"

    (tmp_path / "pyproject.toml").write_text(
        '[tool.symphony.delivery]\nwindow_day = 14\nfail_under = 120\nroadmap = "../elsewhere.yaml"\n'
        "smoke_commands = [3]\n",
        encoding="utf-8",
    )
    with pytest.raises(DeliveryError) as info:
        load_settings(tmp_path)
    text = str(info.value)
    assert "pyproject.toml:2: [tool.symphony.delivery] has no setting 'window_day'; did you mean 'window_days'?" in text
    assert "pyproject.toml:3: [tool.symphony.delivery] fail_under must be a number from 0 to 100; got 120" in text
    assert "pyproject.toml:4: [tool.symphony.delivery] roadmap must be a path inside the project" in text
    assert "pyproject.toml:5: [tool.symphony.delivery] smoke_commands must be a command" in text


def test_every_input_schema_ships_and_its_example_validates():
    import jsonschema

    from pytest_symphony.score.source import parse_text

    examples = SCHEMA_DIR.parent / "examples"
    names = {p.name.split(".")[0] for p in SCHEMA_DIR.glob("*.schema.json")}
    assert names == {
        "roadmap",
        "hypotheses",
        "research",
        "feedback",
        "measurements",
        "deployment",
        "incidents",
        "flags",
        "provenance",
    }
    for name in names - {"provenance"}:
        example = next(examples.glob(f"{name}.*"))
        if example.suffix == ".jsonl":
            documents = [json.loads(line) for line in example.read_text().splitlines() if line.strip()]
        elif example.suffix == ".json":
            documents = [json.loads(example.read_text())]
        else:
            documents = [parse_text(example.read_text(), example.name, "yaml")[0]]
        for document in documents:
            jsonschema.Draft202012Validator(schema(name)).validate(document)


def test_bad_records_are_named_with_file_and_line(repo):
    repo.write(
        "delivery/roadmap.yaml",
        """
        items:
          - id: search
            title: Search
            status: next
          - id: search
            title: Again
            status: soon
        """,
    )
    with pytest.raises(DeliveryError) as info:
        load_roadmap(repo.settings())
    assert "delivery/roadmap.yaml:5: items/1/status: 'soon' is not one of ['now', 'next', 'later', 'done']" in str(
        info.value
    )

    repo.write("delivery/hypotheses.yaml", "- {id: h, feature: f, metric: m, target: 1, window: soon}\n")
    with pytest.raises(DeliveryError, match=r"delivery/hypotheses.yaml:1: 0/window"):
        load_hypotheses(repo.settings())

    repo.write(
        "delivery/deployments.jsonl",
        '{"id": 1, "sha": "abcdef1", "environment": "production", '
        '"created_at": "2024-06-01T00:00:00Z", "statuses": []}\nnot json\n'
        '{"id": 2, "sha": "abcdef1", "environment": "production", "created_at": "2024-06-01T00:00", '
        '"statuses": []}\n',
    )
    with pytest.raises(DeliveryError) as info:
        load_deployments(repo.settings())
    text = str(info.value)
    assert "delivery/deployments.jsonl:2: not JSON" in text
    assert (
        "delivery/deployments.jsonl:3: created_at: '2024-06-01T00:00' has no time zone" in text
        or "delivery/deployments.jsonl:3: created_at:" in text
    )

    repo.write(
        "delivery/incidents.yaml",
        "- id: I1\n  opened_at: 2024-06-02T00:00:00Z\n  severity: sev1\n  resolved_at: 2024-06-01T00:00:00Z\n",
    )
    with pytest.raises(DeliveryError, match="incidents.yaml:1: incident I1: resolved_at is before opened_at"):
        load_incidents(repo.settings())


def test_research_folder_holds_one_record_or_a_list_per_file(repo):
    repo.write(
        "delivery/research/interviews.yaml",
        """
        - id: r1
          feature: search
          date: 2024-05-01
          participants: [{role: Customer}]
        - id: r2
          features: [search, export]
          date: 2024-05-02T09:00:00+02:00
          participants: [{role: engineer}]
        """,
    )
    repo.write(
        "delivery/research/survey.json",
        json.dumps({"id": "r3", "feature": "export", "date": "2024-05-03", "participants": [{"role": "user"}]}),
    )
    records = load_research(repo.settings())
    assert [(r.id, r.features, r.roles, r.line, r.path) for r in records] == [
        ("r1", ("search",), ("customer",), 1, "delivery/research/interviews.yaml"),
        ("r2", ("search", "export"), ("engineer",), 5, "delivery/research/interviews.yaml"),
        ("r3", ("export",), ("user",), 1, "delivery/research/survey.json"),
    ]
    assert records.records[1].date.isoformat() == "2024-05-02T07:00:00+00:00"
