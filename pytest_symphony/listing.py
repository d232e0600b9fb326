"""``pytest --symphony-list``: every sequence the project and the built-in pipelines offer.

Like ``pytest --markers``: it prints and runs nothing.  Per sequence: the id to give
``--symphony``, the file, its movements and beats, and how many beats each dynamic keeps.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .runtime import dynamics
from .score.levels import DYNAMICS
from .score.loader import SPEC_SUFFIXES, load_spec

if TYPE_CHECKING:
    import pytest

    from .run import SymphonyRun


def listing(config: "pytest.Config", run: "SymphonyRun") -> list[str]:
    rows: list[tuple[str, str, str, str, str]] = []
    problems: list[str] = []
    root = run.rootpath
    for path in _project_specs(run.spec_roots):
        _row(rows, problems, path, _shown(path, root), "")
    for batch in config.hook.pytest_symphony_pipelines(config=config):
        for pipeline in batch or ():
            _row(rows, problems, pipeline.spec, pipeline.nodeid, f" (--symphony={pipeline.alias})")
    if not rows and not problems:
        return [
            "no sequences: put specs under ini symphony_paths (now: "
            + " ".join(_shown(p, root) for p in run.spec_roots)
            + ")"
        ]
    head = ("id", "file", "movements", "beats", "beats per dynamic")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)) for row in [head, *rows]]
    return lines + problems


def _row(rows: list[tuple[str, str, str, str, str]], problems: list[str], path: Path, shown: str, hint: str) -> None:
    result = load_spec(path, display_path=shown)
    sequence = result.sequence
    if sequence is None:
        problems.append(f"{shown}: cannot load ({result.problems[0] if result.problems else 'no sequence'})")
        return
    beats = [(m, b) for m in sequence.movements for b in m.beats]
    per_level = " ".join(
        f"{level} {sum(dynamics.allows(level, dynamics.required(b, m)) for m, b in beats)}" for level in DYNAMICS
    )
    rows.append((sequence.id + hint, shown, str(len(sequence.movements)), str(len(beats)), per_level))


def _project_specs(roots: tuple[Path, ...]) -> list[Path]:
    found: dict[Path, None] = {}
    for root in roots:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.suffix in SPEC_SUFFIXES and path.is_file():
                    found.setdefault(path, None)
    return list(found)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
