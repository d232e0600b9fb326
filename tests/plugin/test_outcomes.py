"""pytest's own outcomes keep their meaning in a beat: never retried, never a plain failure."""

import json

import pytest

HANDLERS = """
import pathlib
import pytest

def _count():  # a file, so attempts in a child process count too
    with open("attempts.txt", "a") as f:
        f.write("1")

@handler
def skips():
    _count()
    pytest.skip("not on this platform")

@handler
def xfails():
    _count()
    pytest.xfail("known bug #12")

@handler
def fails():
    _count()
    pytest.fail("the release notes are missing", pytrace=False)

@handler
def exits():
    _count()
    pytest.exit("stop the line")

@handler
def interrupted():
    _count()
    raise KeyboardInterrupt

@handler
def after():
    print("AFTER RAN")
"""


def _attempts(pytester) -> int:
    path = pytester.path / "attempts.txt"
    return len(path.read_text()) if path.exists() else 0


def _records(pytester):
    paths = list((pytester.path / ".symphony" / "runs").glob("*/telemetry.jsonl"))
    return [json.loads(line) for path in paths for line in path.read_text().splitlines()]


def _spec(project, handler: str, timeout: str) -> None:
    project.spec(
        "o.yaml",
        f"""
        id: o
        movements:
          - name: m
            beats:
              - {{name: a, handler: {handler}, retries: 2{timeout}}}
              - {{name: b, handler: after}}
    """,
    )


TIMEOUTS = pytest.mark.parametrize(
    "timeout",
    ["", ", timeout: 10s", ", timeout: 20s, timeout_method: process"],
    ids=["same-thread", "thread", "process"],
)


@TIMEOUTS
def test_skip_is_a_skip_not_retried(project, timeout):
    _spec(project, "skips", timeout)
    project.handlers(HANDLERS)
    result = project.run("-s", "-rs")
    result.assert_outcomes(skipped=1, passed=1)
    assert _attempts(project.pytester) == 1 and "AFTER RAN" in result.stdout.str()
    first = _records(project.pytester)[0]
    assert (first["status"], first["error"]) == ("skipped", "not on this platform")


@TIMEOUTS
def test_xfail_is_an_xfail_not_retried(project, timeout):
    _spec(project, "xfails", timeout)
    project.handlers(HANDLERS)
    result = project.run("-s")
    result.assert_outcomes(xfailed=1, passed=1)
    assert _attempts(project.pytester) == 1
    assert _records(project.pytester)[0]["status"] == "skipped"


@TIMEOUTS
def test_fail_is_a_failure_at_once_not_retried(project, timeout):
    _spec(project, "fails", timeout)
    project.handlers(HANDLERS)
    result = project.run("-s")
    result.assert_outcomes(failed=1, skipped=1)
    assert _attempts(project.pytester) == 1
    result.stdout.fnmatch_lines(["*the release notes are missing*"])
    records = _records(project.pytester)
    assert [(r["attempt"], r["status"]) for r in records] == [(1, "failed"), (0, "skipped")]
    assert records[0]["error"] == "the release notes are missing"


@TIMEOUTS
def test_exit_stops_the_session_not_retried(project, timeout):
    _spec(project, "exits", timeout)
    project.handlers(HANDLERS)
    result = project.run("-s")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*Exit: stop the line*"])
    assert _attempts(project.pytester) == 1 and "AFTER RAN" not in result.stdout.str()


@pytest.mark.parametrize("timeout", ["", ", timeout: 10s"], ids=["same-thread", "thread"])
def test_keyboard_interrupt_stops_the_session_not_retried(project, timeout):
    _spec(project, "interrupted", timeout)
    project.handlers(HANDLERS)
    result = project.pytester.runpytest_subprocess("-s")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert _attempts(project.pytester) == 1 and "AFTER RAN" not in result.stdout.str()


def test_pytest_timeout_limits_the_whole_beat_and_is_not_retried(project):
    """pytest-timeout's limit fails the beat at once; the beat's retries do not restart it."""
    pytest.importorskip("pytest_timeout")
    project.spec(
        "o.yaml",
        """
        id: o
        movements:
          - name: m
            beats:
              - {name: slow, handler: slow, retries: 3}
    """,
    )
    project.handlers("""
        import threading

        @handler
        def slow():
            open("attempts.txt", "a").write("1")
            threading.Event().wait(4)  # each attempt would take 4 s: four of them 16 s
    """)
    result = project.pytester.runpytest_subprocess("-s", "--timeout=1", "--timeout-method=signal")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Timeout (>1.0s) from pytest-timeout*"])
    assert _attempts(project.pytester) == 1
    (record,) = _records(project.pytester)
    assert record["status"] == "failed" and record["error"].startswith("Timeout")
