"""--symphony-shard=I/N splits a run's sequences across CI jobs; --symphony-history-merge joins them."""

from __future__ import annotations

import re
import sqlite3

import pytest

HANDLERS = "@handler\ndef ok():\n    pass\n"


@pytest.fixture
def many(project):
    for n in range(6):
        project.spec(
            f"s{n}.yaml",
            f"id: s{n}\nmovements:\n  - name: M\n    beats:\n"
            "      - {name: A, handler: ok}\n      - {name: B, handler: ok}\n",
        )
    project.handlers(HANDLERS)
    project.pytester.makepyfile(test_plain="def test_1():\n    pass\n\n\ndef test_2():\n    pass\n")
    return project


def _ran(result) -> list[str]:
    return [line.split(" ")[0] for line in result.outlines if " PASSED" in line]


def _shard(project, index: int, count: int = 4):
    return project.run(
        "-v", "-p", "no:randomly", f"--symphony-shard={index}/{count}", "-o", f"symphony_dir=.shard{index}"
    )


def test_four_shards_run_every_item_once_keeping_sequences_whole(many):
    runs = [_ran(_shard(many, i)) for i in range(1, 5)]
    everything = [nodeid for run in runs for nodeid in run]
    assert len(everything) == len(set(everything)) == 6 * 2 + 2
    for run in runs:
        sequences = {re.match(r"sequences/(s\d)\.yaml", n).group(1) for n in run if n.startswith("sequences/")}
        for sequence in sequences:
            assert f"sequences/{sequence}.yaml::{sequence}::m::a" in run
            assert f"sequences/{sequence}.yaml::{sequence}::m::b" in run
    assert all(run for run in runs)  # nobody idle


def test_jobs_that_restore_the_same_history_split_alike(many):
    import shutil

    many.run("-q", "-o", "symphony_dir=.base")  # the history a CI cache would hand every job
    root = many.pytester.path
    for copy in (".a", ".b"):
        shutil.copytree(root / ".base", root / copy)
    first = many.run("-v", "-p", "no:randomly", "--symphony-shard=2/4", "-o", "symphony_dir=.a")
    again = many.run("-v", "-p", "no:randomly", "--symphony-shard=2/4", "-o", "symphony_dir=.b")
    assert _ran(first) == _ran(again)
    split = [
        line.rsplit("split ", 1)[1]
        for result in (first, again)
        for line in result.outlines
        if line.startswith("shard 2/4:")
    ]
    assert len(split) == 2 and split[0] == split[1]


def test_merging_the_shards_makes_one_run_the_reports_see(many):
    for i in range(1, 5):
        _shard(many, i)
    result = many.run("--symphony-history-merge", ".shard1", ".shard2", ".shard3/history.sqlite", ".shard4")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["symphony: merged 4 shard(s) into run * of *"])
    history = many.pytester.path / ".symphony" / "history.sqlite"
    with sqlite3.connect(history) as conn:
        ((run_id, ended),) = conn.execute("SELECT run_id, ended_at FROM runs").fetchall()
        attempts = conn.execute(
            "SELECT count(*), count(DISTINCT sequence) FROM attempts WHERE run_id = ?", (run_id,)
        ).fetchone()
    assert attempts == (12, 6) and ended
    jsonl = many.pytester.path / ".symphony" / "runs" / run_id / "telemetry.jsonl"
    assert len(jsonl.read_text().splitlines()) == 12
    report = many.run("--symphony=report", "-q")
    report.assert_outcomes(passed=24)


def test_merging_refuses_an_incomplete_set_of_shards(many):
    for i in (1, 2, 4):
        _shard(many, i)
    result = many.run("--symphony-history-merge", ".shard1", ".shard2", ".shard4")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["symphony: --symphony-history-merge: shards of 4: missing 3"])


def test_a_shard_that_is_not_i_of_n_is_a_usage_error(many):
    result = many.run("--symphony-shard=5/4")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--symphony-shard=5/4: write I/N with 1 <= I <= N*"])
