"""``--cucumberjson`` that is complete under xdist too.

pytest-bdd 9 keeps each scenario's report in a per-process registry keyed by the
report object, so under ``pytest -n`` the controller (the only process that writes
the file) finds nothing and writes ``[]``.  This writer takes the option over: each
worker puts the scenario on its report as plain data (``report.symphony_scenario``,
see ``outcome.py``) and the controller builds the JSON from those.  Scenarios bound
with ``scenarios()`` in test modules are included too.

The file is sorted (features by uri, scenarios by line and id), so ``-n 2`` and a
plain run write the same document apart from durations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

#: pytest-bdd's option dest; its value moves here before pytest-bdd configures itself.
OPTION_DEST = "cucumber_json_path"
PATH_KEY = pytest.StashKey[str]()


def take_over(config: pytest.Config) -> None:
    """Move ``--cucumberjson`` from pytest-bdd's writer (empty under xdist) to ours."""
    path = getattr(config.option, OPTION_DEST, None)
    if path:
        config.stash[PATH_KEY] = path
        setattr(config.option, OPTION_DEST, None)


class CucumberWriter:
    """Collects scenario data from reports on the controller; writes one JSON file at the end."""

    def __init__(self, path: str) -> None:
        self.path = Path(os.path.normpath(os.path.abspath(os.path.expanduser(os.path.expandvars(path)))))
        self.features: dict[str, dict[str, Any]] = {}
        self.elements: dict[str, dict[str, dict[str, Any]]] = {}  # uri -> element id -> element

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "symphony_scenario", None)
        if data:
            self.add(data)

    def add(self, data: dict[str, Any]) -> None:
        feature, scenario = data["feature"], data["scenario"]
        uri = feature["uri"]
        if uri not in self.features:
            self.features[uri] = {
                "keyword": feature["keyword"],
                "uri": uri,
                "name": feature["name"] or uri,
                "id": _cucumber_id(feature["name"] or uri),
                "line": feature["line"],
                "description": feature["description"],
                "language": feature["language"],
                "tags": [{"name": "@" + t, "line": max(feature["line"] - 1, 1)} for t in feature["tags"]],
            }
            self.elements[uri] = {}
        self.elements[uri][scenario["nodeid"]] = {
            "keyword": scenario["keyword"],
            "id": f"{self.features[uri]['id']};{scenario['id']}",
            "name": scenario["name"],
            "line": scenario["line"],
            "description": scenario["description"],
            "tags": [{"name": "@" + t, "line": max(scenario["line"] - 1, 1)} for t in scenario["tags"]],
            "type": "scenario",
            "steps": [_step(step, data) for step in data["steps"]],
        }

    def write(self) -> Path:
        document = []
        for uri in sorted(self.features):
            feature = dict(self.features[uri])
            feature["elements"] = sorted(self.elements[uri].values(), key=lambda e: (e["line"], e["id"]))
            document.append(feature)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
        return self.path


def _step(step: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"status": step["status"], "duration": int(float(step["duration_ms"]) * 1_000_000)}
    if step["status"] == "failed":
        result["error_message"] = data.get("error") or step.get("error") or ""
    elif step["status"] == "undefined":
        result["error_message"] = step.get("error") or ""
    return {
        "keyword": step["keyword"],
        "name": step["name"],
        "line": step["line"],
        "match": {"location": ""},
        "result": result,
    }


def _cucumber_id(name: str) -> str:
    return "-".join(name.lower().split())
