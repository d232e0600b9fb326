"""Timeouts are kept: a late return is a timeout, an abandoned attempt writes nothing, retries never
overlap it, and ``timeout_method: process`` stops what a thread cannot.

Handlers that hang wait on events no one sets (the subprocess runs end them); handlers that must
finish at a known moment wait on events the test's own beats or hooks set.
"""

import json
import os

import pytest


def _records(pytester):
    (path,) = (pytester.path / ".symphony" / "runs").glob("*/telemetry.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


def _spec(project, beats: str, name: str = "t") -> None:
    project.spec(f"{name}.yaml", f"id: {name}\nmovements:\n  - name: m\n    beats:\n{beats}")


def test_an_async_handler_that_swallows_cancellation_is_a_timeout_at_its_deadline(project):
    _spec(project, "      - {name: swallow, handler: swallow, timeout: 200ms}\n")
    project.handlers("""
        import asyncio, threading

        @handler
        async def swallow(symphony):
            for _ in range(600):  # would run 60 s
                try:
                    await asyncio.sleep(0.1)
                except asyncio.CancelledError:
                    pass
            return {"passed": True}
    """)
    result = project.pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*did not finish within 200ms*caught the cancellation and kept running: abandoned*"])
    (record,) = _records(project.pytester)
    assert record["status"] == "timeout" and record["timeout"]["outcome"] == "abandoned"
    assert record["duration_ms"] < 30_000  # reported at its deadline, not after the 60 s it would take


def test_an_async_handler_blocking_its_loop_is_a_timeout(project):
    _spec(project, "      - {name: blocks, handler: blocks, timeout: 200ms}\n")
    project.handlers("""
        import threading

        @handler
        async def blocks():
            threading.Event().wait(30)  # synchronous: the loop cannot run a cancellation
    """)
    result = project.pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*did not finish within 200ms*its event loop is blocked*"])
    assert _records(project.pytester)[0]["duration_ms"] < 20_000


def test_a_handler_returning_after_its_deadline_is_a_timeout_not_a_pass(project):
    _spec(project, "      - {name: gil, handler: gil, timeout: 150ms}\n")
    project.handlers("""
        @handler
        def gil():
            return sum(range(40_000_000))  # one C call: holds the GIL, so the timer wakes only after it
    """)
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*handler 'gil' of beat 1.1 (gil) finished after *, past its 150ms timeout*"])
    (record,) = _records(project.pytester)
    assert record["status"] == "timeout" and record["timeout"]["outcome"] == "finished_late"
    assert "left running" not in result.stdout.str()


LATE = """
import threading

release, wrote = threading.Event(), threading.Event()

@handler
def abandoned(symphony):
    release.wait(10)
    symphony.emit("late-event")
    symphony.metric("late-metric", 1)
    symphony.state["late"] = True
    wrote.set()

@handler
def next_beat(symphony):
    release.set()
    assert wrote.wait(10)
    symphony.emit("mine")

@handler
def last(symphony):
    print("STATE", sorted(symphony.state))
"""


def test_writes_of_an_abandoned_attempt_are_dropped_and_counted(project):
    _spec(
        project,
        "      - {name: first, handler: abandoned, timeout: 100ms, critical: false}\n"
        "      - {name: second, handler: next_beat}\n"
        "      - {name: third, handler: last}\n",
    )
    project.handlers(LATE)
    result = project.run("-s")
    result.assert_outcomes(passed=2, failed=1)
    first, second, _ = _records(project.pytester)
    assert first["status"] == "timeout" and first["events"] == []
    assert [e["name"] for e in second["events"]] == ["mine"] and second["metrics"] == {}
    assert second["late_writes"] == {"events": 1, "metrics": 1, "state": 1}
    assert "STATE []" in result.stdout.str()


RETRY = """
import threading

starts = []
release = threading.Event()

@handler
def hangs():
    starts.append(1)
    print("START", len(starts))
    release.wait(30)
"""


@pytest.mark.parametrize("overlap,starts", [(False, 1), (True, 4)])
def test_a_retry_never_starts_beside_an_abandoned_attempt_unless_allowed(project, overlap, starts):
    flag = ", overlapRetries: true" if overlap else ""
    _spec(project, f"      - {{name: hangs, handler: hangs, timeout: 100ms, retries: 3{flag}}}\n")
    project.handlers(RETRY)
    project.pytester.makeconftest("def pytest_sessionfinish():\n    __import__('handlers').release.set()\n")
    result = project.run("-s")
    result.assert_outcomes(failed=1)
    assert result.stdout.str().count("START") == starts
    records = _records(project.pytester)
    assert len(records) == starts
    if not overlap:
        assert "no retry: attempt 1 was still running 100ms after its timeout" in records[0]["notes"][0]
    else:
        assert "attempt 1 still ran when attempt 2 started (overlapRetries: true)" in records[1]["notes"]


def test_a_retry_waits_for_the_abandoned_attempt_to_end(project):
    _spec(project, "      - {name: hangs, handler: once, timeout: 1s, retries: 1}\n")
    project.handlers("""
        import threading

        release = threading.Event()
        calls = []

        @handler
        def once():
            calls.append(1)
            if len(calls) == 1:
                release.wait(30)  # abandoned at its timeout; ends when the hook below releases it
    """)
    project.pytester.makeconftest(
        "def pytest_symphony_beat_error(exception):\n    __import__('handlers').release.set()\n"
    )
    project.run().assert_outcomes(passed=1)
    first, second = _records(project.pytester)
    assert (first["status"], second["status"]) == ("timeout", "passed")
    assert second["notes"][0].startswith("attempt 2 waited ") and second["notes"][0].endswith(" for attempt 1 to end")


# --------------------------------------------------------------------------- process


def test_the_process_method_stops_a_handler_blocked_in_c(project):
    _spec(
        project,
        "      - {name: stuck, handler: stuck, timeout: 300ms, timeout_method: process, critical: false}\n"
        "      - {name: after, handler: after}\n",
    )
    project.handlers("""
        import os, pathlib

        @handler
        def stuck():
            pathlib.Path("child.pid").write_text(str(os.getpid()))
            sum(range(10**12))  # C code holding the GIL: no thread timeout can stop it

        @handler
        def after():
            pass
    """)
    result = project.run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*did not finish within 300ms*its child process was stopped*"])
    pid = int((project.pytester.path / "child.pid").read_text())
    assert pid != os.getpid()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert _records(project.pytester)[0]["timeout"] == {
        "method": "process",
        "limit_ms": 300.0,
        "outcome": "killed",
        "elapsed_ms": _records(project.pytester)[0]["timeout"]["elapsed_ms"],
    }


def test_the_process_method_brings_back_results_state_events_and_metrics(project):
    _spec(
        project,
        "      - {name: child, handler: child, timeout: 20s, timeout_method: process, inputs: {n: 2}}\n"
        "      - {name: check, handler: check}\n",
    )
    project.handlers("""
        import os

        @handler
        def child(symphony, beat, tmp_path, n):
            symphony.emit("from-child", pid=os.getpid())
            symphony.metric("n", n)
            symphony.state["tmp"] = str(tmp_path)
            return {"beat": beat.name, "parent": os.getppid()}

        @handler
        def check(symphony):
            import os
            assert symphony.state["parent"] == os.getpid()
            assert symphony.state["beat"] == "child" and symphony.state["tmp"]
    """)
    project.run().assert_outcomes(passed=2)
    record = _records(project.pytester)[0]
    assert record["events"][0]["name"] == "from-child" and record["events"][0]["payload"]["pid"] != os.getpid()
    assert record["metrics"] == {"n": 2.0}


def test_the_process_method_names_a_fixture_that_cannot_be_sent(project):
    _spec(project, "      - {name: child, handler: child, timeout: 5s, timeout_method: process}\n")
    project.handlers("@handler\ndef child(request):\n    pass\n")
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*beat 1.1 (child) runs with `timeout_method: process`, but its handler's "
            "parameter 'request' (*) cannot be sent to a child process*"
        ]
    )


def test_the_ini_sets_the_default_timeout_method(project):
    project.ini("symphony_timeout_method = process")
    _spec(project, "      - {name: child, handler: child, timeout: 20s}\n")
    project.handlers(
        "import os\n\n@handler\ndef child():\n    return {'pid': os.getpid()}\n\n"
        "@handler\ndef skipper():\n    import pytest\n    pytest.skip('not today')\n"
    )
    project.pytester.makeconftest("""
        import os

        def pytest_symphony_after_beat(context, records):
            print("CHILD", context.state["pid"] != os.getpid())
    """)
    result = project.run("-s")
    result.assert_outcomes(passed=1)
    assert "CHILD True" in result.stdout.str()


def test_an_unknown_timeout_method_is_named(project):
    _spec(project, "      - {name: a, handler: a, timeout: 1s, timeout_method: signal}\n")
    project.handlers("@handler\ndef a():\n    pass\n")
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*sequences/t.yaml:5: beat 1.1 (a) asks for timeout_method 'signal'; use one of thread, process*"]
    )
