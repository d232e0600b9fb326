#!/usr/bin/env python3
"""The conformity engine and the conformity pipeline, side by side with their anchors, in one run.

    python benchmarks/bench_conformity.py                       # both parts (about 15 minutes on 2 CPUs)
    python benchmarks/bench_conformity.py --part scale --specs 500 2000
    python benchmarks/bench_conformity.py --part scale --specs 1261 --full --baseline /path/to/main

Part "code": >= 100,000 lines of real Python.  The installed sources of the chosen
packages are copied into a fresh workspace as handler modules
(``check_workspace(root, paths=[handlers])``), then timed:

  (a) bare libcst: ``libcst.parse_module`` of every file, one process;
  (b) cold: the engine with an empty cache (one parse and one walk per file, every
      check, suppressions and scores), with worker processes as the engine chooses
      them, and again in one process (``jobs=1``) for a like-for-like comparison;
  (c) warm: the engine again with nothing changed (every scan from the cache);
  (d) ``fixit lint`` on the same files (skipped with a note when Fixit is not installed).

Goals: cold at most 1.5x bare parse, warm at most 5% of cold, several times faster than
Fixit.  Times are the best of ``--repeat`` runs.

Part "scale": workspaces of 500, 2,000 and 5,000 specs in the shapes of the RenderX
corpus (``tests/renderx_shapes.py``; about 20 violations a spec, or each template's full
set with ``--full``), each measured in fresh subprocesses: the engine alone
(``check_workspace``, cold) and ``pytest --symphony=conformity`` (one item per checked
file).  Wall time, CPU time and peak RSS of each child (``os.wait4``); per-spec cost and
how it grows from one size to the next, so a quadratic step shows.  Goal: the pytest run
at most 1.3x the engine alone at 2,000 specs.  ``--baseline DIR`` runs the same
measurements with another checkout first (a before and after).  Unrelated plugins that
happen to be installed (``hypothesis``, ``randomly``) are disabled in the pytest runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


def code_part(args: argparse.Namespace) -> None:
    root, files, lines = build_workspace(args.packages)
    try:
        print(f"== code: {len(files)} files, {lines:,} lines of {', '.join(args.packages)}; {os.cpu_count()} CPU(s)\n")
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
        print()
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


# -- scale: generated workspaces, engine alone against the pytest run ------------------------

PYTEST_GOAL = 1.3
PYTEST_ARGS = [
    "-q",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:randomly",
    "-p",
    "no:hypothesispytest",
    "--symphony=conformity",
]
ENGINE_CODE = (
    "import sys\nfrom pathlib import Path\nfrom pytest_symphony.conformity.engine import check_workspace\n"
    "r = check_workspace(Path(sys.argv[1]))\nprint('violations', len(r.violations), 'files', len(r.files))\n"
)
_SCRUB_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")


@dataclass
class Sample:
    wall: float
    cpu: float | None
    rss_mb: float | None
    out: str


def child(argv: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    """One subprocess: wall time, and the CPU time and peak RSS of that child alone."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        if hasattr(os, "wait4"):
            _, _, usage = os.wait4(proc.pid, 0)
            cpu = usage.ru_utime + usage.ru_stime
            rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        else:  # pragma: no cover - Windows: no per-child rusage
            proc.wait()
            cpu = rss = None
        wall = time.perf_counter() - start
        log.seek(0)
        return Sample(wall, cpu, rss, log.read().decode("utf-8", "replace"))


def environment(tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
    env["PYTHONPATH"] = str(tree)
    env.setdefault("SYMPHONY_SHARED", str(ROOT.parent.parent / "shared"))
    return env


def measure(tree: Path, root: Path, extra: list[str]) -> tuple[Sample, Sample]:
    """(engine alone, pytest run) on ``root`` with the pytest_symphony of ``tree``, both cold."""
    env = environment(tree)
    shutil.rmtree(root / ".symphony", ignore_errors=True)
    eng = child([sys.executable, "-c", ENGINE_CODE, str(root)], root, env)
    shutil.rmtree(root / ".symphony", ignore_errors=True)
    run = child([sys.executable, "-m", "pytest", *PYTEST_ARGS, *extra], root, env)
    return eng, run


def _fmt(sample: Sample) -> str:
    cpu = f"{sample.cpu:7.1f}s" if sample.cpu is not None else "      -"
    rss = f"{sample.rss_mb:6.0f} MB" if sample.rss_mb is not None else "     -"
    return f"{sample.wall:7.1f}s {cpu} {rss}"


def scale_part(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.renderx_shapes import corpus_available, generate

    if not corpus_available():
        print("== scale: skipped, the RenderX corpus is not available (set SYMPHONY_SHARED)")
        return
    trees = ([("before", Path(args.baseline).resolve())] if args.baseline else []) + [("this", ROOT)]
    shape = {} if args.full else {"beats": 1, "events": 9}
    load = f", load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(
        f"== scale: RenderX-shaped workspaces ({'full templates' if args.full else '~20 violations a spec'}); "
        f"{os.cpu_count()} CPU(s){load}\n"
    )
    warm = Path(tempfile.mkdtemp(prefix="symphony-bench-warmup-"))
    generate(warm, 6, **shape)
    for _, tree in trees:  # bytecode and rewritten-assertion caches exist before timing
        child([sys.executable, "-m", "pytest", *PYTEST_ARGS], warm, environment(tree))
    shutil.rmtree(warm, ignore_errors=True)
    header = (
        f"{'tree':<7}{'specs':>6} {'violations':>10} | {'engine: wall    cpu    peak':>27} | "
        f"{'pytest: wall    cpu    peak':>27} | {'ratio':>6} {'ms/spec eng':>11} {'ms/spec run':>11}"
    )
    print(header)
    print("-" * len(header))
    rows: dict[str, list[tuple[int, Sample, Sample]]] = {}
    for n in args.specs:
        root = Path(tempfile.mkdtemp(prefix=f"symphony-bench-scale-{n}-"))
        try:
            generate(root, n, **shape)
            for label, tree in trees:
                eng, run = measure(tree, root, args.pytest_arg)
                found = re.search(r"violations (\d+)", eng.out)
                rows.setdefault(label, []).append((n, eng, run))
                print(
                    f"{label:<7}{n:>6} {found.group(1) if found else '?':>10} | {_fmt(eng)} | {_fmt(run)} | "
                    f"{run.wall / eng.wall:5.2f}x {1000 * eng.wall / n:11.1f} {1000 * run.wall / n:11.1f}",
                    flush=True,
                )
                last = run.out.strip().splitlines()[-1:] if run.out.strip() else ["(no output)"]
                if "passed" not in last[0] and "failed" not in last[0]:
                    print(f"        the pytest run did not finish normally: {last[0]}")
        finally:
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
    print()
    for label, measured in rows.items():
        for (n0, e0, r0), (n1, e1, r1) in zip(measured, measured[1:]):
            k = n1 / n0
            cpu = (
                f" (cpu: engine {e1.cpu / e0.cpu:.1f}x, pytest run {r1.cpu / r0.cpu:.1f}x)"
                if e0.cpu and r0.cpu and e1.cpu and r1.cpu
                else ""
            )
            print(
                f"{label}: {n0} -> {n1} specs ({k:.1f}x): engine {e1.wall / e0.wall:.1f}x, pytest run "
                f"{r1.wall / r0.wall:.1f}x{cpu}, peak memory {((r1.rss_mb or 0) / (r0.rss_mb or 1)):.1f}x "
                f"(linear: {k:.1f}x, quadratic: {k * k:.0f}x)"
            )
        for n, eng, run in measured:
            cpu = f" (cpu {run.cpu / eng.cpu:.2f}x)" if eng.cpu and run.cpu else ""
            print(
                f"{label}: pytest run / engine alone at {n:,} specs: {run.wall / eng.wall:.2f}x{cpu}"
                + (f", goal <= {PYTEST_GOAL}" if n == 2000 else "")
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("code", "scale", "all"), default="all")
    parser.add_argument("--packages", nargs="+", default=["pytest", "_pytest", "libcst"])
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for (b) (default: one per CPU)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--specs", nargs="+", type=int, default=[500, 2000, 5000], help="scale: workspace sizes")
    parser.add_argument("--full", action="store_true", help="scale: each template's full set of violations")
    parser.add_argument("--baseline", metavar="DIR", help="scale: a checkout to measure first (before)")
    parser.add_argument(
        "--pytest-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="scale: one more argument for the pytest runs (e.g. --pytest-arg=--tb=line)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the workspaces")
    args = parser.parse_args(argv)
    if args.part in ("code", "all"):
        code_part(args)
    if args.part in ("scale", "all"):
        scale_part(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
