#!/usr/bin/env python
"""Benchmark: pytest-symphony no-op beats against plain pytest tests and pytest-bdd scenarios.

Generates three throw-away projects in a temporary directory and runs each in its own
``python -m pytest`` subprocess, side by side, with the same interpreter and the same
installed plugins (pytest-symphony stays loaded in every run; the plain and bdd trees
simply have no ``sequences/`` folder):

* ``beats``  - N no-op beats: N/100 YAML specs of 4 movements x 25 beats, one ``noop`` handler
* ``plain``  - N plain test functions: N/100 test modules of 100 ``def test_...(): pass``
* ``bdd``    - N one-step pytest-bdd scenarios: N/100 .feature files of 100 scenarios, one
  ``Given`` each, a test module per feature calling ``scenarios(...)`` and the step in conftest.py

plus ``--collect-only -q`` of 4N beats against 4N plain tests.

For every run it reports wall time, CPU time and the peak RSS of that one child (taken from
``os.wait4``, so runs do not leak into one another), repeats each measurement ``--repeat``
times (median), and prints the ratios beats/plain and beats/bdd next to the goals:

* beats at most 1.25x plain pytest (run and collection)
* beats faster than pytest-bdd

It is a measurement, not a test: it exits 0 whatever the figures (2 only when a run does not
produce the expected number of tests, or on bad arguments).  Stdlib only.

    python benchmarks/bench_beats.py                 # full size: 5,000 run, 20,000 collect
    python benchmarks/bench_beats.py --beats 500     # a quick look
    python benchmarks/bench_beats.py --profile prof  # also cProfile the beats and plain runs
"""

from __future__ import annotations

import argparse
import io
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

RUN_GOAL_VS_PLAIN = 1.25
RUN_GOAL_VS_BDD = 1.0
COLLECT_GOAL_VS_PLAIN = 1.25

PER_FILE = 100
MOVEMENTS = 4

PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
# variables that would make one run differ from another (or from a clean shell)
_SCRUB_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_XDIST_AUTO_NUM_WORKERS", "PYTEST_DEBUG",
              "PYTEST_CURRENT_TEST", "PYTHONPROFILEIMPORTTIME", "PYTHONTRACEMALLOC")

# --------------------------------------------------------------------------- trees


def split(total: int, parts: int) -> list[int]:
    """``total`` as ``parts`` near-equal positive sizes (larger first)."""
    parts = max(1, min(parts, total))
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def file_sizes(total: int, per_file: int) -> list[int]:
    return split(total, math.ceil(total / per_file))


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


INI = "[pytest]\n{extra}"


def make_beats_tree(root: Path, total: int, per_file: int) -> None:
    write(root / "pytest.ini", INI.format(extra="symphony_handlers = handlers\n"))
    write(root / "handlers.py", "from pytest_symphony import handler\n\n\n@handler\ndef noop():\n    pass\n")
    for f, size in enumerate(file_sizes(total, per_file), 1):
        lines = [f"id: seq-{f:03d}", f"name: Sequence {f}", "movements:"]
        for m, beats in enumerate(split(size, MOVEMENTS), 1):
            lines += [f"  - name: Movement {m}", "    beats:"]
            for b in range(1, beats + 1):
                lines += [f"      - name: Beat {b}", "        handler: noop"]
        write(root / "sequences" / f"seq-{f:03d}.yaml", "\n".join(lines) + "\n")


def make_plain_tree(root: Path, total: int, per_file: int) -> None:
    write(root / "pytest.ini", INI.format(extra=""))
    for f, size in enumerate(file_sizes(total, per_file), 1):
        body = "".join(f"def test_{t:03d}():\n    pass\n\n\n" for t in range(1, size + 1))
        write(root / "tests" / f"test_mod_{f:03d}.py", body.rstrip() + "\n")


def make_bdd_tree(root: Path, total: int, per_file: int) -> None:
    write(root / "pytest.ini", INI.format(extra=""))
    write(root / "conftest.py", 'from pytest_bdd import given\n\n\n@given("a no-op step")\ndef _():\n    pass\n')
    for f, size in enumerate(file_sizes(total, per_file), 1):
        lines = [f"Feature: Feature {f}", ""]
        for s in range(1, size + 1):
            lines += [f"  Scenario: Scenario {s}", "    Given a no-op step", ""]
        # not "features/": pytest-symphony collects .feature files under ini symphony_features
        # (default "features") itself; this tree measures pytest-bdd's own scenarios() route
        write(root / "feature_files" / f"feature_{f:03d}.feature", "\n".join(lines))
        write(root / "tests" / f"test_feature_{f:03d}.py",
              f'from pytest_bdd import scenarios\n\nscenarios("../feature_files/feature_{f:03d}.feature")\n')


# --------------------------------------------------------------------------- running


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child (and its own children, none here)
    rss_kb: int  # peak resident set of the child, KiB (None-like 0 when unknown)
    count: int | None  # tests passed / collected, parsed from pytest's summary line
    status: int


@dataclass
class Case:
    key: str
    label: str
    tree: Path
    args: list[str]
    expected: int
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


_COUNT = re.compile(r"(\d+) (?:passed|tests? collected)")


def run_once(python: str, case: Case, env: dict[str, str], log: Path, prefix: list[str] | None = None) -> Sample:
    """One ``python -m pytest`` in ``case.tree``; wall time and rusage of that child alone."""
    shutil.rmtree(case.tree / ".symphony", ignore_errors=True)  # telemetry starts empty each time
    cmd = [python, *(prefix or []), "-m", "pytest", *PYTEST_ARGS, *case.args]
    with open(log, "w", encoding="utf-8") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=case.tree, env=env, stdout=out, stderr=subprocess.STDOUT)
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss  # bytes on macOS
            cpu = usage.ru_utime + usage.ru_stime
        else:  # Windows: no per-child rusage
            proc.wait()
            wall = time.perf_counter() - start
            rss, cpu = 0, float("nan")
    text = log.read_text(encoding="utf-8", errors="replace")
    tail = text[-2000:]
    counts = _COUNT.findall(tail)
    return Sample(wall, cpu, rss, int(counts[-1]) if counts else None, proc.returncode)


def check(case: Case, sample: Sample, log: Path) -> str | None:
    if sample.count == case.expected and sample.status == 0:
        return None
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
    return (f"{case.label}: expected {case.expected} tests, got {sample.count} (exit status {sample.status}); "
            f"last lines of {log}:\n    " + "\n    ".join(tail))


# --------------------------------------------------------------------------- report


def fmt_ratio(value: float, goal: float | None, *, strict: bool = False) -> str:
    if goal is None:
        return f"{value:6.2f}x"
    ok = value < goal if strict else value <= goal
    sign = "<" if strict else "<="
    return f"{value:6.2f}x   goal {sign} {goal:.2f}x   {'PASS' if ok else 'MISS'}"


def print_table(cases: list[Case]) -> None:
    print()
    head = f"{'measurement':<34} {'tests':>7} {'wall s (median)':>16} {'min..max':>15} {'cpu s':>7} {'peak RSS MiB':>13}"
    print(head)
    print("-" * len(head))
    for c in cases:
        walls = [s.wall for s in c.samples]
        print(f"{c.label:<34} {c.expected:>7} {c.median('wall'):>16.3f} "
              f"{min(walls):>7.3f}..{max(walls):<7.3f} {c.median('cpu'):>7.2f} "
              f"{c.median('rss_kb') / 1024:>13.1f}")


def print_ratios(by_key: dict[str, Case]) -> None:
    print()
    rows = []
    if {"beats", "plain"} <= by_key.keys():
        rows.append(("run    beats / plain", by_key["beats"], by_key["plain"], RUN_GOAL_VS_PLAIN, False))
    if {"beats", "bdd"} <= by_key.keys():
        rows.append(("run    beats / bdd", by_key["beats"], by_key["bdd"], RUN_GOAL_VS_BDD, True))
    if {"collect-beats", "collect-plain"} <= by_key.keys():
        rows.append(("collect beats / plain", by_key["collect-beats"], by_key["collect-plain"],
                     COLLECT_GOAL_VS_PLAIN, False))
    for name, a, b, goal, strict in rows:
        print(f"{name:<22} wall {fmt_ratio(a.median('wall') / b.median('wall'), goal, strict=strict)}")
        if len(a.samples) > 1:  # runs of one round are back to back: drift cancels out
            paired = statistics.median(x.wall / y.wall for x, y in zip(a.samples, b.samples))
            print(f"{'':<22} pair {fmt_ratio(paired, goal, strict=strict)}   (median of per-round ratios)")
        print(f"{'':<22} cpu  {fmt_ratio(a.median('cpu') / b.median('cpu'), None)}")
        if a.median("rss_kb") and b.median("rss_kb"):
            print(f"{'':<22} mem  {fmt_ratio(a.median('rss_kb') / b.median('rss_kb'), None)}"
                  f"   ({(a.median('rss_kb') - b.median('rss_kb')) / 1024:+.1f} MiB)")


# --------------------------------------------------------------------------- profile


def profile(python: str, cases: list[Case], env: dict[str, str], out_dir: Path, top: int) -> None:
    """cProfile one run of each case; print top functions, plugin functions marked ``>>``."""
    import pstats

    out_dir.mkdir(parents=True, exist_ok=True)
    for case in cases:
        prof = out_dir / f"{case.key}.prof"
        prof.unlink(missing_ok=True)
        log = out_dir / f"{case.key}.log"
        sample = run_once(python, case, env, log, prefix=["-m", "cProfile", "-o", str(prof)])
        problem = check(case, sample, log)
        if problem:
            print(f"\nprofile run failed: {problem}")
            continue
        print(f"\n=== profile: {case.label} ({sample.wall:.2f}s under cProfile) -> {prof}")
        for sort, restrict in (("cumulative", top), ("tottime", top), ("cumulative", "pytest_symphony"),
                               ("tottime", "pytest_symphony")):
            stream = io.StringIO()
            stats = pstats.Stats(str(prof), stream=stream)
            stats.sort_stats(sort)
            if restrict == "pytest_symphony":
                stats.print_stats("pytest_symphony", top)
                title = f"plugin functions only, by {sort}"
            else:
                stats.print_stats(restrict)
                title = f"top {top} by {sort}"
            print(f"\n--- {title}")
            print(_highlight(stream.getvalue()))
    beats, plain = out_dir / "beats.prof", out_dir / "plain.prof"
    if beats.exists() and plain.exists():
        print_diff(beats, plain, top)


def print_diff(beats_prof: Path, plain_prof: Path, top: int) -> None:
    """Functions the beats run spends more time in than the plain run (same pytest, same plugins)."""
    import pstats

    def table(path: Path) -> dict:
        merged: dict = {}
        for (file, line, func), (_cc, nc, tt, ct, _callers) in pstats.Stats(str(path)).stats.items():
            key = (file, line, re.sub(r" at 0x[0-9a-f]+", "", func))  # builtins carry an address
            old = merged.get(key, (0, 0.0, 0.0))
            merged[key] = (old[0] + nc, old[1] + tt, old[2] + ct)
        return merged

    beats, plain = table(beats_prof), table(plain_prof)
    total_b = sum(v[1] for v in beats.values())
    total_p = sum(v[1] for v in plain.values())
    print("\n=== where the beats run spends time beyond plain pytest (both under cProfile)")
    print(f"total profiled time: beats {total_b:.2f}s, plain {total_p:.2f}s, extra {total_b - total_p:+.2f}s")
    plugin = sum(v[1] for k, v in beats.items() if "pytest_symphony" in k[0])
    print(f"own time (tottime) inside pytest_symphony functions: {plugin:.2f}s")
    areas: dict[str, float] = {}
    for key in beats.keys() | plain.keys():
        extra = beats.get(key, (0, 0.0, 0.0))[1] - plain.get(key, (0, 0.0, 0.0))[1]
        area = _area(key[0], key[2])
        areas[area] = areas.get(area, 0.0) + extra
    print("\n--- extra own time by area (beats - plain)")
    for area, extra in sorted(areas.items(), key=lambda kv: kv[1], reverse=True):
        if abs(extra) >= 0.01:
            print(f"{'>> ' if area == 'pytest_symphony' else '   '}{extra:+8.3f}s  {area}")
    for col, name in ((1, "tottime"), (2, "cumulative")):
        rows = []
        for key in beats.keys() | plain.keys():
            b = beats.get(key, (0, 0.0, 0.0))
            p = plain.get(key, (0, 0.0, 0.0))
            if col == 2 and b[2] >= 0.75 * total_b:
                continue  # the call chain common to the whole run (main, session, pluggy): says nothing
            rows.append((b[col] - p[col], b[0] - p[0], b[col], p[col], key))
        rows.sort(key=lambda r: r[0], reverse=True)
        skipped = " (callers common to the whole run left out)" if col == 2 else ""
        print(f"\n--- top {top} by extra {name} (beats - plain){skipped}")
        print(f"   {'extra s':>8} {'beats s':>8} {'plain s':>8} {'extra calls':>11}  function")
        for extra, calls, b, p, (file, line, func) in rows[:top]:
            mark = ">> " if "pytest_symphony" in file else "   "
            print(f"{mark}{extra:8.3f} {b:8.3f} {p:8.3f} {calls:11d}  {_short(file)}:{line}({func})")


def _area(file: str, func: str) -> str:
    if "pytest_symphony" in file:
        return "pytest_symphony"
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0].lstrip("_")
    if file == "~":
        name = re.sub(r"<(built-in method|method) |>", "", func).strip()
        return f"builtin {name}"
    if "/lib/python" in file:
        return "stdlib " + file.split("/lib/python", 1)[1].split("/", 1)[-1].split("/")[0].removesuffix(".py")
    return file


def _short(file: str) -> str:
    for anchor in ("site-packages/", "/pytest_symphony/", "/lib/python"):
        i = file.find(anchor)
        if i >= 0:
            return ("pytest_symphony/" + file[i + len(anchor):]) if anchor == "/pytest_symphony/" else file[i + len(anchor):]
    return file


def _highlight(text: str) -> str:
    lines = text.splitlines()
    try:  # drop pstats' preamble up to the column header
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    except StopIteration:
        start = 0
    out = []
    for line in lines[start:]:
        if not line.strip():
            continue
        mark = ">> " if "pytest_symphony" in line else "   "
        out.append(mark + line)
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def versions(python: str, env: dict[str, str]) -> str:
    code = ("import importlib.metadata as m, platform\n"
            "names = ['pytest', 'pytest-symphony', 'pytest-bdd', 'pytest-xdist', 'pluggy']\n"
            "found = []\n"
            "for n in names:\n"
            "    try: found.append(f'{n} {m.version(n)}')\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(f'Python {platform.python_version()}; ' + ', '.join(found))\n")
    done = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True)
    return (done.stdout or done.stderr).strip()


def _load(flag: bool = True) -> str:
    """The 1-minute load average: above ~0.5 other work competes with the runs and wall times get noisy."""
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    load = os.getloadavg()[0]
    busy = "  (busy machine: read the cpu column and ratios, and repeat)" if flag and load > 0.5 else ""
    return f"load average {load:.2f}{busy}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--beats", type=int, default=5000,
                        help="beats, plain tests and bdd scenarios per run (default 5000)")
    parser.add_argument("--collect", type=int, default=None,
                        help="beats and plain tests for --collect-only (default 4 x --beats; 0 skips)")
    parser.add_argument("--per-file", type=int, default=PER_FILE,
                        help=f"tests per spec / module / feature file (default {PER_FILE})")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement, median taken (default 3)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed runs per measurement first, to write .pyc files (default 1)")
    parser.add_argument("--no-bdd", action="store_true", help="skip the pytest-bdd comparison")
    parser.add_argument("--profile", metavar="DIR", type=Path, default=None,
                        help="after timing, cProfile one beats and one plain run into DIR and print pstats")
    parser.add_argument("--top", type=int, default=25, help="rows per pstats listing (default 25)")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run pytest with (default: this one)")
    parser.add_argument("--keep", action="store_true", help="keep the generated trees (path printed)")
    args = parser.parse_args(argv)
    if args.beats < 1 or args.per_file < 1 or args.repeat < 1 or args.warmup < 0:
        parser.error("--beats, --per-file and --repeat must be at least 1, --warmup at least 0")
    collect_n = 4 * args.beats if args.collect is None else args.collect

    env = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
    env["PY_COLORS"] = "0"
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    base = Path(tempfile.mkdtemp(prefix="symphony-bench-"))
    logs = base / "logs"
    logs.mkdir()
    print(versions(args.python, env))
    print(f"{os.cpu_count()} CPUs; {_load()}")
    print(f"trees in {base}; {args.repeat} timed run(s) + {args.warmup} warm-up per measurement; "
          f"pytest {' '.join(PYTEST_ARGS)}")

    cases = [
        Case("plain", "run   plain pytest tests", base / "plain", [], args.beats),
        Case("beats", "run   symphony beats", base / "beats", [], args.beats),
    ]
    if not args.no_bdd:
        cases.append(Case("bdd", "run   pytest-bdd scenarios", base / "bdd", [], args.beats))
    if collect_n:
        cases += [
            Case("collect-plain", "collect-only plain pytest tests", base / "collect-plain", ["--collect-only"],
                 collect_n),
            Case("collect-beats", "collect-only symphony beats", base / "collect-beats", ["--collect-only"],
                 collect_n),
        ]
    makers = {"plain": make_plain_tree, "beats": make_beats_tree, "bdd": make_bdd_tree,
              "collect-plain": make_plain_tree, "collect-beats": make_beats_tree}
    status = 0
    try:
        t0 = time.perf_counter()
        for case in cases:
            makers[case.key](case.tree, case.expected, args.per_file)
        print(f"generated {len(cases)} trees in {time.perf_counter() - t0:.1f}s")

        # interleave the cases so drift (thermal, other load) spreads over all of them
        for rnd in range(args.warmup + args.repeat):
            timed = rnd >= args.warmup
            for case in cases:
                log = logs / f"{case.key}-{rnd}.log"
                sample = run_once(args.python, case, env, log)
                problem = check(case, sample, log)
                if problem:
                    print(f"\nERROR {problem}", file=sys.stderr)
                    status = 2
                    return status
                if timed:
                    case.samples.append(sample)
                print(f"  {'round' if timed else 'warm-up'} {rnd + 1 - (args.warmup if timed else 0)}: "
                      f"{case.label:<34} {sample.wall:7.3f}s wall {sample.cpu:7.3f}s cpu "
                      f"{sample.rss_kb / 1024:7.1f} MiB", flush=True)

        print(f"{_load(flag=False)} at the end (this benchmark's own runs count for about 1)")
        print_table(cases)
        print_ratios({c.key: c for c in cases})
        print(f"\ngoals: run beats <= {RUN_GOAL_VS_PLAIN}x plain pytest; beats faster than pytest-bdd; "
              f"collect-only beats <= {COLLECT_GOAL_VS_PLAIN}x plain pytest")

        if args.profile:
            profile(args.python, [c for c in cases if c.key in ("beats", "plain")], env,
                    args.profile.resolve(), args.top)
    finally:
        if args.keep or status:
            print(f"\ntrees and logs kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
