"""Beat outcomes folded into columns (report.series, report.history_cells): retries, targets, any
storage order, the same from the folded cells as from the attempt rows."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pytest_symphony.report.history_cells import StoredRun, lay_out
from pytest_symphony.report.model import ReportContext, build_report
from pytest_symphony.report.series import STATUS_RANK
from pytest_symphony.telemetry.records import make_attempt, make_run
from pytest_symphony.telemetry.run_cells import fold_run
from pytest_symphony.telemetry.store import HistoryStore

from .conftest import HistoryBuilder

KEY = "release\x1f1\x1fbuild\x1f1\x1fcompile"
T0 = datetime(2026, 5, 1, tzinfo=timezone.utc)


def _row(row_id: int, status="passed", attempt=1, ms=1.0, target=None, handler="do_compile"):
    return (row_id, KEY, handler, STATUS_RANK[status], attempt, ms, target, "release", "r.yaml", "h")


def _numbered(cells: list[tuple[str, str | None]]) -> list[int]:
    return [1 if handler == "do_compile" else 2 for _key, handler in cells]


def _stored(index: int, cells) -> StoredRun:
    return StoredRun.folded(index, f"r{index}", cells)


def test_a_cell_sums_its_attempts_and_keeps_the_worst_final_outcome_of_its_targets():
    runs = [
        [_row(1, "failed", 1, 2.0), _row(2, "passed", 2, 3.0)],  # passed on a retry
        [
            _row(3, "passed", 1, 1.0, target="a"),
            _row(4, "failed", 1, 1.0, target="b"),
            _row(5, "passed", 2, 1.0, target="b"),  # b's final attempt passed ...
            _row(6, "timeout", 1, 4.0, target="c"),  # ... but c timed out
        ],
        [_row(7, "skipped", 1, 0.5, handler="do_other")],
    ]
    stored = [_stored(index, fold_run(rows, _numbered)) for index, rows in enumerate(runs)]
    series = lay_out(stored, {1: (KEY, "do_compile"), 2: (KEY, "do_other")}, by_run_id=False)[KEY]
    assert sum(run.attempts for run in stored) == 7
    assert (list(series.runs), list(series.ms), series.statuses) == (
        [0, 1, 2],
        [5.0, 7.0, 0.5],
        ["passed", "timeout", "skipped"],
    )
    assert (list(series.retry_passes), series.retries) == ([1, 1, 0], 2)
    assert list(series.handler_spans()) == [("do_compile", 0, 2), ("do_other", 2, 3)]


def _varied_history(path: Path) -> None:
    """Retries, targets, skips, a handler that changes, runs stored out of order, one still running."""
    order = [5, 0, 3, 1, 7, 2, 6, 4]
    with HistoryStore(path) as store:
        for r in order:
            began = T0 + timedelta(hours=r)
            run = make_run(f"run-{r}", started_at=began.isoformat(), git_commit=f"{r:040x}")
            if r != 7:
                run["ended_at"], run["exit_status"] = (began + timedelta(seconds=30)).isoformat(), 0
            store.begin_run(run)
            records = []
            for b in range(4 + r % 3):
                statuses = ["failed", "passed"] if (r + b) % 4 == 0 else ["skipped" if b == 5 else "passed"]
                for target in ["eu", "us"] if b == 3 else [None]:
                    for attempt, status in enumerate(statuses, start=1):
                        records.append(
                            make_attempt(
                                run_id=run["run_id"],
                                sequence="release" if b < 4 else "deploy",
                                movement="build",
                                movement_number=1,
                                beat=f"b{b}",
                                beat_number=b + 1,
                                handler=f"do_{b}" if r < 4 else f"do_{b}_v2",
                                duration_ms=1.5 + r * 0.25 + b,
                                status="timeout" if (target, r) == ("us", 2) else status,
                                attempt=attempt,
                                target=target,
                                spec_file="sequences/release.yaml",
                                spec_hash=f"{r // 3:064x}",
                                metrics={"size": attempt * 10.0 + r, f"only_{b}": 1.5} if b < 3 else {},
                            )
                        )
            store.add_attempts(records[::-1] if r == 3 else records)


def _report(path: Path, window: int | None) -> dict:
    report = build_report(ReportContext(history_path=path, rootdir=path.parent, max_runs=window)).report
    return {key: value for key, value in report.items() if key not in ("generated_at", "lineage")}


def test_the_report_is_the_same_from_the_folded_cells_and_from_the_attempt_rows(tmp_path):
    path = tmp_path / ".symphony" / "history.sqlite"
    _varied_history(path)
    with HistoryStore(path) as store:
        assert len(store.rows("SELECT run_id FROM run_cells")) == 7  # every run but the running one
    folded = {window: _report(path, window) for window in (None, 3)}
    assert folded[None]["history"]["runs"] == 8 and folded[3]["history"]["runs"] == 3
    for dropped in ("run_id IN ('run-0', 'run-5')", "1"):  # some runs, then every run, from attempt rows
        with HistoryStore(path) as store:
            store.write("drop cells of", lambda conn: conn.execute(f"DELETE FROM run_cells WHERE {dropped}"))
        assert {window: _report(path, window) for window in (None, 3)} == folded


def test_an_attempt_written_outside_the_store_counts_at_once(tmp_path):
    path = tmp_path / ".symphony" / "history.sqlite"
    _varied_history(path)
    before = _beat(_report(path, None), "release", "b0")
    conn = sqlite3.connect(path)
    with conn:  # a writer that knows nothing of run_cells: the trigger drops run-6's folded cells
        conn.execute(
            "INSERT INTO attempts (run_id, sequence, movement, movement_number, beat, beat_number, handler, "
            "status, attempt, duration_ms, kind) VALUES ('run-6', 'release', 'build', 1, 'b0', 1, 'do_0_v2', "
            "'error', 2, 1.0, 'beat')"
        )
    conn.close()
    after = _beat(_report(path, None), "release", "b0")
    assert (after["runs"], after["failed"]) == (before["runs"], before["failed"] + 1)


def _beat(report: dict, sequence: str, slug: str) -> dict:
    (seq,) = [s for s in report["sequences"] if s["id"] == sequence]
    return next(b for m in seq["movements"] for b in m["beats"] if b["slug"] == slug)


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


def test_a_fold_numbers_a_sequences_beats_once_its_last_row_has_passed_whatever_the_interleaving():
    """The fold lets go of a sequence's key texts after its last row (memory at the end of a big
    run); rows of two sequences interleaved, a retry of the first after the second, still fold
    into one cell per beat, each numbered once."""
    other = "deploy\x1f1\x1fship\x1f1\x1fupload"
    rows = [
        _row(1, "failed", 1, 2.0),
        (2, other, "do_upload", STATUS_RANK["passed"], 1, 1.0, None, "deploy", "d.yaml", "h"),
        _row(3, "passed", 2, 3.0),
    ]
    asked: list[list[tuple[str, str | None]]] = []

    def numbered(cells: list[tuple[str, str | None]]) -> list[int]:
        asked.append(cells)
        return [10 + len(asked)] * len(cells)

    cells = fold_run(rows, numbered, {"release": 3, "deploy": 2})
    assert asked == [[(other, "do_upload")], [(KEY, "do_compile")]]  # deploy closed first, at row 2
    assert (list(cells.key_ids), list(cells.first_ids), list(cells.ms)) == ([12, 11], [1, 2], [5.0, 1.0])
    assert cells.details[0][:4] == [2, 2, 1, True]  # release's beat passed on its retry
