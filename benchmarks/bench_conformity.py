#!/usr/bin/env python3
"""The conformity engine on >= 100,000 lines of real Python, side by side with libcst and Fixit.

    python benchmarks/bench_conformity.py [--packages pytest _pytest libcst] [--jobs N]

The installed sources of the chosen packages are copied into a fresh workspace as
handler modules (``check_workspace(root, paths=[handlers])``), then timed:

  (a) bare libcst: ``libcst.parse_module`` of every file, one process;
  (b) cold: the engine with an empty cache (one parse and one walk per file, every
      check, suppressions and scores), with worker processes as the engine chooses
      them, and again in one process (``jobs=1``) for a like-for-like comparison;
  (c) warm: the engine again with nothing changed (every scan from the cache);
  (d) ``fixit lint`` on the same files (skipped with a note when Fixit is not installed).

Goals: cold at most 1.5x bare parse, warm at most 5% of cold, several times faster
than Fixit.  Times are the best of ``--repeat`` runs (default 1: each run is long).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import libcst  # noqa: E402

from pytest_symphony.conformity.engine import check_workspace  # noqa: E402

SPEC = """\
id: bench
name: Bench
description: A handler module tree of real code
kind: bench
status: active
movements:
  - name: Run
    beats:
      - name: Run
        handler: run
"""


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name!r} is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def build_workspace(packages: list[str]) -> tuple[Path, list[Path], int]:
    root = Path(tempfile.mkdtemp(prefix="symphony-bench-conformity-"))
    handlers = root / "handlers"
    for name in packages:
        shutil.copytree(package_dir(name), handlers / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "sequences").mkdir()
    (root / "sequences" / "bench.yaml").write_text(SPEC, encoding="utf-8")
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    files = sorted(handlers.rglob("*.py"))
    lines = sum(f.read_text(encoding="utf-8", errors="replace").count("\n") for f in files)
    return root, files, lines


def timed(func) -> tuple[float, object]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def best(repeat: int, func) -> tuple[float, object]:
    runs = [timed(func) for _ in range(repeat)]
    return min(runs, key=lambda r: r[0])


def bare_parse(files: list[Path]) -> int:
    for f in files:
        libcst.parse_module(f.read_text(encoding="utf-8"))
    return len(files)


def engine(root: Path, jobs: int | None, *, clear: bool):
    def run():
        if clear:
            shutil.rmtree(root / ".symphony", ignore_errors=True)
        return check_workspace(root, paths=[root / "handlers"], jobs=jobs)
    return run


def fixit(root: Path) -> tuple[float | None, str]:
    exe = shutil.which("fixit") or str(Path(sys.executable).with_name("fixit"))
    if not Path(exe).exists():
        return None, "fixit is not installed (pip install fixit): (d) skipped"
    start = time.perf_counter()
    proc = subprocess.run([exe, "lint", str(root / "handlers")], capture_output=True, text=True, cwd=root)
    took = time.perf_counter() - start
    found = proc.stdout.count("\n")
    return took, f"exit {proc.returncode}, {found} lines of findings"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", nargs="+", default=["pytest", "_pytest", "libcst"])
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for (b) (default: one per CPU)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the workspace")
    args = parser.parse_args(argv)

    root, files, lines = build_workspace(args.packages)
    try:
        print(f"workspace: {root}\n{len(files)} files, {lines:,} lines of {', '.join(args.packages)}; "
              f"{os.cpu_count()} CPU(s)\n")
        t_parse, _ = best(args.repeat, lambda: bare_parse(files))
        t_cold, cold = best(args.repeat, engine(root, args.jobs, clear=True))
        t_serial, _ = best(args.repeat, engine(root, 1, clear=True))
        engine(root, args.jobs, clear=True)()  # a cache for the warm runs
        t_warm, warm = best(max(3, args.repeat), engine(root, args.jobs, clear=False))
        t_fixit, fixit_note = fixit(root)

        rows = [
            ("(a) bare libcst parse", t_parse, "1 process"),
            ("(b) checks, cold", t_cold, f"{cold.stats.get('scanned')} scanned, {len(cold.violations)} violations"),
            ("(b') checks, cold, 1 process", t_serial, "jobs=1"),
            ("(c) checks, warm", t_warm, f"{warm.stats.get('cached')} from the cache"),
        ]
        if t_fixit is not None:
            rows.append(("(d) fixit lint", t_fixit, fixit_note))
        width = max(len(r[0]) for r in rows)
        for name, took, note in rows:
            print(f"{name:<{width}}  {took:8.2f}s  {lines / took:10,.0f} lines/s  {note}")
        if t_fixit is None:
            print(f"(d) {fixit_note}")
        print()
        checks = [
            ("cold / bare parse", t_cold / t_parse, "<= 1.5"),
            ("cold, 1 process / bare parse", t_serial / t_parse, "(like for like)"),
            ("warm / cold", t_warm / t_cold, "<= 0.05"),
        ]
        if t_fixit is not None:
            checks.append(("fixit / cold", t_fixit / t_cold, ">= 3 (several times faster)"))
            checks.append(("fixit / cold, 1 process", t_fixit / t_serial, ""))
        for name, ratio, goal in checks:
            print(f"{name:<30} {ratio:7.3f}x   goal {goal}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
