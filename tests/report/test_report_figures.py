"""The report's aggregated figures against a plain computation over the same attempts.

The report folds attempts into byte and float columns and reads its figures off them (flips by
XOR, rounding in C, one sort per series); here every figure is recomputed the obvious way, from
the attempts as written, and must come out the same, over every run and over a window.
"""

from __future__ import annotations

import math
import random

import pytest

from pytest_symphony.report.model import ReportContext, build_report

from .conftest import HistoryBuilder

SLUGS = ("compile", "package", "sign")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.95 * len(ordered))) - 1]


def _write(history: HistoryBuilder, runs: int) -> list[dict[str, list[tuple[float, str]]]]:
    """``runs`` runs of three beats with random times, failures, and retries that pass."""
    rng = random.Random(16)
    written = []
    for _ in range(runs):
        beats: dict[str, list[tuple[float, str]]] = {}
        for slug in SLUGS:
            first = (round(rng.uniform(1, 200), rng.choice((1, 3, 6))), rng.choice(("passed",) * 5 + ("failed",)))
            beats[slug] = [first] + (
                [(rng.uniform(1, 50), "passed")] if first[1] == "failed" and rng.random() < 0.5 else []
            )
        if rng.random() < 0.2:
            beats["sign"] = [(rng.uniform(1, 5), "skipped")]
        history.run(beats)
        written.append(beats)
    return written


def _expected(written: list[dict[str, list[tuple[float, str]]]]) -> dict[str, dict]:
    """Per beat, from the attempts as written: its figures; and the movement's per-run totals."""
    expected: dict[str, dict] = {}
    movement_totals = [0.0] * len(written)
    for slug in SLUGS:
        durations, statuses, retry_passes = [], [], []
        for i, beats in enumerate(written):
            attempts = beats[slug]
            durations.append(round(sum(ms for ms, _status in attempts), 3))
            statuses.append(attempts[-1][1])
            retry_passes.append(len(attempts) > 1 and attempts[-1][1] == "passed")
            movement_totals[i] += durations[-1]
        ran = [s for s in statuses if s != "skipped"]
        flips = sum(a != b for a, b in zip(ran, ran[1:]))
        expected[slug] = {
            "median": round(_median(durations), 3),
            "p95": round(_p95(durations), 3),
            "min": min(durations),
            "max": max(durations),
            "last": durations[-1],
            "passed": statuses.count("passed"),
            "failed": statuses.count("failed"),
            "skipped": statuses.count("skipped"),
            "pass_rate": round(statuses.count("passed") / len(ran), 4),
            "flake_rate": round(min(1.0, (sum(retry_passes) + flips) / len(statuses)), 4),
            "retries": sum(len(beats[slug]) - 1 for beats in written),
        }
    expected["movement"] = {"median": round(_median(movement_totals), 3), "p95": round(_p95(movement_totals), 3)}
    return expected


@pytest.mark.parametrize("window", [None, 25])
def test_beat_and_movement_figures_are_those_of_a_plain_computation(history: HistoryBuilder, tmp_path, window):
    written = _write(history, 60)
    report = build_report(ReportContext(history_path=history.path, rootdir=tmp_path, max_runs=window)).report
    expected = _expected(written[-window:] if window else written)
    (movement,) = report["sequences"][0]["movements"]
    assert {k: movement["timing"][k] for k in ("median", "p95")} == expected["movement"]
    for beat in movement["beats"]:
        want = expected[beat["slug"]]
        got = {k: beat["timing"][k] for k in ("median", "p95", "min", "max", "last")}
        got.update({k: beat[k] for k in ("passed", "failed", "skipped", "pass_rate", "flake_rate", "retries")})
        assert got == want, beat["slug"]


def test_medians_and_p95_of_known_times(history: HistoryBuilder, tmp_path):
    """Nearest-rank p95 (always a time that was measured); an even count's median is the mean of the middle two."""
    for ms in (4.0, 1.0, 10.0, 2.0, 3.0):
        history.run({"compile": ms, "package": ms * 2})
    report = build_report(ReportContext(history_path=history.path, rootdir=tmp_path)).report
    (movement,) = report["sequences"][0]["movements"]
    compile_, package = movement["beats"]
    assert (compile_["timing"]["median"], compile_["timing"]["p95"]) == (3.0, 10.0)
    assert (package["timing"]["median"], package["timing"]["p95"]) == (6.0, 20.0)
    assert (movement["timing"]["median"], movement["timing"]["p95"]) == (9.0, 30.0)
    history.run({"compile": 5.0, "package": 1.0})
    report = build_report(ReportContext(history_path=history.path, rootdir=tmp_path)).report
    compile_ = report["sequences"][0]["movements"][0]["beats"][0]
    assert (compile_["timing"]["median"], compile_["timing"]["p95"]) == (3.5, 10.0)  # (3 + 4) / 2 of six
