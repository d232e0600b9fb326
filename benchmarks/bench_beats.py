#!/usr/bin/env python
"""Benchmark: pytest-symphony no-op beats against plain pytest with the plugin disabled.

Generates throw-away projects in a temporary directory and runs each in its own
``python -m pytest`` subprocess, side by side and interleaved, with the same interpreter:

* ``anchor`` - N plain test functions run with ``-p no:symphony`` (the plugin disabled): the floor
* ``plain``  - the same tests with the plugin loaded (installed, inactive: no symphony config)
* ``beats``  - N no-op beats: N/100 YAML specs of 4 movements x 25 beats, one ``noop`` handler
* ``bdd``    - N one-step pytest-bdd scenarios through pytest-bdd's own ``scenarios()``

plus ``--collect-only -q`` of 4N beats against 4N plain tests with the plugin disabled.

For every run it reports wall time, CPU time and the peak RSS of that one child (from
``os.wait4``; under xdist it includes the workers the child waited for), repeats each
measurement ``--repeat`` times (median), and prints the ratios with the goals of issue 16:

* beats at most 1.1x the anchor (run and collect), peak memory at most 1.25x
* beats faster than pytest-bdd
* ``--scale 1000,10000,100000``: cost per beat at every step within 1.2x of the first (linear)
* ``--xdist``: 2,000 beats in 40 files under ``-n 2`` at most 0.65x the serial wall time, every
  attempt recorded once, CPU at most 1.1x the anchor's under ``-n 2``

It is a measurement, not a test: it exits 0 whatever the figures (2 only when a run does not
produce the expected number of tests, or on bad arguments).  Stdlib only.

    python benchmarks/bench_beats.py                 # 5,000 run, 20,000 collect
    python benchmarks/bench_beats.py --beats 500     # a quick look
    python benchmarks/bench_beats.py --scale 1000,10000,100000 --repeat 1
    python benchmarks/bench_beats.py --xdist         # 2,000 beats, serial against -n 2
    python benchmarks/bench_beats.py --xdist --work-ms 5   # each beat and test busy 5 ms
    python benchmarks/bench_beats.py --profile prof  # also cProfile the beats and anchor runs
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

RUN_GOAL = 1.1  # beats / anchor, wall
COLLECT_GOAL = 1.1
MEMORY_GOAL = 1.25  # peak RSS, beats / anchor
RUN_GOAL_VS_BDD = 1.0
LINEAR_GOAL = 1.2  # cost per beat at any step / at the first step
XDIST_WALL_GOAL = 0.65  # -n 2 / serial
XDIST_CPU_GOAL = 1.1  # beats -n 2 / anchor -n 2, cpu
XDIST_FILES = 40
DISABLED = ["-p", "no:symphony"]

PER_FILE = 100
MOVEMENTS = 4

PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
# variables that would make one run differ from another (or from a clean shell)
_SCRUB_ENV = (
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_XDIST_AUTO_NUM_WORKERS",
    "PYTEST_DEBUG",
    "PYTEST_CURRENT_TEST",
    "PYTHONPROFILEIMPORTTIME",
    "PYTHONTRACEMALLOC",
)

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


def busy(work_ms: float) -> str:
    """The body of a beat or test that keeps the CPU busy ``work_ms`` ms (``pass`` for none)."""
    if not work_ms:
        return "    pass\n"
    return f"    end = time.perf_counter() + {work_ms / 1000!r}\n    while time.perf_counter() < end:\n        pass\n"


def make_beats_tree(root: Path, total: int, per_file: int, work_ms: float = 0) -> None:
    write(root / "pytest.ini", INI.format(extra="symphony_handlers = handlers\n"))
    head = "import time\n\n" if work_ms else ""
    write(
        root / "handlers.py", f"{head}from pytest_symphony import handler\n\n\n@handler\ndef noop():\n{busy(work_ms)}"
    )
    for f, size in enumerate(file_sizes(total, per_file), 1):
        lines = [f"id: seq-{f:03d}", f"name: Sequence {f}", "movements:"]
        for m, beats in enumerate(split(size, MOVEMENTS), 1):
            lines += [f"  - name: Movement {m}", "    beats:"]
            for b in range(1, beats + 1):
                lines += [f"      - name: Beat {b}", "        handler: noop"]
        write(root / "sequences" / f"seq-{f:03d}.yaml", "\n".join(lines) + "\n")


def make_plain_tree(root: Path, total: int, per_file: int, work_ms: float = 0) -> None:
    write(root / "pytest.ini", INI.format(extra=""))
    head = "import time\n\n\n" if work_ms else ""
    for f, size in enumerate(file_sizes(total, per_file), 1):
        body = head + "".join(f"def test_{t:03d}():\n{busy(work_ms)}\n\n" for t in range(1, size + 1))
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
        write(
            root / "tests" / f"test_feature_{f:03d}.py",
            f'from pytest_bdd import scenarios\n\nscenarios("../feature_files/feature_{f:03d}.feature")\n',
        )


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
    return (
        f"{case.label}: expected {case.expected} tests, got {sample.count} (exit status {sample.status}); "
        f"last lines of {log}:\n    " + "\n    ".join(tail)
    )


# --------------------------------------------------------------------------- report


def fmt_ratio(value: float, goal: float | None, *, strict: bool = False) -> str:
    if goal is None:
        return f"{value:6.2f}x"
    ok = value < goal if strict else value <= goal
    sign = "<" if strict else "<="
    return f"{value:6.2f}x   goal {sign} {goal:.2f}x   {'PASS' if ok else 'MISS'}"


def print_table(cases: list[Case]) -> None:
    print()
    head = (
        f"{'measurement':<34} {'tests':>7} {'wall s (median)':>16} {'min..max':>15} {'cpu s':>7} {'peak RSS MiB':>13}"
    )
    print(head)
    print("-" * len(head))
    for c in cases:
        walls = [s.wall for s in c.samples]
        print(
            f"{c.label:<34} {c.expected:>7} {c.median('wall'):>16.3f} "
            f"{min(walls):>7.3f}..{max(walls):<7.3f} {c.median('cpu'):>7.2f} "
            f"{c.median('rss_kb') / 1024:>13.1f}"
        )


def _ratio_rows(by_key: dict[str, Case]) -> list[tuple[str, Case, Case, float | None, bool]]:
    rows = []
    pairs = (
        ("run    beats / anchor", "beats", "anchor", RUN_GOAL, False),
        ("run    plain loaded / anchor", "plain", "anchor", None, False),
        ("run    beats / plain loaded", "beats", "plain", None, False),
        ("run    beats / bdd", "beats", "bdd", RUN_GOAL_VS_BDD, True),
        ("collect beats / anchor", "collect-beats", "collect-anchor", COLLECT_GOAL, False),
    )
    for name, a, b, goal, strict in pairs:
        if {a, b} <= by_key.keys():
            rows.append((name, by_key[a], by_key[b], goal, strict))
    return rows


def print_ratios(by_key: dict[str, Case]) -> None:
    print()
    for name, a, b, goal, strict in _ratio_rows(by_key):
        print(f"{name:<29} wall {fmt_ratio(a.median('wall') / b.median('wall'), goal, strict=strict)}")
        if len(a.samples) > 1:  # runs of one round are back to back: drift cancels out
            paired = statistics.median(x.wall / y.wall for x, y in zip(a.samples, b.samples))
            print(f"{'':<29} pair {fmt_ratio(paired, goal, strict=strict)}   (median of per-round ratios)")
        print(f"{'':<29} cpu  {fmt_ratio(a.median('cpu') / b.median('cpu'), None)}")
        if a.median("rss_kb") and b.median("rss_kb"):
            mem_goal = MEMORY_GOAL if goal is not None and not strict else None
            print(
                f"{'':<29} mem  {fmt_ratio(a.median('rss_kb') / b.median('rss_kb'), mem_goal)}"
                f"   ({(a.median('rss_kb') - b.median('rss_kb')) / 1024:+.1f} MiB)"
            )


def measure(python: str, cases: list[Case], env: dict[str, str], logs: Path, warmup: int, repeat: int) -> bool:
    """Run every case ``warmup + repeat`` times, interleaved so drift spreads over all of them."""
    for rnd in range(warmup + repeat):
        timed = rnd >= warmup
        for case in cases:
            log = logs / f"{case.key}-{rnd}.log"
            sample = run_once(python, case, env, log)
            problem = check(case, sample, log)
            if problem:
                print(f"\nERROR {problem}", file=sys.stderr)
                return False
            if timed:
                case.samples.append(sample)
            print(
                f"  {'round' if timed else 'warm-up'} {rnd + 1 - (warmup if timed else 0)}: "
                f"{case.label:<36} {sample.wall:7.3f}s wall {sample.cpu:7.3f}s cpu "
                f"{sample.rss_kb / 1024:7.1f} MiB",
                flush=True,
            )
    return True


def compare(python: str, args: argparse.Namespace, env: dict[str, str], base: Path) -> bool:
    """Beats, the anchor, the plugin-loaded plain run and pytest-bdd at one size."""
    collect_n = 4 * args.beats if args.collect is None else args.collect
    cases = [
        Case("anchor", "run   plain tests, -p no:symphony", base / "plain", DISABLED, args.beats),
        Case("plain", "run   plain tests, plugin loaded", base / "plain", [], args.beats),
        Case("beats", "run   symphony beats", base / "beats", [], args.beats),
    ]
    if not args.no_bdd:
        cases.append(Case("bdd", "run   pytest-bdd scenarios", base / "bdd", [], args.beats))
    if collect_n:
        cases += [
            Case(
                "collect-anchor",
                "collect plain tests, -p no:symphony",
                base / "collect-plain",
                ["--collect-only", *DISABLED],
                collect_n,
            ),
            Case("collect-beats", "collect symphony beats", base / "collect-beats", ["--collect-only"], collect_n),
        ]
    makers = {
        "plain": make_plain_tree,
        "beats": make_beats_tree,
        "bdd": make_bdd_tree,
        "collect-plain": make_plain_tree,
        "collect-beats": make_beats_tree,
    }
    t0 = time.perf_counter()
    for case in cases:
        if not case.tree.exists():
            makers[case.tree.name](case.tree, case.expected, args.per_file)
    print(f"generated {len({c.tree for c in cases})} trees in {time.perf_counter() - t0:.1f}s")
    if not measure(python, cases, env, base / "logs", args.warmup, args.repeat):
        return False
    print(f"{_load(flag=False)} at the end (this benchmark's own runs count for about 1)")
    print_table(cases)
    print_ratios({c.key: c for c in cases})
    print(
        f"\ngoals: beats <= {RUN_GOAL}x the anchor (plain pytest, -p no:symphony) run and collect, "
        f"peak memory <= {MEMORY_GOAL}x; beats faster than pytest-bdd"
    )
    if args.profile:
        profile(python, [c for c in cases if c.key in ("beats", "anchor")], env, args.profile.resolve(), args.top)
    return True


def scale(python: str, args: argparse.Namespace, env: dict[str, str], base: Path) -> bool:
    """Beats and the anchor at growing sizes; the cost per beat must stay flat."""
    rows = []
    for size in args.scale:
        cases = [
            Case(f"anchor-{size}", f"run   {size} plain, -p no:symphony", base / f"plain-{size}", DISABLED, size),
            Case(f"beats-{size}", f"run   {size} beats", base / f"beats-{size}", [], size),
        ]
        make_plain_tree(cases[0].tree, size, args.per_file)
        make_beats_tree(cases[1].tree, size, args.per_file)
        if not measure(python, cases, env, base / "logs", args.warmup, args.repeat):
            return False
        rows.append((size, cases[1], cases[0]))
        shutil.rmtree(cases[0].tree, ignore_errors=True)
        shutil.rmtree(cases[1].tree, ignore_errors=True)
    print()
    head = (
        f"{'beats':>7} {'beats s':>9} {'anchor s':>9} {'ratio':>7} {'us/beat':>8} {'vs first':>9} {'marginal':>9} "
        f"{'beats MiB':>10} {'anchor MiB':>11} {'mem':>6}"
    )
    print(head)
    print("-" * len(head))
    first = None
    previous = (0, 0.0)
    for size, beats, anchor in rows:
        per_beat = beats.median("wall") / size * 1e6
        first = first or per_beat
        growth = per_beat / first
        # the cost of the beats added since the previous step: startup cancels out
        marginal = (beats.median("wall") - previous[1]) / (size - previous[0]) * 1e6 if previous[0] else per_beat
        previous = (size, beats.median("wall"))
        print(
            f"{size:>7} {beats.median('wall'):>9.2f} {anchor.median('wall'):>9.2f} "
            f"{beats.median('wall') / anchor.median('wall'):>6.2f}x {per_beat:>8.0f} {growth:>8.2f}x {marginal:>9.0f} "
            f"{beats.median('rss_kb') / 1024:>10.1f} {anchor.median('rss_kb') / 1024:>11.1f} "
            f"{beats.median('rss_kb') / max(1, anchor.median('rss_kb')):>5.2f}x"
            f"{'   MISS: superlinear' if growth > LINEAR_GOAL else ''}"
        )
    print("us/beat: wall time per beat, startup included; marginal: us per beat added since the previous step")
    print(
        f"\ngoals: cost per beat at every step <= {LINEAR_GOAL}x the first step's; ratio <= {RUN_GOAL}x; "
        f"memory <= {MEMORY_GOAL}x"
    )
    return True


def _attempts_recorded(tree: Path) -> int | None:
    import sqlite3

    path = tree / ".symphony" / "history.sqlite"
    if not path.exists():
        return None
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM attempts WHERE kind = 'beat'").fetchone()[0]


def xdist(python: str, args: argparse.Namespace, env: dict[str, str], base: Path) -> bool:
    """Beats serial against ``-n 2``, and against the anchor under ``-n 2``."""
    n = args.beats
    per_file = max(1, math.ceil(n / XDIST_FILES))
    make_beats_tree(base / "beats", n, per_file, args.work_ms)
    make_plain_tree(base / "plain", n, per_file, args.work_ms)
    cases = [
        Case("beats-serial", "run   beats, serial", base / "beats", [], n),
        Case("beats-n2", "run   beats, -n 2", base / "beats", ["-n", "2"], n),
        Case("anchor-n2", "run   plain, -n 2 -p no:symphony", base / "plain", ["-n", "2", *DISABLED], n),
        Case("anchor-serial", "run   plain, serial -p no:symphony", base / "plain", DISABLED, n),
    ]
    work = f", {args.work_ms:g} ms of CPU work each" if args.work_ms else " (no-op)"
    print(f"{n} beats in {math.ceil(n / per_file)} files{work}")
    if not measure(python, cases, env, base / "logs", args.warmup, args.repeat):
        return False
    recorded = _attempts_recorded(base / "beats")  # the last run was -n 2
    serial, parallel, anchor, anchor_serial = cases
    print_table(cases)
    print()
    print(
        f"wall   -n 2 / serial          {fmt_ratio(parallel.median('wall') / serial.median('wall'), XDIST_WALL_GOAL)}"
    )
    print(f"wall   plain -n 2 / serial    {fmt_ratio(anchor.median('wall') / anchor_serial.median('wall'), None)}")
    print(f"cpu    beats / anchor, -n 2   {fmt_ratio(parallel.median('cpu') / anchor.median('cpu'), XDIST_CPU_GOAL)}")
    print(f"wall   beats / anchor, -n 2   {fmt_ratio(parallel.median('wall') / anchor.median('wall'), RUN_GOAL)}")
    verdict = "PASS" if recorded == n else "MISS"
    print(f"attempts recorded by the -n 2 run: {recorded} of {n}   {verdict}")
    return True


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
        for sort, restrict in (
            ("cumulative", top),
            ("tottime", top),
            ("cumulative", "pytest_symphony"),
            ("tottime", "pytest_symphony"),
        ):
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
    beats, plain = out_dir / "beats.prof", out_dir / "anchor.prof"
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
            return (
                ("pytest_symphony/" + file[i + len(anchor) :])
                if anchor == "/pytest_symphony/"
                else file[i + len(anchor) :]
            )
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
    code = (
        "import importlib.metadata as m, platform\n"
        "names = ['pytest', 'pytest-symphony', 'pytest-bdd', 'pytest-xdist', 'pluggy']\n"
        "found = []\n"
        "for n in names:\n"
        "    try: found.append(f'{n} {m.version(n)}')\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(f'Python {platform.python_version()}; ' + ', '.join(found))\n"
    )
    done = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True)
    return (done.stdout or done.stderr).strip()


def _load(flag: bool = True) -> str:
    """The 1-minute load average: above ~0.5 other work competes with the runs and wall times get noisy."""
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    load = os.getloadavg()[0]
    busy = "  (busy machine: read the cpu column and ratios, and repeat)" if flag and load > 0.5 else ""
    return f"load average {load:.2f}{busy}"


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--beats",
        type=int,
        default=None,
        help="beats, plain tests and bdd scenarios per run (default 5000; 2000 with --xdist)",
    )
    parser.add_argument(
        "--collect",
        type=int,
        default=None,
        help="beats and plain tests for --collect-only (default 4 x --beats; 0 skips)",
    )
    parser.add_argument(
        "--per-file", type=int, default=PER_FILE, help=f"tests per spec / module / feature file (default {PER_FILE})"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement, median taken (default 3)")
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed runs per measurement first, to write .pyc files (default 1)"
    )
    parser.add_argument("--no-bdd", action="store_true", help="skip the pytest-bdd comparison")
    parser.add_argument(
        "--scale",
        type=_sizes,
        default=None,
        metavar="N,N,...",
        help="instead: beats against the anchor at each size (e.g. 1000,10000,100000)",
    )
    parser.add_argument(
        "--xdist", action="store_true", help="instead: beats serial against -n 2 (and the anchor under -n 2)"
    )
    parser.add_argument(
        "--work-ms",
        type=float,
        default=0,
        help="with --xdist: CPU work per beat and per plain test, in ms (default 0: no-op)",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        default=None,
        help="after timing, cProfile one beats and one anchor run into DIR and print pstats",
    )
    parser.add_argument("--top", type=int, default=25, help="rows per pstats listing (default 25)")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run pytest with (default: this one)")
    parser.add_argument("--keep", action="store_true", help="keep the generated trees (path printed)")
    args = parser.parse_args(argv)
    args.beats = args.beats or (2000 if args.xdist else 5000)
    if (
        args.beats < 1
        or args.per_file < 1
        or args.repeat < 1
        or args.warmup < 0
        or any(size < 1 for size in args.scale or [])
    ):
        parser.error("sizes, --per-file and --repeat must be at least 1, --warmup at least 0")

    env = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
    env["PY_COLORS"] = "0"
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    base = Path(tempfile.mkdtemp(prefix="symphony-bench-"))
    (base / "logs").mkdir()
    print(versions(args.python, env))
    print(f"{os.cpu_count()} CPUs; {_load()}")
    print(
        f"trees in {base}; {args.repeat} timed run(s) + {args.warmup} warm-up per measurement; "
        f"pytest {' '.join(PYTEST_ARGS)}"
    )
    ok = False
    try:
        if args.scale:
            ok = scale(args.python, args, env, base)
        elif args.xdist:
            ok = xdist(args.python, args, env, base)
        else:
            ok = compare(args.python, args, env, base)
    finally:
        if args.keep or not ok:
            print(f"\ntrees and logs kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
