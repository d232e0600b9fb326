#!/usr/bin/env python
"""Benchmark: a spec whose beats all share one name against the same spec with distinct names.

Slugs (the beats' node names) must be unique within a movement: the second "Build" is
``build-2``, the 8,000th ``build-8000``.  Numbering them once cost a scan per beat
(quadratic: 8,000 same-named beats took 25 s to collect); the goal is linear time, at
most 1.5x the same file with distinct names.

Two throw-away projects, one spec file each (N beats in one movement, one no-op
handler), side by side in one run: the loader alone (``load_spec``, in process, median
of ``--repeat``) and ``pytest --collect-only -q`` (subprocess, median), at each size of
``--beats`` so a superlinear step shows.  Prints figure, anchor, ratio and verdict; a
measurement, not a test: exits 0 whatever the figures.

    python benchmarks/bench_slugs.py                     # 2,000, 8,000 and 12,000 beats
    python benchmarks/bench_slugs.py --beats 500 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 1.5
ROOT = Path(__file__).resolve().parents[1]


def _project(folder: Path, beats: int, same: bool) -> Path:
    (folder / "sequences").mkdir(parents=True)
    (folder / "pytest.ini").write_text("[pytest]\nsymphony_handlers = handlers\n")
    (folder / "handlers.py").write_text("from pytest_symphony import handler\n\n\n@handler\ndef noop():\n    pass\n")
    spec = {
        "id": "s",
        "movements": [
            {
                "name": "m",
                "beats": [{"name": "Build" if same else f"Build {i}", "handler": "noop"} for i in range(beats)],
            }
        ],
    }
    path = folder / "sequences" / "s.json"
    path.write_text(json.dumps(spec))
    return path


def _load_s(path: Path, repeat: int) -> float:
    from pytest_symphony.score.loader import load_spec

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = load_spec(path)
        times.append(time.perf_counter() - start)
        assert result.sequence is not None, result.problems
    return statistics.median(times)


def _collect_s(folder: Path, beats: int, repeat: int) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - start)
        if f"{beats} tests collected" not in out.stdout:
            sys.exit(f"collection of {folder} did not give {beats} tests:\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beats", type=int, nargs="+", default=[2000, 8000, 12000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    print(
        f"{'beats':>7} {'what':<14} {'same name':>10} {'distinct (anchor)':>18} {'ratio':>6}  verdict (goal <= {GOAL}x)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.beats:
            same = _project(Path(tmp) / f"same-{n}", n, True)
            distinct = _project(Path(tmp) / f"distinct-{n}", n, False)
            rows = [
                ("loader", _load_s(same, args.repeat), _load_s(distinct, args.repeat)),
                (
                    "collect-only",
                    _collect_s(same.parents[1], n, args.repeat),
                    _collect_s(distinct.parents[1], n, args.repeat),
                ),
            ]
            for what, figure, anchor in rows:
                ratio = figure / anchor
                verdict = "ok" if ratio <= GOAL else "OVER"
                print(f"{n:>7} {what:<14} {figure:>9.3f}s {anchor:>17.3f}s {ratio:>6.2f}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
