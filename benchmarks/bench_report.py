#!/usr/bin/env python
"""Benchmark: the three report formats from a large history, beside pytest-html's own report.

For each size in ``--runs`` (default 1,000 and 10,000) writes a throw-away run history of
that many runs of ``--beats`` beats each (default 100: 4 sequences x 5 movements x 5 beats),
each attempt with one event and one metric, five conformity scores per run and a few
violations (the first 200 runs written through the store, the rest copied in SQL), then times:

* ``build``: every analysis stage over the history (what all formats share);
* ``md``, ``json``, ``html``: build + render + write of that one format, each on its own;
* ``all three``: build once, render and write the three (what ``--symphony-report=md,json,html``
  does at the end of a run), and its peak memory in a forked child; the goals: under 1 s from
  1,000 runs, under 5 s and 500 MiB from 10,000;
* ``render only``: each format's renderer alone, warm (the dashboard's Jinja templates loaded
  once per process), and the dashboard's first render in a new interpreter (imports, template
  compilation, render);
* ``schema check``: validating the JSON report against its schema (the report pipeline
  does it before delivering; for information).

Beside them, pytest-html's own report for a 1,000-test run: ``pytest`` with and without
``--html`` (and ``--self-contained-html``) on 1,000 trivial tests, in subprocesses: the
difference in wall and CPU time (``os.wait4``: that child only) is what pytest-html costs
in all, and the session finish (timed by a conftest hook) is where it writes its report.

Every report analyses the newest 1,000 runs, as ``symphony_report_runs`` does by default;
from a larger history, all three formats over every run (``symphony_report_runs = 0``) are
timed once more, against the same goals.  The size column of "all three" is the peak memory.
Each measurement is repeated ``--repeat`` times; the table shows the median and the range,
wall time and CPU time.  It measures; it does not test: it exits 0 whatever the figures.

Histories are cached (``--cache``, default ``$TMPDIR/symphony-bench-report``), keyed by size,
seed, the generator's version and the history schema version: the 10,000-run history takes a
minute or two to write once, then nothing.  ``--no-cache`` writes fresh ones.

    python benchmarks/bench_report.py                 # both sizes (a few minutes the first time)
    python benchmarks/bench_report.py --runs 100      # a quick look
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

from report_history import cached_history  # benchmarks/, beside this script

_SCRUB_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_XDIST_AUTO_NUM_WORKERS", "PYTEST_DEBUG")


def timed(func, repeat: int) -> dict:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"wall": statistics.median(walls), "min": min(walls), "max": max(walls), "cpu": statistics.median(cpus)}


#: ``symphony_report_runs``'s default: reports analyse the newest 1,000 runs.
WINDOW = 1000


def _all_three(history: Path, out: Path, window: int = WINDOW) -> None:
    from pytest_symphony.report.delivery import write_format
    from pytest_symphony.report.model import ReportContext, build_report

    work = build_report(ReportContext(history_path=history, rootdir=out, max_runs=window or None))
    for fmt in ("md", "json", "html"):
        write_format(work, fmt, out)


def bench_formats(history: Path, out: Path, repeat: int) -> dict[str, dict]:
    from pytest_symphony.report.delivery import render, renderers, write_format
    from pytest_symphony.report.json_report import validate_report
    from pytest_symphony.report.model import ReportContext, build_report

    context = ReportContext(history_path=history, rootdir=out, max_runs=WINDOW)

    def build():
        return build_report(context)

    def one(fmt):
        return lambda: write_format(build(), fmt, out)

    def all_three():
        _all_three(history, out)

    work = build()  # warm: imports, SQLite page cache
    sizes = {fmt: len(render(work, fmt).encode()) for fmt in ("md", "json", "html")}
    results = {"build (analysis only)": timed(build, repeat)}
    for fmt in ("md", "json", "html"):
        results[f"{fmt} (build + render + write)"] = timed(one(fmt), repeat)
        results[f"{fmt} (build + render + write)"]["size"] = sizes[fmt]
    results["all three formats"] = timed(all_three, repeat)
    for fmt in ("md", "json", "html"):
        results[f"{fmt} render only (same process, templates loaded)"] = timed(
            lambda fmt=fmt: renderers()[fmt](work.report), max(repeat, 5)
        )
    results["html first render in a new process"] = first_render(work.report, out, repeat)
    results["schema check of the JSON"] = timed(lambda: validate_report(work.report), repeat)
    return results


FIRST_RENDER = """
import json, sys, time
report = json.load(open(sys.argv[1], encoding="utf-8"))
start = time.perf_counter()
from pytest_symphony.report.dashboard import render_dashboard
render_dashboard(report)
print(time.perf_counter() - start)
"""


def first_render(report: dict, out: Path, repeat: int) -> dict:
    """The dashboard's first render in a fresh interpreter: imports, template compilation and
    rendering, as the end of a pytest run pays it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "first-render.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    walls = []
    for _ in range(repeat + 1):  # the first one warms the OS file cache
        proc = subprocess.run([sys.executable, "-c", FIRST_RENDER, str(path)], capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(f"first render failed:\n{proc.stderr[-3000:]}")
        walls.append(float(proc.stdout.strip()))
    walls = walls[1:]
    return {"wall": statistics.median(walls), "min": min(walls), "max": max(walls), "cpu": None}


TIMING_CONFTEST = """
import json, time
import pytest

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        with open("sessionfinish.json", "w") as out:
            json.dump(time.perf_counter() - start, out)
"""


def bench_pytest_html(root: Path, tests: int, repeat: int, python: str) -> dict[str, dict]:
    """pytest on ``tests`` trivial tests with and without pytest-html's report.

    ``wall``/``cpu`` are the whole pytest process (CPU from ``os.wait4``: this child only);
    ``end`` is pytest's session finish, where pytest-html renders and writes its report.
    """
    project = root / "html-project"
    (project / "tests").mkdir(parents=True)
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (project / "conftest.py").write_text(TIMING_CONFTEST, encoding="utf-8")
    per_file = 100
    for f in range(max(1, tests // per_file)):
        body = "".join(f"def test_{i}():\n    assert {i} == {i}\n\n" for i in range(per_file))
        (project / "tests" / f"test_m{f:03d}.py").write_text(body, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
    base = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "tests"]
    variants = {
        "pytest, no report": [],
        "pytest --html": ["--html=r/report.html"],
        "pytest --html --self-contained-html": ["--html=r/self.html", "--self-contained-html"],
    }

    def run(extra) -> tuple[float, float | None, float]:
        start = time.perf_counter()
        proc = subprocess.Popen(base + extra, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = proc.stdout.read().decode(errors="replace")
        cpu = None
        if hasattr(os, "wait4"):
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
        else:  # pragma: no cover - Windows
            proc.wait()
        wall = time.perf_counter() - start
        if f"{tests} passed" not in out:
            raise SystemExit(f"pytest-html run failed:\n{out[-3000:]}")
        end = json.loads((project / "sessionfinish.json").read_text())
        return wall, cpu, end

    run([])  # warm .pyc
    results = {}
    for name, extra in variants.items():
        samples = [run(extra) for _ in range(repeat)]
        walls = [w for w, _c, _e in samples]
        cpus = [c for _w, c, _e in samples if c is not None]
        results[name] = {
            "wall": statistics.median(walls),
            "min": min(walls),
            "max": max(walls),
            "cpu": statistics.median(cpus) if cpus else None,
            "end": statistics.median(e for _w, _c, e in samples),
        }
    plain = results["pytest, no report"]
    for name in list(variants)[1:]:
        r = results[name]
        results[f"  {name}: the report's share"] = {
            "wall": r["wall"] - plain["wall"],
            "min": None,
            "max": None,
            "cpu": None if r["cpu"] is None or plain["cpu"] is None else r["cpu"] - plain["cpu"],
        }
        results[f"  {name}: writing it at session end"] = {"wall": r["end"], "min": None, "max": None, "cpu": None}
    return results


def show(title: str, results: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"  {'measurement':58} {'wall (median)':>14} {'range':>13} {'cpu':>7} {'size':>9}")
    for name, r in results.items():
        rng = f"{r['min']:.3f}..{r['max']:.3f}" if r.get("min") is not None else ""
        cpu = f"{r['cpu']:.3f}" if r.get("cpu") is not None else ""
        size = f"{r['size'] / 1024:.0f} KiB" if r.get("size") else (f"{r['mib']:.0f} MiB" if r.get("mib") else "")
        print(f"  {name:58} {r['wall']:>12.3f} s {rng:>13} {cpu:>7} {size:>9}")


#: Goals of issue 16 per history size (runs of 100 beats), for all three formats: seconds, peak MiB.
#: From 10,000 runs they hold for the default window and for every run (symphony_report_runs = 0).
GOALS = {1000: (1.0, None), 10000: (5.0, 500)}


def verdicts(rows: list[tuple[str, int, dict]]) -> None:
    """Each measured case against its goal: anchor (the goal), figure, ratio, verdict."""
    print("\nall three formats against the goals (ratio = figure / goal; CPU beside wall: the machine is shared)")
    print(f"  {'case':52} {'goal':>8} {'wall':>8} {'cpu':>8} {'ratio':>6} {'':5} {'goal':>9} {'peak':>9} {'ratio':>6}")
    for case, runs, r in rows:
        seconds, mib = GOALS.get(runs, (None, None))
        line = f"  {case:52} "
        if seconds:
            ratio = r["wall"] / seconds
            line += f"{seconds:>6.1f} s {r['wall']:>6.3f} s {r['cpu']:>6.3f} s {ratio:>6.2f} {'PASS' if ratio < 1 else 'MISS':5}"
        else:
            line += f"{'':>8} {r['wall']:>6.3f} s {r['cpu']:>6.3f} s {'':>6} {'':5}"
        if r.get("mib"):
            line += f" {str(mib) + ' MiB' if mib else '':>9} {r['mib']:>5.0f} MiB"
            if mib:
                ratio = r["mib"] / mib
                line += f" {ratio:>6.2f} {'PASS' if ratio < 1 else 'MISS'}"
        print(line)


def peak_mib(func) -> float | None:
    """Peak RSS of a forked child that runs ``func`` (the child starts as a copy of this process,
    so its peak includes the benchmark's own memory: an upper bound)."""
    if not hasattr(os, "fork") or not hasattr(os, "wait4"):
        return None
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            func()
        finally:
            os._exit(0)
    _pid, _status, usage = os.wait4(pid, 0)
    return usage.ru_maxrss / 1024 / (1024 if sys.platform == "darwin" else 1)


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs",
        type=_sizes,
        default=[1000, 10000],
        metavar="N,N",
        help="runs in the history, one history per size (default 1000,10000)",
    )
    parser.add_argument("--beats", type=int, default=100, help="beats per run (default 100)")
    parser.add_argument("--tests", type=int, default=1000, help="tests in the pytest-html run (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions per measurement (median shown)")
    parser.add_argument("--no-pytest-html", action="store_true", help="skip the pytest-html comparison")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the pytest-html runs")
    parser.add_argument("--keep", action="store_true", help="keep the reports and project (path printed)")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "symphony-bench-report",
        help="folder of the histories written once and reused (default: $TMPDIR/symphony-bench-report)",
    )
    parser.add_argument("--no-cache", action="store_true", help="write fresh histories (in a throw-away folder)")
    args = parser.parse_args(argv)
    if not args.runs or min(args.runs) < 1 or args.beats < 1 or args.repeat < 1:
        parser.error("--runs, --beats and --repeat must be at least 1")
    root = Path(tempfile.mkdtemp(prefix="bench-report-"))
    cache = root / "histories" if args.no_cache else args.cache
    rows: list[tuple[str, int, dict]] = []
    try:
        for runs in args.runs:
            history, took = cached_history(cache, runs, args.beats)
            how = f"written in {took:.1f} s" if took is not None else f"cached in {history.parent.parent}"
            print(
                f"\nhistory: {runs:,} runs x {args.beats} beats = {runs * args.beats:,} attempts, "
                f"{history.stat().st_size / 2**20:.1f} MiB, {how}"
            )
            results = bench_formats(history, root / f"reports{runs}", args.repeat)
            results["all three formats"]["mib"] = peak_mib(lambda: _all_three(history, root / f"reports{runs}"))
            rows.append((f"{runs:,} runs, newest {min(runs, WINDOW):,} analysed", runs, results["all three formats"]))
            if runs > WINDOW:  # the whole history (symphony_report_runs = 0)
                whole = timed(lambda: _all_three(history, root / f"reports{runs}", 0), 1)
                whole["mib"] = peak_mib(lambda: _all_three(history, root / f"reports{runs}", 0))
                results["all three formats, every run (symphony_report_runs = 0)"] = whole
                rows.append((f"{runs:,} runs, every run (symphony_report_runs = 0)", runs, whole))
            show(
                f"report formats from {runs:,} runs, the newest {min(runs, WINDOW):,} analysed "
                f"({args.repeat} run(s) each)",
                results,
            )
        verdicts(rows)
        if not args.no_pytest_html:
            html = bench_pytest_html(root, args.tests, args.repeat, args.python)
            show(f"pytest-html's own report for a {args.tests}-test run (whole pytest process)", html)
        if args.keep:
            print(f"\nkept: {root}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
