"""Running a check's examples: write an :class:`~.checks.base.Example` workspace under a
folder and check it, as the test suite does for every built-in check (plugin authors can
test their checks the same way)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..telemetry.records import make_attempt, make_run
from ..telemetry.store import HistoryStore
from .checks.base import Example
from .engine import EngineResult, approve, check_workspace

__all__ = ["DEFAULT_INI", "write_files", "materialize", "run_example", "seed_history"]

DEFAULT_INI = {"symphony_handlers": "handlers"}


def write_files(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def seed_history(
    root: Path,
    attempts: list[Mapping[str, Any]],
    *,
    symphony_dir: str = ".symphony",
    run_id: str = "20250101T000000Z-example",
) -> None:
    """One recorded run holding ``attempts`` (each a partial attempt record)."""
    with HistoryStore(root / symphony_dir / "history.sqlite").open() as store:
        store.begin_run(make_run(run_id, started_at="2025-01-01T00:00:00Z", rootdir=str(root)))
        records = []
        for i, a in enumerate(attempts):
            fields = {
                "run_id": run_id,
                "movement": "build",
                "attempt": 1,
                "started_at": f"2025-01-01T00:00:{i:02d}Z",
                "ended_at": f"2025-01-01T00:00:{i:02d}Z",
                "correlation_id": "c",
                **a,
            }
            records.append(make_attempt(**fields))
        store.add_attempts(records)


def materialize(example: Example, root: Path) -> None:
    """Write ``example`` under ``root``: ini, approved files and lock, history, files."""
    ini = {**DEFAULT_INI, **example.ini}
    body = "".join(f"{k} = {v}\n" for k, v in ini.items())
    (root / "pytest.ini").write_text("[pytest]\n" + body, encoding="utf-8")
    if example.approved is not None:
        write_files(root, example.approved)
        approve(root)
        for rel in set(example.approved) - set(example.files):
            (root / rel).unlink()
    write_files(root, example.files)
    if example.history:
        seed_history(root, list(example.history))


def run_example(example: Example, root: Path, **kwargs: Any) -> EngineResult:
    materialize(example, root)
    return check_workspace(root, **kwargs)
