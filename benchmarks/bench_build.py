#!/usr/bin/env python
"""Benchmark: the build symphony against plain ``python -m build`` for the same packages.

Both sides build the same packages, in the same dependency order, with the same isolation
setting, from a clean state on every run (no ``dist/``, no run history, manifests or docs;
the conformity engine's content-addressed cache is kept, as on a developer's machine,
unless ``--cold``):

* ``plain``     - one ``python -m build [--no-isolation] <package>`` per package (the sdist,
  then the wheel from the sdist, as the build symphony builds), one after the other (what a
  shell script would do);
* ``symphony``  - ``python -m pytest --symphony=build`` in the workspace root: the whole
  pipeline (validation, manifests, the builds, artifacts hashed and verified, docs, report,
  telemetry) at ``--dynamic`` (default ``mf``).

The workspace is generated (``--packages N`` flit_core packages, each depending on the one
before), or a copy of a real project with ``--project PATH``.  Every measurement is repeated
``--repeat`` times, alternating the sides; the table shows the median and the range of the
wall time of the whole command, and the overhead against the goal:

    symphony <= plain * 1.10 + 1 s

Below the table, the symphony's fixed costs are named from its own telemetry (median over
the timed runs): pytest's start, collection and session end (the wall time no beat
accounts for), then each movement, with the package builds apart, so the overhead shows
where it goes.

It measures; it does not test: exit status 0 whatever the figures, 2 when a run fails.

    python benchmarks/bench_build.py                     # 5 generated packages, no isolation
    python benchmarks/bench_build.py --packages 10 --repeat 5
    python benchmarks/bench_build.py --project .         # this repository (setuptools >= 77 needed)
    python benchmarks/bench_build.py --isolation         # isolated builds (needs network or a wheel cache)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_FACTOR = 1.10
GOAL_CONSTANT_S = 1.0
_SCRUB_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_XDIST_AUTO_NUM_WORKERS")
CHECKOUT = Path(__file__).resolve().parents[1]
_IGNORE = shutil.ignore_patterns(
    ".venv",
    ".ci-venv",
    ".git",
    "dist",
    "build",
    "*.egg-info",
    "__pycache__",
    ".symphony",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    "node_modules",
)


def generate_workspace(root: Path, count: int) -> None:
    """``count`` flit_core packages ``pkg00``..., each depending on the one before."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[tool.symphony.build]\npackages = ["packages/*"]\n', encoding="utf-8")
    for i in range(count):
        name = f"pkg{i:02d}"
        pkg = root / "packages" / name
        (pkg / name).mkdir(parents=True)
        deps = f'"pkg{i - 1:02d}"' if i else ""
        (pkg / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["flit_core>=3.4,<5"]\nbuild-backend = "flit_core.buildapi"\n\n'
            f'[project]\nname = "{name}"\nversion = "1.0.0"\ndescription = "benchmark package {i}"\n'
            f'readme = "README.md"\ndependencies = [{deps}]\n',
            encoding="utf-8",
        )
        (pkg / "README.md").write_text(f"# {name}\n\nBenchmark package {i}.\n", encoding="utf-8")
        for j in range(20):  # some real files to pack and hash
            (pkg / name / f"mod{j:02d}.py").write_text(f'"""Module {j}."""\n\nVALUE = {j}\n' * 20, encoding="utf-8")
        (pkg / name / "__init__.py").write_text(f'"""{name}."""\n', encoding="utf-8")


def build_order(root: Path) -> list[Path]:
    """The package directories in dependency order, as the build symphony computes it."""
    from pytest_symphony.buildkit import build_order as order, discover_packages

    return [p.path for p in order(discover_packages(root))]


def clean(root: Path, packages: list[Path], *, cold: bool) -> None:
    """No dist/, no run history, manifests or docs; the conformity cache survives unless ``cold``."""
    for pkg in packages:
        shutil.rmtree(pkg / "dist", ignore_errors=True)
    symphony = root / ".symphony"
    if cold:
        shutil.rmtree(symphony, ignore_errors=True)
    elif symphony.is_dir():
        for entry in symphony.iterdir():
            if entry.name != "cache":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for leftover in (".pytest_cache",):
        shutil.rmtree(root / leftover, ignore_errors=True)


def _env(isolation: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
    env["PYTHONPATH"] = str(CHECKOUT)  # this checkout's plugin, whatever else is installed
    env["SYMPHONY_BUILD_NO_ISOLATION"] = "0" if isolation else "1"
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], label: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"\n{label} failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
        raise SystemExit(2)
    return elapsed


def run_plain(root: Path, packages: list[Path], python: str, isolation: bool) -> float:
    flags = [] if isolation else ["--no-isolation"]
    total = 0.0
    for pkg in packages:
        total += _run(
            [python, "-m", "build", *flags, "--outdir", str(pkg / "dist"), str(pkg)],
            pkg,
            _env(isolation),
            "python -m build",
        )
    return total


def run_symphony(root: Path, python: str, isolation: bool, dynamic: str) -> float:
    cmd = [
        python,
        "-m",
        "pytest",
        "--symphony=build",
        f"--symphony-dynamic={dynamic}",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
    ]
    return _run(cmd, root, _env(isolation), "pytest --symphony=build")


MOVEMENTS = {
    1: "validation (specs, conformity, handlers)",
    2: "manifests",
    3: "package building",
    4: "host application",
    5: "artifacts (hash, verify, metadata, manifest)",
    6: "verification (lint, conformity scores, docs, report)",
}


def fixed_costs(root: Path, wall: float) -> dict[str, float]:
    """Seconds by where they went in one symphony run, from its telemetry.jsonl."""
    (run_dir,) = (root / ".symphony" / "runs").iterdir()
    records = [json.loads(line) for line in (run_dir / "telemetry.jsonl").read_text().splitlines() if line]
    costs: dict[str, float] = {}
    for r in records:
        if r.get("kind", "beat") != "beat":
            continue
        if r.get("beat") == "build-package":
            key = "package builds (python -m build per package)"
        else:
            key = MOVEMENTS.get(r.get("movement_number"), "other beats")
        costs[key] = costs.get(key, 0.0) + (r.get("duration_ms") or 0.0) / 1000
    costs["pytest start, collection and session end (no beat)"] = wall - sum(costs.values())
    return costs


def _stats(values: list[float]) -> str:
    return f"{statistics.median(values):7.2f} s  ({min(values):.2f}..{max(values):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", type=int, default=5, help="generated packages (default 5)")
    parser.add_argument("--project", type=Path, help="benchmark a copy of this project instead")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per side first (default 1)")
    parser.add_argument("--isolation", action="store_true", help="isolated builds on both sides (needs network)")
    parser.add_argument("--dynamic", default="mf", choices=("p", "mf", "f", "ff"), help="symphony dynamic (mf)")
    parser.add_argument(
        "--cold", action="store_true", help="also drop the conformity cache (.symphony/cache) before every symphony run"
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter for both sides")
    parser.add_argument("--keep", action="store_true", help="keep the workspace (its path is printed)")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-build-"))
    root = tmp / "ws"
    if args.project:
        shutil.copytree(args.project.resolve(), root, ignore=_IGNORE)
    else:
        generate_workspace(root, args.packages)
    try:
        packages = build_order(root)
        iso = "isolated" if args.isolation else "no isolation"
        cache = "cold (no conformity cache)" if args.cold else "conformity cache kept between runs"
        print(
            f"workspace: {root if args.keep else (args.project or 'generated')}; {len(packages)} package(s) "
            f"in order {', '.join(p.name for p in packages)}; {iso}; dynamic {args.dynamic}; {cache}; "
            f"python {args.python}"
        )
        plain: list[float] = []
        symphony: list[float] = []
        breakdowns: list[dict[str, float]] = []
        for i in range(args.warmup + args.repeat):
            clean(root, packages, cold=args.cold)
            t_plain = run_plain(root, packages, args.python, args.isolation)
            clean(root, packages, cold=args.cold)
            t_sym = run_symphony(root, args.python, args.isolation, args.dynamic)
            if i >= args.warmup:
                plain.append(t_plain)
                symphony.append(t_sym)
                breakdowns.append(fixed_costs(root, t_sym))
            print(
                f"  run {i + 1}{' (warm-up)' if i < args.warmup else ''}: plain {t_plain:.2f} s, symphony {t_sym:.2f} s"
            )
        p, s = statistics.median(plain), statistics.median(symphony)
        goal = p * GOAL_FACTOR + GOAL_CONSTANT_S
        print()
        print(f"{'side':<28}{'wall (median, min..max)':>34}")
        print(f"{'python -m build (plain)':<28}{_stats(plain):>34}")
        print(f"{'pytest --symphony=build':<28}{_stats(symphony):>34}")
        print()
        print(
            f"overhead: {s - p:+.2f} s ({(s / p - 1) * 100:+.1f}%); goal: at most {GOAL_FACTOR - 1:.0%} plus "
            f"{GOAL_CONSTANT_S:g} s, i.e. symphony <= {goal:.2f} s: {'PASS' if s <= goal else 'MISS'}"
        )
        print(
            f"best runs: plain {min(plain):.2f} s, symphony {min(symphony):.2f} s "
            f"({'PASS' if min(symphony) <= min(plain) * GOAL_FACTOR + GOAL_CONSTANT_S else 'MISS'} on best)"
        )
        print()
        print("where the symphony's time goes (median of the timed runs):")
        names = list(dict.fromkeys(k for b in breakdowns for k in b))
        for name in sorted(names, key=lambda n: -statistics.median(b.get(n, 0.0) for b in breakdowns)):
            print(f"  {name:<58}{statistics.median(b.get(name, 0.0) for b in breakdowns):7.2f} s")
        builds = statistics.median(b.get("package builds (python -m build per package)", 0.0) for b in breakdowns)
        print(
            f"  fixed cost beyond the package builds: {s - builds:.2f} s (goal's allowance: "
            f"{goal - p:.2f} s over plain)"
        )
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
