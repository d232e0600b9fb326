"""Beat outcomes folded into columns (report.series): any storage order, retries, targets."""

from __future__ import annotations

import random
from pathlib import Path

from pytest_symphony.report.model import ReportContext, build_report
from pytest_symphony.report.series import STATUS_RANK, fold_attempts

from .conftest import HistoryBuilder

KEY = "release\x1f1\x1fbuild\x1f1\x1fcompile"


def _row(run: str, status: str = "passed", attempt: int = 1, ms: float = 1.0, target=None, handler="do_compile"):
    return (run, KEY, handler, STATUS_RANK[status], attempt, ms, target)


def _columns(series) -> dict:
    return {
        "runs": list(series.runs),
        "ms": list(series.ms),
        "statuses": series.statuses,
        "retry_passes": list(series.retry_passes),
        "retries": series.retries,
        "handlers": series.handlers(),
    }


def test_a_cell_sums_its_attempts_and_keeps_the_worst_final_outcome_of_its_targets():
    rows = [
        _row("r0", "failed", 1, 2.0),
        _row("r0", "passed", 2, 3.0),  # passed on a retry
        _row("r1", "passed", 1, 1.0, target="a"),
        _row("r1", "failed", 1, 1.0, target="b"),
        _row("r1", "passed", 2, 1.0, target="b"),  # b's final attempt passed...
        _row("r1", "timeout", 1, 4.0, target="c"),  # ...but c timed out
        _row("r2", "skipped", 1, 0.5, handler="do_other"),
    ]
    beats, count = fold_attempts(rows, {"r0": 0, "r1": 1, "r2": 2, "elsewhere": 3})
    assert count == 7
    assert _columns(beats[KEY]) == {
        "runs": [0, 1, 2],
        "ms": [5.0, 7.0, 0.5],
        "statuses": ["passed", "timeout", "skipped"],
        "retry_passes": [1, 1, 0],
        "retries": 2,
        "handlers": ["do_compile", "do_compile", "do_other"],
    }


def test_rows_in_any_order_fold_into_the_same_series():
    index = {f"r{i}": i for i in range(40)}
    rows = []
    for i in range(40):
        rows.append(_row(f"r{i}", "failed" if i % 7 == 0 else "passed", 1, float(i), handler=f"h{i // 10}"))
        if i % 7 == 0:
            rows.append(_row(f"r{i}", "passed", 2, 0.5, handler=f"h{i // 10}"))
    in_order = _columns(fold_attempts(rows, index)[0][KEY])
    random.Random(16).shuffle(rows)  # a retry may even come before its first attempt
    assert _columns(fold_attempts(rows, index)[0][KEY]) == in_order
    assert in_order["retry_passes"].count(1) == 6 and in_order["statuses"].count("failed") == 0


def test_a_history_stored_out_of_run_order_reports_like_one_stored_in_order(tmp_path):
    """A merged history (shards joined one after another) stores newer runs before older ones."""

    def write(path: Path, order: list[int]) -> HistoryBuilder:
        builder = HistoryBuilder(path)
        for n in order:
            builder.count = n  # the run's start time follows its number, not when it was written
            status = "failed" if n == 2 else "passed"
            builder.run({"compile": (10.0 + n, status), "package": [(3.0, "failed"), (4.0 + n, "passed")]})
        return builder

    reports = []
    for name, order in (("in-order", [0, 1, 2, 3, 4]), ("merged", [3, 4, 0, 2, 1])):
        builder = write(tmp_path / name / "history.sqlite", order)
        report = build_report(ReportContext(history_path=builder.path, rootdir=tmp_path)).report
        reports.append({k: v for k, v in report.items() if k not in ("generated_at", "lineage", "history")})
    assert reports[0] == reports[1]
    beat = reports[0]["sequences"][0]["movements"][0]["beats"][0]
    assert beat["runs"] == 5 and beat["failed"] == 1 and beat["timing"]["last"] == 14.0
