"""A beat never runs without the beats it stands on: node ids, -k, --deselect, --lf, --sw, --ff."""

from __future__ import annotations

import pytest

SPEC = """
id: release
movements:
  - name: Build
    beats:
      - {name: Compile, handler: compile}
      - {name: Test, handler: run_tests}
  - name: Ship
    beats:
      - {name: Pack, handler: pack}
"""

HANDLERS = """
from pathlib import Path


@handler
def compile():
    return {"compiled": True}


@handler
def run_tests(symphony):
    assert symphony.state["compiled"]
    if Path("tests-broken").exists():
        raise AssertionError("a test failed")
    return {"tested": True}


@handler
def pack(symphony):
    assert symphony.state["tested"]
"""

COMPILE = "sequences/release.yaml::release::build::compile"
TEST = "sequences/release.yaml::release::build::test"
PACK = "sequences/release.yaml::release::ship::pack"


@pytest.fixture
def release(project):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    return project


def _ran(result) -> list[str]:
    """Beats in the order they ran, with their outcome."""
    return [
        line.split(" ")[0] + " " + line.split(" ")[1]
        for line in result.outlines
        if line.startswith("sequences/") and (" PASSED" in line or " FAILED" in line or " SKIPPED" in line)
    ]


def test_a_node_id_runs_its_beat_after_the_beats_it_stands_on(release):
    result = release.run("-v", PACK)
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]
    result.stdout.fnmatch_lines(["pulled in 2 earlier beat(s) for beat release 2.1 pack: compile, test"])


def test_keyword_selection_pulls_in_the_earlier_beats(release):
    result = release.run("-v", "-k", "pack")
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]
    result.stdout.fnmatch_lines(["*collected 3 items"])


def test_an_explicitly_deselected_predecessor_still_runs_and_the_summary_says_so(release):
    result = release.run("-v", "--deselect", COMPILE, PACK, TEST)
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]
    result.stdout.fnmatch_lines(["pulled in 1 earlier beat(s) for beat release 2.1 pack: compile"])


def test_a_later_beat_that_is_not_selected_stays_out(release):
    result = release.run("-v", TEST)
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} PASSED"]


def test_isolated_runs_the_beat_alone_and_says_so(release):
    result = release.run("-v", "--symphony-isolated", PACK)
    assert _ran(result) == [f"{PACK} FAILED"]
    result.stdout.fnmatch_lines(
        [
            "*KeyError: 'tested'*",
            "--symphony-isolated: 1 beat(s) ran without the beats before them (symphony.state started empty): "
            "release 2.1 pack",
        ]
    )


def test_last_failed_after_a_fix_runs_the_failed_beat_its_predecessors_and_the_blocked_beats(release):
    broken = release.pytester.path / "tests-broken"
    broken.touch()
    first = release.run("-v")
    assert _ran(first) == [f"{COMPILE} PASSED", f"{TEST} FAILED", f"{PACK} SKIPPED"]
    broken.unlink()
    again = release.run("-v", "--lf")
    assert _ran(again) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]
    assert release.run("-v", "--lf").ret == pytest.ExitCode.OK  # everything passed: --lf has nothing left


def test_stepwise_resumes_at_the_failed_beat_with_its_predecessors(release):
    broken = release.pytester.path / "tests-broken"
    broken.touch()
    first = release.run("-v", "--sw")
    assert _ran(first) == [f"{COMPILE} PASSED", f"{TEST} FAILED"]
    broken.unlink()
    again = release.run("-v", "--sw")
    assert _ran(again) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]


def test_failed_first_never_runs_a_beat_before_its_predecessors(release):
    release.pytester.makepyfile(test_plain="def test_a():\n    pass\n")
    broken = release.pytester.path / "tests-broken"
    broken.touch()
    release.run("-v", "-p", "no:randomly")
    result = release.run("-v", "--ff", "-p", "no:randomly")
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} FAILED", f"{PACK} SKIPPED"]
    ran = [line.split(" ")[0] for line in result.outlines if " PASSED" in line or " FAILED" in line]
    assert ran.index(TEST) > ran.index(COMPILE)


def test_a_node_id_under_xdist_runs_with_its_predecessors(release):
    pytest.importorskip("xdist")
    result = release.run("-n", "2", "-v", PACK)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["pulled in 2 earlier beat(s) for beat release 2.1 pack: compile, test"])


EXPANDED = """
id: fanout
movements:
  - name: Prepare
    beats:
      - {name: Seed, handler: seed}
  - name: Work
    beats:
      - {name: Each, handler: each, expand: parts}
      - {name: Sum, handler: total}
"""


def test_a_node_id_after_an_expanded_beat_pulls_in_every_target(project):
    project.spec("fanout.yaml", EXPANDED)
    project.handlers("""
        from pytest_symphony import expander


        @expander("parts")
        def parts(config):
            return ["a", "b"]


        @handler
        def seed():
            return {"done": []}


        @handler
        def each(symphony):
            symphony.state["done"].append(symphony.target.id)


        @handler
        def total(symphony):
            assert symphony.state["done"] == ["a", "b"]
    """)
    result = project.run("-v", "sequences/fanout.yaml::fanout::work::sum")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["pulled in 3 earlier beat(s) for beat fanout 2.2 sum: seed, a, b"])


TWO_MOVEMENTS = """
id: chain
movements:
  - name: First
    beats:
      - {name: Make, handler: make}
  - name: Second
    beats:
      - {name: Use, handler: use}
"""


@pytest.mark.parametrize("dist", ["loadscope", "loadgroup", "load", "worksteal", "loadfile"])
def test_every_dist_mode_keeps_a_sequence_on_one_worker(project, dist):
    pytest.importorskip("xdist")
    project.spec("chain.yaml", TWO_MOVEMENTS)
    project.handlers("""
        import os


        @handler
        def make():
            return {"worker": os.environ.get("PYTEST_XDIST_WORKER")}


        @handler
        def use(symphony):
            assert symphony.state["worker"] == os.environ.get("PYTEST_XDIST_WORKER")
    """)
    project.pytester.makepyfile(
        test_plain="import pytest\n\n\n@pytest.mark.parametrize('n', range(6))\ndef test_n(n):\n    pass\n"
    )
    result = project.run("-n", "2", "--dist", dist)
    result.assert_outcomes(passed=8)


# -- node ids of what lives outside the project's files ---------------------------------------
SUMMARY = "symphony:report::symphony-report::executive-summary-synthesis::calculate-summary-metrics"
NORMALIZE = "symphony:report::symphony-report::data-collection-aggregation::normalize-all-metrics"


def test_a_built_in_beat_node_id_runs_when_given_back(project):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    project.run("-q")  # a history to report on
    listed = project.run("--symphony=report", "--collect-only", "-q")
    assert SUMMARY in listed.outlines
    result = project.run("-v", SUMMARY)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines([f"{NORMALIZE} PASSED*", f"{SUMMARY} PASSED*"])
    assert not any(line.startswith("sequences/") for line in result.outlines)  # nothing else ran


def test_a_built_in_beat_location_is_its_line_in_the_installed_pipeline(project):
    import pytest_symphony.pipelines as pipelines

    project.handlers(HANDLERS)
    project.pytester.makeconftest(
        "def pytest_collection_finish(session):\n"
        "    for item in session.items:\n"
        "        print('PLACE', item.nodeid, item.path, item.reportinfo()[1])\n"
    )
    result = project.run("-s", "--collect-only", "-q", SUMMARY)
    spec = pipelines.HERE / "report.yaml"
    line = next(n for n, text in enumerate(spec.read_text().splitlines()) if "report_calculate_summary_metrics" in text)
    assert f"PLACE {SUMMARY} {spec} {line - 1}" in result.outlines  # the beat's `- name:` line, 0-based


def test_a_built_in_beat_node_id_runs_under_xdist(project):
    pytest.importorskip("xdist")
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    project.run("-q")
    project.run("-n", "2", SUMMARY).assert_outcomes(passed=6)


def test_last_failed_reruns_a_failed_built_in_beat(project):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    project.pytester.makeconftest("""
        from pathlib import Path

        from pytest_symphony import handler
        from pytest_symphony.pipelines import report_handlers


        @handler
        def report_calculate_summary_metrics(symphony):
            assert not Path("summary-broken").exists(), "summary broke"
            report_handlers.report_calculate_summary_metrics(symphony)
    """)
    project.run("-q")
    broken = project.pytester.path / "summary-broken"
    broken.touch()
    first = project.run("--symphony=report", "-q")
    assert first.parseoutcomes()["failed"] == 1
    broken.unlink()
    again = project.run("--lf", "-v")
    again.stdout.fnmatch_lines([f"{SUMMARY} PASSED*"])
    assert again.parseoutcomes().get("failed", 0) == 0
    assert "symphony:report::symphony-report::report-delivery" in again.stdout.str()  # blocked beats ran


def test_an_unknown_symphony_node_id_is_a_usage_error(project):
    project.handlers(HANDLERS)
    result = project.run("symphony:nope::x")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*symphony:nope::x: no item has this node id*"])


def test_conformity_items_sit_at_the_file_they_check_and_run_by_node_id(project):
    project.ini("symphony_conformity = true")
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    project.pytester.makeconftest(
        "import os\n\n\ndef pytest_collection_finish(session):\n"
        "    for item in session.items:\n"
        "        assert os.path.isfile(item.path), (item.nodeid, item.path)\n"
    )
    listed = project.run("--collect-only", "-q")
    assert listed.ret == pytest.ExitCode.OK
    assert "symphony:conformity::handlers.py" in listed.outlines
    result = project.run("-v", "symphony:conformity::handlers.py")
    result.stdout.fnmatch_lines(["symphony:conformity::handlers.py PASSED*"])
    result.assert_outcomes(passed=1)


# -- --symphony-resume --------------------------------------------------------------------------
def _run_ids(project) -> list[tuple[str, str | None]]:
    import sqlite3

    with sqlite3.connect(project.pytester.path / ".symphony" / "history.sqlite") as conn:
        return conn.execute("SELECT run_id, resumed_from FROM runs ORDER BY started_at, run_id").fetchall()


def test_resume_restores_the_checkpointed_state_and_runs_from_the_failed_beat(release):
    broken = release.pytester.path / "tests-broken"
    broken.touch()
    release.run("-v")
    broken.unlink()
    result = release.run("-v", "--symphony-resume")
    assert _ran(result) == [f"{TEST} PASSED", f"{PACK} PASSED"]
    (first, _), (second, resumed_from) = _run_ids(release)
    assert resumed_from == first
    result.stdout.fnmatch_lines(
        [f"resume: release: resumed from run {first} at beat 1.2 test; state of 1 earlier beat(s) restored"]
    )


def test_resume_reruns_a_beat_whose_value_does_not_serialize(project):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS.replace('return {"compiled": True}', 'return {"compiled": True, "lock": object()}'))
    broken = project.pytester.path / "tests-broken"
    broken.touch()
    project.run("-v")
    broken.unlink()
    result = project.run("-v", "--symphony-resume")
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]
    result.stdout.fnmatch_lines(["*re-run because their values do not serialize: 'lock' (beat 1.1 compile)"])


def test_resume_of_a_selected_beat_restores_its_predecessors(release):
    release.run("-v")
    result = release.run("-v", f"--symphony-resume={_run_ids(release)[0][0]}", PACK)
    assert _ran(result) == [f"{PACK} PASSED"]


def test_resume_after_a_run_that_passed_has_nothing_to_do(release):
    release.run("-q")
    result = release.run("-v", "--symphony-resume")
    assert _ran(result) == []
    result.stdout.fnmatch_lines(["resume: release: run * passed every beat; nothing left to resume"])


def test_resume_without_history_runs_the_sequence_whole(release):
    result = release.run("-v", "--symphony-resume")
    assert _ran(result) == [f"{COMPILE} PASSED", f"{TEST} PASSED", f"{PACK} PASSED"]


def test_resume_under_xdist(release):
    pytest.importorskip("xdist")
    broken = release.pytester.path / "tests-broken"
    broken.touch()
    release.run("-q")
    broken.unlink()
    result = release.run("-n", "2", "-v", "--symphony-resume")
    result.assert_outcomes(passed=2)  # (workers deselect the restored beat; xdist does not count it)
    result.stdout.fnmatch_lines(["resume: release: resumed from run * at beat 1.2 test*"])


def test_resume_refuses_what_is_not_a_run_id(release):
    result = release.run("--symphony-resume", "sequences")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--symphony-resume takes a run id such as *, not 'sequences'*"])


# -- one movement: --symphony=<id>/<movement>, standalone movements ------------------------------
STAGES = """
id: stages
movements:
  - name: Explore
    id: exploration
    beats:
      - {name: Idea, handler: idea}
  - name: Integrate
    id: integration
    standalone: true
    beats:
      - {name: Load evidence, handler: load_evidence}
      - {name: Check, handler: check_evidence}
  - name: Deploy
    beats:
      - {name: Ship, handler: ship}
"""

STAGE_HANDLERS = """
from pathlib import Path


@handler
def idea():
    Path("evidence.txt").write_text("ok")


@handler
def load_evidence():
    return {"evidence": Path("evidence.txt").read_text()}


@handler
def check_evidence(symphony):
    assert symphony.state["evidence"] == "ok"


@handler
def ship(symphony):
    assert symphony.state["evidence"] == "ok"
"""


@pytest.fixture
def stages(project):
    project.spec("stages.yaml", STAGES)
    project.handlers(STAGE_HANDLERS)
    return project


def test_a_standalone_movement_selected_alone_does_not_pull_in_earlier_movements(stages):
    stages.run("-q")  # leaves its evidence on disk, as a run days earlier would
    result = stages.run("-v", "--symphony=stages/integration")
    assert _ran(result) == [
        "sequences/stages.yaml::stages::integrate::load-evidence PASSED",
        "sequences/stages.yaml::stages::integrate::check PASSED",
    ]


def test_a_later_movement_pulls_in_back_to_the_standalone_movement(stages):
    stages.run("-q")
    result = stages.run("-v", "--symphony=stages/3")
    assert [line.split(" ")[0].rsplit("::", 1)[-1] for line in _ran(result)] == ["load-evidence", "check", "ship"]


def test_an_unknown_movement_is_a_usage_error_naming_the_movements(stages):
    result = stages.run("--symphony=stages/nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*'stages' has no movement 'nope'; its movements: explore (exploration), integrate (integration), deploy"]
    )
