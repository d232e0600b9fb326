"""A generated project for the delivery symphony: real git history with tags, flags, deployments,
incidents, research and feedback, every date placed relative to the moment the project is made.

``Shop`` writes the tiny flit project ``tinyshop`` (a package, its tests, a feature file with its
step definitions) and the delivery inputs under ``delivery/``.  Dates are offsets in days before
``T0`` (when the fixture ran, whole seconds), so the four keys of a run a few seconds later have
answers computed by hand in tests/delivery/test_delivery_four_keys.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]

pytest.importorskip("build", reason="the build sub-pipeline builds the generated project")
pytest.importorskip("flit_core", reason="flit_core builds the generated project (no isolation)")

PYPROJECT = """
[build-system]
requires = ["flit_core>=3.4,<5"]
build-backend = "flit_core.buildapi"

[project]
name = "tinyshop"
version = "1.2.0"
description = "A tiny shop"
readme = "README.md"
requires-python = ">=3.10"

[project.scripts]
tinyshop = "tinyshop:main"

[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.symphony.delivery]
release_flag = "search-by-tag"
fail_under = 50
smoke_commands = ["tinyshop"]
csat_target = 70
"""

PACKAGE = '''"""tinyshop: a shop small enough to test."""

VERSION = "1.2.0"


def main():
    print("tinyshop", VERSION)
'''

TESTS = """import tinyshop


def test_main_prints_the_version(capsys):
    tinyshop.main()
    assert capsys.readouterr().out == "tinyshop 1.2.0\\n"
"""

FEATURE = """@feature:search
Feature: Search by tag
  Scenario: Find items by tag
    Given a catalogue with an item tagged "summer"
    When I search for "summer"
    Then I see 1 item
"""

STEPS = """from pytest_bdd import given, parsers, then, when


@given(parsers.parse('a catalogue with an item tagged "{tag}"'), target_fixture="catalogue")
def catalogue(tag):
    return [{"tag": tag}]


@when(parsers.parse('I search for "{tag}"'), target_fixture="found")
def search(catalogue, tag):
    return [item for item in catalogue if item["tag"] == tag]


@then(parsers.parse("I see {count:d} item"))
def see(found, count):
    assert len(found) == count
"""

FLAGS = {
    "$schema": "https://flagd.dev/schema/v0/flags.json",
    "flags": {
        "search-by-tag": {
            "state": "ENABLED",
            "variants": {"on": True, "off": False},
            "defaultVariant": "off",
            "targeting": {"fractional": [["on", 0], ["off", 100]]},
        }
    },
}

ROADMAP = """
vision: Find anything in the shop in two keystrokes.
items:
  - id: search
    title: Search by tag
    status: next
    wsjf: {business_value: 8, time_criticality: 5, risk_reduction: 3, job_size: 4}
    feature: features/search.feature
    flag: search-by-tag
  - id: themes
    title: Dark theme
    status: later
"""


class Shop:
    """The generated project at ``root``; ``day(-3)`` is the timestamp three days before T0."""

    def __init__(self, root: Path, previous_env: Path, *, calm: bool = False) -> None:
        self.root = root
        self.previous_env = previous_env
        self.calm = calm  # no incident in the window: every gate passes at f
        self.t0 = datetime.now(timezone.utc).replace(microsecond=0)
        self.sha: dict[str, str] = {}

    def day(self, offset: float, minutes: float = 0) -> str:
        moment = self.t0 + timedelta(days=offset, minutes=minutes)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def git(self, *args: str, date: str | None = None) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        if date:
            env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        return subprocess.run(
            ["git", *args], cwd=self.root, env=env, check=True, capture_output=True, text=True
        ).stdout.strip()

    def commit(self, name: str, message: str, offset: float, files: dict[str, str]) -> str:
        for rel, text in files.items():
            self.write(rel, text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, date=self.day(offset))
        self.sha[name] = self.git("rev-parse", "HEAD")
        return self.sha[name]

    def deployment(self, id: str, commit: str, *statuses: tuple[str, float], **extra) -> dict:
        created = statuses[0][1] - 10 / 1440
        return {
            "id": id,
            "sha": self.sha[commit],
            "ref": "main",
            "environment": "production",
            "created_at": self.day(created),
            "statuses": [{"state": s, "created_at": self.day(d)} for s, d in statuses],
            **extra,
        }

    def deployments(self, *records: dict) -> None:
        self.write("delivery/deployments.jsonl", "".join(json.dumps(r) + "\n" for r in records))

    def settings(self, **values) -> None:
        """Set keys of ``[tool.symphony.delivery]`` (the last table of pyproject.toml)."""
        path = self.root / "pyproject.toml"
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.split(" = ")[0] not in values]
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def evidence(self, name: str, data: dict) -> None:
        """What an earlier movement persisted for version 1.2.0 (``.symphony/delivery/1.2.0/<name>.json``)."""
        self.write(f".symphony/delivery/1.2.0/{name}.json", json.dumps(data))

    def staged(self, release: "Staged") -> None:
        """The evidence the integration movement leaves: the scope, the build and the staged environment."""
        self.evidence("scope", {"features": [{"feature": "search"}]})
        self.evidence("build", {"artifacts": [{"path": str(release.wheel), "name": release.wheel.name}]})
        self.evidence("stage", {"green": str(release.env), "installed": {"tinyshop": release.version}})

    def incidents(self, *records: dict) -> None:
        self.write("delivery/incidents.yaml", "".join(f"- {json.dumps(r)}\n" for r in records) or "[]\n")

    def build(self) -> "Shop":
        self.root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        for key, value in (("user.name", "Dev"), ("user.email", "dev@example.com"), ("commit.gpgsign", "false")):
            self.git("config", key, value)
        self.commit(
            "c0",
            "chore: start tinyshop",
            -60,
            {
                "pyproject.toml": PYPROJECT,
                "README.md": "# tinyshop\n\nA tiny shop.\n",
                "tinyshop/__init__.py": PACKAGE,
                "tests/test_tinyshop.py": TESTS,
                ".gitignore": ".symphony/\ndist/\n__pycache__/\n",
            },
        )
        self.git("tag", "v1.0.0")
        self.commit("c1", "fix: handle an empty cart", -20, {"tinyshop/cart.py": "ITEMS = []\n"})
        self.commit("c2", "feat(catalog): list the items", -19, {"tinyshop/catalog.py": "ITEMS = ['mug']\n"})
        self.commit("c3", "fix: round prices", -10, {"tinyshop/prices.py": "DIGITS = 2\n"})
        self.git("tag", "v1.1.0")
        self.commit(
            "c4",
            "feat(search): search items by tag",
            -6,
            {
                "tinyshop/search.py": "def by_tag(items, tag):\n    return [i for i in items if i == tag]\n",
                "features/search.feature": FEATURE,
                "step_defs/search_steps.py": STEPS,
                "delivery/flags.flagd.json": json.dumps(FLAGS, indent=2) + "\n",
            },
        )
        self.commit(
            "c5",
            "test(search): cover tag search",
            -5,
            {
                "tests/test_search.py": "from tinyshop.search import by_tag\n\n\ndef test_by_tag():\n"
                "    assert by_tag(['a', 'b'], 'a') == ['a']\n"
            },
        )
        self.write_inputs()
        self.commit("c6", "docs: record the delivery evidence", -1, {})
        return self

    def write_inputs(self) -> None:
        self.write("delivery/roadmap.yaml", ROADMAP)
        self.write(
            "delivery/hypotheses.yaml",
            """
            - {id: search-benefit, feature: search, metric: search_click_through, target: 0.35, window: 14d}
            """,
        )
        self.write(
            "delivery/research/interviews.yaml",
            f"""
            - id: interviews
              features: [search]
              date: {self.day(-30)}
              method: interviews
              participants: [{{role: customer, name: a buyer}}]
            """,
        )
        self.write(
            "delivery/feedback/month.yaml",
            "".join(
                f"- {{kind: {kind}, score: {score}, date: '{self.day(offset)}'}}\n"
                for kind, score, offset in (
                    ("csat", 5, -3),
                    ("csat", 4, -4),
                    ("csat", 3, -5),
                    ("csat", 5, -6),
                    ("nps", 9, -3),
                    ("nps", 10, -4),
                    ("nps", 6, -5),
                    ("nps", 8, -6),
                )
            ),
        )
        self.write("CHANGELOG.md", "# Changelog\n\n## [1.1.0] - 2024-01-01\n\n- Prices are rounded.\n")
        previous = {"version": "1.1.0", "environment": str(self.previous_env), "distributions": {"tinyshop": "1.1.0"}}
        self.deployments(
            self.deployment("D1", "c0", ("success", -40)),
            self.deployment("D2", "c2", ("in_progress", -18 - 5 / 1440), ("success", -18)),
            self.deployment("D3", "c3", ("in_progress", -9), ("failure", -9 + 5 / 1440)),
            self.deployment("D4", "c3", ("success", -8)),
            self.deployment("D5", "c5", ("success", -2), payload=previous),
        )
        if self.calm:
            self.incidents(
                {"id": "I3", "opened_at": self.day(-45), "resolved_at": self.day(-45, 10), "severity": "sev3"}
            )
            return
        self.incidents(
            {
                "id": "I1",
                "opened_at": self.day(-7.5),
                "resolved_at": self.day(-7.5, 90),
                "severity": "sev2",
                "root_cause": self.sha["c3"][:12],
            },
            {
                "id": "I2",
                "opened_at": self.day(-3),
                "resolved_at": self.day(-3, 30),
                "severity": "sev3",
                "deployment": "D2",
            },
            {"id": "I3", "opened_at": self.day(-45), "resolved_at": self.day(-45, 10), "severity": "sev3"},
        )


def _build_wheel(root: Path, version: str) -> Path:
    project = root / f"tinyshop-{version}"
    (project / "tinyshop").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        PYPROJECT.replace('version = "1.2.0"', f'version = "{version}"').split("[tool.pytest")[0], encoding="utf-8"
    )
    (project / "README.md").write_text("# tinyshop\n", encoding="utf-8")
    (project / "tinyshop" / "__init__.py").write_text(PACKAGE.replace("1.2.0", version), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(root / "dist"), str(project)],
        check=True,
        capture_output=True,
    )
    return next((root / "dist").glob(f"tinyshop-{version}-*.whl"))


@dataclass(frozen=True)
class Staged:
    """A release staged as beat 8 stages one: its wheel, installed by hash into a real environment."""

    version: str
    wheel: Path
    env: Path


def _staged(root: Path, version: str) -> Staged:
    from pytest_symphony.deliverykit import DeliverySettings, stage

    wheel = _build_wheel(root, version)
    return Staged(version, wheel, stage(DeliverySettings(root=root), [wheel], version=version, name="staged").green)


@pytest.fixture(scope="session")
def previous_release(tmp_path_factory) -> Path:
    """Production as it runs today: tinyshop 1.1.0, the rollback target of every deployment."""
    return _staged(tmp_path_factory.mktemp("production"), "1.1.0").env


@pytest.fixture(scope="session")
def next_release(tmp_path_factory) -> Staged:
    """tinyshop 1.2.0 built and staged, for the movements after the build run on their own."""
    return _staged(tmp_path_factory.mktemp("staging"), "1.2.0")


@pytest.fixture
def shop(pytester: pytest.Pytester, previous_release: Path, monkeypatch: pytest.MonkeyPatch) -> Shop:
    monkeypatch.setenv("SYMPHONY_BUILD_NO_ISOLATION", "1")
    return Shop(pytester.path, previous_release).build()


def run_subprocess(root: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m pytest`` in ``root`` as a user types it, with this checkout's plugin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_", "COVERAGE_"))}
    env.update(PYTHONPATH=str(CHECKOUT), SYMPHONY_BUILD_NO_ISOLATION="1")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
