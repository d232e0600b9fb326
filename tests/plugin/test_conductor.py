"""The conductor: fixtures, failure stops the sequence, rollback, retries, timeouts, async, events."""

import textwrap

PIPE = """
id: pipe
rollback: undo
events: [one-done]
movements:
  - name: First
    beats:
      - {name: One, handler: one, event: one-done}
      - {name: Two, handler: two}
  - name: Second
    beats:
      - {name: Three, handler: three}
"""


def pipe_handlers(one: str) -> str:
    """PIPE's handlers: ``one`` as given, ``two`` and ``three`` doing nothing."""
    return textwrap.dedent(one).strip() + "\n@handler\ndef two(): pass\n@handler\ndef three(): pass\n"


def test_failure_skips_later_beats_and_rolls_back_once(project):
    project.spec("pipe.yaml", PIPE)
    project.handlers("""
        @handler
        def one(): pass

        @handler
        def two(): raise RuntimeError("disk full")

        @handler
        def three(): pass

        @handler
        def undo(symphony, beat):
            print("ROLLBACK", beat.name, symphony.state)
    """)
    project.pytester.makeconftest("""
        def pytest_symphony_rollback(sequence, failed_beat, context):
            print("HOOK-ROLLBACK", sequence.id, failed_beat.name)
    """)
    result = project.run("-rs", "-s")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*disk full*", "SKIPPED [1] sequences/pipe.yaml:11: beat 1.2 failed"])
    assert result.stdout.str().count("HOOK-ROLLBACK pipe Two") == 1
    assert result.stdout.str().count("ROLLBACK Two") == 1


def test_handlers_take_any_fixture(project):
    project.spec("pipe.yaml", PIPE)
    project.pytester.makeconftest("""
        import pytest

        @pytest.fixture
        def workspace(tmp_path):
            return tmp_path
    """)
    project.handlers("""
        @handler
        def one(workspace, tmp_path, monkeypatch, beat, symphony):
            assert workspace == tmp_path
            assert beat.name == "One"
            symphony.state["where"] = str(workspace)

        @handler
        def two(symphony, request):
            assert request.node.name == "two"
            assert symphony.state["where"]

        @handler
        def three(capsys): print("three")
    """)
    project.run().assert_outcomes(passed=3)


def test_missing_fixture_errors_the_beat(project):
    project.spec("pipe.yaml", PIPE)
    project.handlers(pipe_handlers("@handler\ndef one(no_such_fixture): pass"))
    result = project.run()
    result.assert_outcomes(errors=1, skipped=2)
    result.stdout.fnmatch_lines(["*fixture 'no_such_fixture' not found*"])


def test_handler_not_found_names_spec_line_and_close_matches(project):
    project.spec("pipe.yaml", PIPE)
    project.handlers("""
        @handler
        def one(): pass
        @handler
        def tow(): pass
        @handler
        def three(): pass
    """)
    result = project.run()
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*sequences/pipe.yaml:8: beat 1.2 'Two' names handler 'two', which no registered module provides.",
            "*did you mean: tow?",
        ]
    )


def test_retries_record_every_attempt(project):
    project.spec(
        "flaky.yaml",
        """
        id: flaky
        movements:
          - name: M
            beats:
              - {name: Flaky, handler: flaky, retries: 2}
    """,
    )
    project.handlers("""
        calls = []

        @handler
        def flaky():
            calls.append(1)
            assert len(calls) == 3, f"attempt {len(calls)}"
    """)
    project.run().assert_outcomes(passed=1)
    lines = _telemetry(project)
    assert [(r["attempt"], r["status"]) for r in lines] == [(1, "failed"), (2, "failed"), (3, "passed")]
    assert "attempt 1" in lines[0]["error"]


def test_retries_exhausted_fail_with_a_note(project):
    project.spec(
        "flaky.yaml",
        """
        id: flaky
        movements:
          - name: M
            beats:
              - {name: Flaky, handler: flaky, retries: 1}
    """,
    )
    project.handlers("@handler\ndef flaky():\n    raise ValueError('nope')\n")
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*failed on all 2 attempts*"])


def test_timeout_fails_a_stuck_handler_and_the_run_goes_on(project):
    project.spec(
        "slow.yaml",
        """
        id: slow
        movements:
          - name: M
            beats:
              - {name: Stuck, handler: stuck, timeout: "< 200ms"}
    """,
    )
    project.spec(
        "after.yaml",
        """
        id: after
        movements:
          - name: M
            beats:
              - {name: Fine, handler: fine}
    """,
    )
    project.handlers("""
        import threading

        @handler
        def stuck():
            threading.Event().wait()  # never set: a handler that hangs

        @handler
        def fine(): pass
    """)
    result = project.run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*handler 'stuck' of beat 1.1 (Stuck) did not finish within 200ms*"])
    statuses = {r["sequence"]: r["status"] for r in _telemetry(project)}
    assert statuses == {"slow": "timeout", "after": "passed"}


def test_async_handlers_are_awaited_and_cancelled_on_timeout(project):
    project.spec(
        "aio.yaml",
        """
        id: aio
        movements:
          - name: M
            beats:
              - {name: Quick, handler: quick}
              - {name: Slow, handler: slow, timeout: 100}
    """,
    )
    project.handlers("""
        import asyncio

        @handler
        async def quick(symphony):
            await asyncio.sleep(0)
            return {"quick": True}

        @handler
        async def slow(symphony):
            assert symphony.state["quick"]
            await asyncio.Event().wait()
    """)
    result = project.run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*did not finish within 100ms*it was cancelled*"])


def test_events_are_emitted_recorded_and_hooked(project):
    project.spec("pipe.yaml", PIPE)
    project.pytester.makeconftest("""
        seen = []

        def pytest_symphony_event(event, payload, sequence, beat, context):
            seen.append((event, beat.name if beat else None))

        def pytest_sessionfinish(session):
            print("EVENTS", seen)
    """)
    project.handlers(
        pipe_handlers("""
        @handler
        def one(symphony):
            symphony.emit("progress", percent=50)
            symphony.metric("files", 3)
        """)
    )
    result = project.run("-s")
    result.assert_outcomes(passed=3)
    assert "EVENTS [('progress', 'One'), ('one-done', 'One')]" in result.stdout.str()
    first = _telemetry(project)[0]
    assert [e["name"] for e in first["events"]] == ["progress", "one-done"]
    assert first["events"][0]["payload"] == {"percent": 50}
    assert first["metrics"] == {"files": 3.0}


def test_hooks_bracket_sequences_movements_and_beats(project):
    project.spec("pipe.yaml", PIPE)
    project.pytester.makeconftest("""
        log = []
        def pytest_symphony_before_sequence(sequence, context): log.append("seq+")
        def pytest_symphony_after_sequence(sequence, context): log.append("seq-")
        def pytest_symphony_before_movement(sequence, movement, context): log.append("mov+" + movement.slug)
        def pytest_symphony_after_movement(sequence, movement, context): log.append("mov-" + movement.slug)
        def pytest_symphony_before_beat(sequence, beat, context): log.append("beat+" + beat.slug)
        def pytest_symphony_after_beat(sequence, beat, context, records): log.append("beat-" + beat.slug)
        def pytest_sessionfinish(session): print("LOG", " ".join(log))
    """)
    project.handlers(pipe_handlers("@handler\ndef one(): pass"))
    result = project.run("-s")
    result.stdout.fnmatch_lines(
        [
            "*LOG seq+ mov+first beat+one beat-one beat+two beat-two mov-first mov+second beat+three beat-three mov-second seq-*"
        ]
    )


def test_a_plugins_per_beat_hooks_see_each_call_and_its_records(project):
    """The per-beat hooks are skipped only when no plugin implements them: one that does sees every
    call (and may change its keyword arguments) and every beat's records."""
    project.spec("pipe.yaml", PIPE)
    project.pytester.makeconftest("""
        import pytest
        @pytest.fixture
        def word():
            return "fixture"
        def pytest_symphony_before_beat_call(sequence, beat, context, kwargs):
            if "word" in kwargs:
                kwargs["word"] = "changed"
        def pytest_symphony_after_beat(sequence, beat, context, records):
            print("AFTER", beat.slug, [r["status"] for r in records])
    """)
    project.handlers(pipe_handlers('@handler\ndef one(word): print("WORD", word)'))
    result = project.run("-s")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*WORD changed*", "AFTER one ?'passed'?", "*AFTER three ?'passed'?"])


def test_dynamics_deselect_louder_beats_and_pp_runs_nothing(project):
    project.spec(
        "dyn.yaml",
        """
        id: dyn
        movements:
          - name: M
            beats:
              - {name: Quiet, handler: quiet, dynamics: p}
              - {name: Loud, handler: loud, dynamics: ff}
              - {name: Plain, handler: plain}
    """,
    )
    project.handlers("""
        @handler
        def quiet(symphony): print("RAN quiet", symphony.dynamic)
        @handler
        def loud(): print("RAN loud")
        @handler
        def plain(tmp_path): print("RAN plain")
    """)
    result = project.run("-s", "-q")
    result.assert_outcomes(passed=2, deselected=1)
    assert "RAN quiet mf" in result.stdout.str()
    result = project.run("-s", "-q", "--symphony-dynamic=ff")
    result.assert_outcomes(passed=3)
    result = project.run("-s", "-v", "--symphony-dynamic=pp")
    result.assert_outcomes(passed=1, deselected=2)
    assert "RAN" not in result.stdout.str()
    result.stdout.fnmatch_lines(["sequences/dyn.yaml::dyn::m::plain RESOLVED*"])  # its outcome says it did not run


def test_pp_reports_missing_fixtures_without_running(project):
    project.spec(
        "dyn.yaml",
        """
        id: dyn
        movements:
          - name: M
            beats:
              - {name: Plain, handler: plain}
    """,
    )
    project.handlers("@handler\ndef plain(ghost_fixture): print('RAN')\n")
    result = project.run("--symphony-dynamic=pp", "-s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*needs fixture(s) ghost_fixture*"])


def test_inputs_fill_handler_parameters(project):
    project.spec(
        "inp.yaml",
        """
        id: inp
        movements:
          - name: M
            beats:
              - {name: Build, handler: build, inputs: {target: wheel, jobs: 2}}
    """,
    )
    project.handlers("@handler\ndef build(target, jobs, symphony):\n    assert (target, jobs) == ('wheel', 2)\n")
    project.run().assert_outcomes(passed=1)


def _telemetry(project):
    import json

    files = list((project.pytester.path / ".symphony" / "runs").glob("*/telemetry.jsonl"))
    assert len(files) == 1, files
    return [json.loads(line) for line in files[0].read_text().splitlines()]
