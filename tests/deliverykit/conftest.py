"""Real git repositories with dated commits and tags, and delivery inputs written beside them."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pytest_symphony.deliverykit import load_settings

#: The run's start in every test: the metrics window ends here.
NOW = datetime(2024, 6, 29, 12, 0, tzinfo=timezone.utc)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Repo:
    """A git repository whose commits carry the committer times a test gives them."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.counter = 0

    def git(self, *args: str, date: str | None = None) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            GIT_AUTHOR_NAME="Dev",
            GIT_AUTHOR_EMAIL="dev@example.com",
            GIT_COMMITTER_NAME="Dev",
            GIT_COMMITTER_EMAIL="dev@example.com",
            GIT_CONFIG_NOSYSTEM="1",
            HOME=str(self.root),
        )
        if date:
            env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        return subprocess.run(
            ["git", "-c", "commit.gpgsign=false", *args],
            cwd=self.root,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def commit(self, message: str, date: str = "2024-05-01T10:00:00Z", files: dict[str, str] | None = None) -> str:
        self.counter += 1
        for rel, text in (files or {f"work/change{self.counter}.txt": f"change {self.counter}\n"}).items():
            self.write(rel, text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, rev: str = "HEAD") -> None:
        self.git("tag", name, rev)

    def settings(self):
        return load_settings(self.root)

    def deployments(self, *records: dict) -> Path:
        return self.write("delivery/deployments.jsonl", "".join(json.dumps(r) + "\n" for r in records))


def deployment(
    id: str, sha: str, *statuses: tuple[str, str], env: str = "production", created: str | None = None, **extra
) -> dict:
    return {
        "id": id,
        "sha": sha,
        "ref": "main",
        "environment": env,
        "created_at": created or statuses[0][1],
        "statuses": [{"state": s, "created_at": t} for s, t in statuses],
        **extra,
    }


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "project")


def build_wheel(root: Path, version: str) -> Path:
    """A real wheel of the tiny flit project ``tinyshop`` at ``version``, built offline."""
    import sys

    project = root / f"tinyshop-{version}"
    (project / "tinyshop").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        textwrap.dedent(f"""
        [build-system]
        requires = ["flit_core>=3.4,<5"]
        build-backend = "flit_core.buildapi"

        [project]
        name = "tinyshop"
        version = "{version}"
        description = "a tiny shop"
        [project.scripts]
        tinyshop = "tinyshop:main"
        """),
        encoding="utf-8",
    )
    (project / "tinyshop" / "__init__.py").write_text(
        f'"""tinyshop."""\nVERSION = "{version}"\n\ndef main():\n    print("tinyshop", VERSION)\n', encoding="utf-8"
    )
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(root / "dist"), str(project)],
        check=True,
        capture_output=True,
    )
    return next((root / "dist").glob(f"tinyshop-{version}-*.whl"))


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> dict[str, Path]:
    """tinyshop 1.0.0 and 1.1.0 as real wheels (built once per session)."""
    pytest.importorskip("build")
    pytest.importorskip("flit_core")
    root = tmp_path_factory.mktemp("wheels")
    return {v: build_wheel(root, v) for v in ("1.0.0", "1.1.0")}
