#!/usr/bin/env python
"""Benchmark: what being installed costs a project that never asked for pytest-symphony.

Three ``python -m pytest --collect-only -q`` runs, interleaved round by round (so the
machine's drift hits all three alike), each in a throw-away folder:

* ``plain``    - an empty project, the plugin disabled (``-p no:symphony``): the anchor
* ``inactive`` - the same empty project with the plugin loaded: it must stay inactive
* ``active``   - a one-beat symphony project (ini ``symphony_handlers``, one spec, one handler)

Per run: wall and CPU time of that one child (``os.wait4``).  Printed: the medians, the
ratio to the anchor, and the extra milliseconds over it (median of the per-round
differences, wall and CPU: on a loaded machine the CPU figure is the steadier one), with
the goal for ``inactive``: at most 30 ms.  A measurement, not a test: it exits 0 whatever the figures (2 when a run fails).

    python benchmarks/bench_startup.py            # 15 rounds
    python benchmarks/bench_startup.py --rounds 40
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INACTIVE_GOAL_MS = 30.0
SPEC = "id: one\nmovements:\n  - name: M\n    beats:\n      - {name: B, handler: noop}\n"
HANDLERS = "from pytest_symphony import handler\n\n\n@handler\ndef noop():\n    pass\n"


def make_trees(root: Path) -> dict[str, tuple[Path, list[str]]]:
    empty = root / "empty"
    empty.mkdir()
    (empty / "pytest.ini").write_text("[pytest]\n")
    active = root / "active"
    (active / "sequences").mkdir(parents=True)
    (active / "pytest.ini").write_text("[pytest]\nsymphony_handlers = handlers\n")
    (active / "sequences" / "one.yaml").write_text(SPEC)
    (active / "handlers.py").write_text(HANDLERS)
    return {
        "plain": (empty, ["-p", "no:symphony"]),
        "inactive": (empty, []),
        "active": (active, []),
    }


def run_once(python: str, cwd: Path, extra: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, cpu seconds) of one ``pytest --collect-only -q``."""
    args = [python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 5):  # 5: no tests collected, as expected of the empty project
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise SystemExit(f"run failed ({code}) in {cwd} with {extra}:\n{err}")
    if proc.stderr:
        proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--python", default=sys.executable)
    opts = parser.parse_args(argv)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME"))
    }
    with tempfile.TemporaryDirectory() as tmp:
        trees = make_trees(Path(tmp))
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for name, (cwd, extra) in trees.items():  # warm-up: byte code written, caches filled
            run_once(opts.python, cwd, extra, env)
        for _ in range(opts.rounds):
            for name, (cwd, extra) in trees.items():
                samples[name].append(run_once(opts.python, cwd, extra, env))
    med = {
        name: (statistics.median(w for w, _ in s), statistics.median(c for _, c in s)) for name, s in samples.items()
    }
    anchor_wall, anchor_cpu = med["plain"]
    print(f"pytest --collect-only -q, {opts.rounds} rounds interleaved, medians")
    print(f"{'case':<10} {'wall ms':>8} {'cpu ms':>8} {'extra wall ms':>14} {'ratio':>7}")
    for name, (wall, cpu) in med.items():
        extra = (wall - anchor_wall) * 1000
        paired = statistics.median((a[0] - b[0]) * 1000 for a, b in zip(samples[name], samples["plain"]))
        paired_cpu = statistics.median((a[1] - b[1]) * 1000 for a, b in zip(samples[name], samples["plain"]))
        line = f"{name:<10} {wall * 1000:8.1f} {cpu * 1000:8.1f} {extra:+14.1f} {wall / anchor_wall:7.3f}"
        if name != "plain":
            line += f"   paired extra: wall {paired:+.1f} ms, cpu {paired_cpu:+.1f} ms"
        if name == "inactive":
            verdict = "met" if min(paired, paired_cpu) <= INACTIVE_GOAL_MS else "MISSED"
            line += f"; goal <= {INACTIVE_GOAL_MS:.0f} ms: {verdict}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
