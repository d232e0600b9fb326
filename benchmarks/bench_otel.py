#!/usr/bin/env python
"""Benchmark: the cost of ``--symphony-otel`` on a run of no-op beats, against the same run without it.

Generates one throw-away project of N no-op beats (N/100 YAML specs of 4 movements x 25
beats, one ``noop`` handler that records a metric, as ``bench_beats.py`` builds them) and
runs it side by side, interleaved, in ``python -m pytest`` subprocesses:

* anchor: ``pytest`` (the plugin on, export off)
* figure: ``pytest --symphony-otel`` exporting to an OTLP/HTTP receiver this script runs on
  localhost (a thread that reads each request, counts the spans in it and answers 200, as a
  collector does)

It prints wall and CPU time (medians of ``--repeat`` runs, each child's own ``os.wait4``
usage, which counts the exporter process pytest starts and waits for), the ratio figure /
anchor, the per-round paired ratio, and the verdict against the goal (export at most 5%
over the run without it).  From the summary line of each export it also takes the
exporter process's CPU and how long the run's end waited for it, and prints the run's
own path: (CPU - exporter CPU + end wait) / anchor CPU, the wall ratio a free core for
the exporter gives, which a busy machine (every core taken) cannot show in wall time.
It checks that every span arrived (a sequence, its movements, every beat and its attempt).  A measurement, not a test:
exit 0 whatever the figures, 2 when a run fails or spans are missing.

    python benchmarks/bench_otel.py                 # 5,000 beats, 5 rounds
    python benchmarks/bench_otel.py --beats 500     # a quick look
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

GOAL = 1.05
PER_FILE = 100
MOVEMENTS = 4
PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
_SCRUB_ENV = (
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_XDIST_AUTO_NUM_WORKERS",
    "TRACEPARENT",
    "TRACESTATE",
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_SAMPLER",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "PYTHONPROFILEIMPORTTIME",
    "PYTHONTRACEMALLOC",
)


def split(total: int, parts: int) -> list[int]:
    parts = max(1, min(parts, total))
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def make_tree(root: Path, total: int, per_file: int) -> tuple[int, int]:
    """The beats project; returns (spec files, movements) for the span count."""
    root.mkdir(parents=True)
    (root / "pytest.ini").write_text("[pytest]\nsymphony_handlers = handlers\n", encoding="utf-8")
    (root / "handlers.py").write_text(
        "from pytest_symphony import handler\n\n\n@handler\ndef noop(symphony):\n    symphony.metric('work', 1)\n",
        encoding="utf-8",
    )
    (root / "sequences").mkdir()
    sizes = split(total, math.ceil(total / per_file))
    movements = 0
    for f, size in enumerate(sizes, 1):
        lines = [f"id: seq-{f:03d}", f"name: Sequence {f}", "movements:"]
        for m, beats in enumerate(split(size, MOVEMENTS), 1):
            movements += 1
            lines += [f"  - name: Movement {m}", "    beats:"]
            lines += [
                line for b in range(1, beats + 1) for line in (f"      - name: Beat {b}", "        handler: noop")
            ]
        (root / "sequences" / f"seq-{f:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(sizes), movements


class Receiver:
    """An OTLP/HTTP endpoint on localhost: counts spans (decoded when opentelemetry-proto is there)."""

    def __init__(self) -> None:
        self.spans = 0
        self.requests = 0
        self.lock = threading.Lock()
        try:
            from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
        except ImportError:
            ExportTraceServiceRequest = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                count = 0
                if self.path.endswith("/v1/traces") and ExportTraceServiceRequest is not None:
                    request = ExportTraceServiceRequest.FromString(body)
                    count = sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
                with receiver.lock:
                    receiver.requests += 1
                    receiver.spans += count
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.decodes = ExportTraceServiceRequest is not None

    def take(self) -> int:
        with self.lock:
            spans, self.spans = self.spans, 0
            return spans

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


_BESIDE = re.compile(r"\(([\d.]+)s CPU beside the run; its end waited ([\d.]+)s\)")


def beside(log: Path) -> tuple[float, float]:
    """(exporter CPU s, end wait s) from the export's summary line; zeros when there is none."""
    found = _BESIDE.search(log.read_text(encoding="utf-8", errors="replace"))
    return (float(found.group(1)), float(found.group(2))) if found else (0.0, 0.0)


def run_once(python: str, tree: Path, args: list[str], env: dict[str, str], log: Path) -> tuple[float, float, int]:
    """(wall s, cpu s, exit status) of one pytest child."""
    shutil.rmtree(tree / ".symphony", ignore_errors=True)
    with open(log, "w", encoding="utf-8") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [python, "-m", "pytest", *PYTEST_ARGS, *args], cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)
        proc.wait()
        return time.perf_counter() - start, float("nan"), proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--beats", type=int, default=5000, help="beats in the run (default 5000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds, medians taken (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run pytest with")
    parser.add_argument("--keep", action="store_true", help="keep the tree and the logs (path printed)")
    args = parser.parse_args(argv)
    if args.beats < 1 or args.repeat < 1 or args.warmup < 0:
        parser.error("--beats and --repeat must be at least 1, --warmup at least 0")

    base = Path(tempfile.mkdtemp(prefix="symphony-bench-otel-"))
    tree, logs = base / "beats", base / "logs"
    logs.mkdir()
    sequences, movements = make_tree(tree, args.beats, PER_FILE)
    expected = sequences + movements + 2 * args.beats  # each beat: its span and its one attempt
    receiver = Receiver()
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
    env.update(PY_COLORS="0", OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    load = f"load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(f"{args.beats} beats in {sequences} specs; receiver {receiver.url}; {os.cpu_count()} CPUs; {load}")
    cases = {
        "anchor": ("run without export (plugin on)", []),
        "figure": ("run with --symphony-otel", ["--symphony-otel"]),
    }
    samples: dict[str, list[tuple[float, float, float, float]]] = {key: [] for key in cases}
    status = 0
    try:
        for rnd in range(args.warmup + args.repeat):
            timed = rnd >= args.warmup
            for key, (label, extra) in cases.items():
                log = logs / f"{key}-{rnd}.log"
                wall, cpu, code = run_once(args.python, tree, extra, env, log)
                spans = receiver.take()
                if code != 0 or (key == "figure" and receiver.decodes and spans != expected):
                    print(
                        f"ERROR {label}: exit status {code}, {spans} of {expected} spans received; see {log}",
                        file=sys.stderr,
                    )
                    status = 2
                    return status
                exporter_cpu, waited = beside(log)
                if timed:
                    samples[key].append((wall, cpu, exporter_cpu, waited))
                print(
                    f"  {'round' if timed else 'warm-up'} {rnd + 1}: {label:<32} {wall:7.3f}s wall {cpu:7.3f}s cpu"
                    + (
                        f"  {spans} spans received; exporter {exporter_cpu:.2f}s cpu, end waited {waited:.2f}s"
                        if key == "figure"
                        else ""
                    ),
                    flush=True,
                )
        report(samples, cases, expected)
    finally:
        receiver.close()
        if args.keep or status:
            print(f"tree and logs kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return status


def report(samples: dict[str, list[tuple[float, float, float, float]]], cases: dict, spans: int) -> None:
    def median(key: str, index: int) -> float:
        return statistics.median(sample[index] for sample in samples[key])

    print()
    for key, (label, _) in cases.items():
        print(f"{key:<7} {label:<32} wall {median(key, 0):7.3f}s   cpu {median(key, 1):7.3f}s")
    anchor_wall, anchor_cpu = median("anchor", 0), median("anchor", 1)
    ratio = median("figure", 0) / anchor_wall
    paired = statistics.median(f[0] / a[0] for f, a in zip(samples["figure"], samples["anchor"]))
    own = statistics.median((f[1] - f[2] + f[3]) / a[1] for f, a in zip(samples["figure"], samples["anchor"]))
    print(
        f"exporter process: {median('figure', 2):.3f}s cpu beside the run for {spans} spans; "
        f"the run's end waited {median('figure', 3):.3f}s"
    )
    print(
        f"ratio   wall {ratio:.3f}x   pair {paired:.3f}x (median of per-round ratios)   "
        f"cpu {median('figure', 1) / anchor_cpu:.3f}x (with the exporter)"
    )
    print(f"goal <= {GOAL:.2f}x the same run without export:")
    print(f"  wall, as measured here            {paired:6.3f}x  {'PASS' if paired <= GOAL else 'MISS'}")
    print(
        f"  the run's own path (free core)    {own:6.3f}x  {'PASS' if own <= GOAL else 'MISS'}"
        "   (cpu - exporter cpu + end wait) / anchor cpu"
    )


if __name__ == "__main__":
    sys.exit(main())
