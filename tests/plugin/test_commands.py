"""Command beats: ``run:`` (a shell string or an argv list) and declared ``script`` handlers."""

from __future__ import annotations

import json
import sys
import time

import pytest


def _log(project, name: str) -> str:
    (log,) = (project.pytester.path / ".symphony" / "runs").glob(f"*/logs/cmd/{name}.log")
    return log.read_text()


def test_a_run_string_goes_through_the_shell_and_its_output_is_logged(project):
    project.spec(
        "cmd.yaml",
        """
        id: cmd
        movements:
          - name: Check
            beats:
              - {name: Greet, run: "echo hello && echo \\"$GREETING from $(basename $PWD)\\"", cwd: sub,
                 env: {GREETING: hi}}
    """,
    )
    project.pytester.mkdir("sub")
    project.handlers("")
    result = project.run("-v")
    result.stdout.fnmatch_lines(["sequences/cmd.yaml::cmd::check::greet PASSED*"])
    assert _log(project, "1.1-greet") == "hello\nhi from sub\n"


def test_a_failing_command_fails_its_beat_with_the_status_and_the_last_lines(project):
    project.spec(
        "cmd.yaml",
        f"""
        id: cmd
        movements:
          - name: Check
            beats:
              - name: Boom
                run: ["{sys.executable}", "-c", "import sys; print('about to fail'); sys.exit(3)"]
              - {{name: After, run: "true"}}
    """,
    )
    project.handlers("")
    result = project.run("-v")
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            f"*sequences/cmd.yaml:5: `{sys.executable} -c import sys; print('about to fail'); sys.exit(3)` "
            "exited with status 3:",
            "*| about to fail",
            "*log: *logs/cmd/1.1-boom.log",
        ]
    )


def test_a_command_past_its_timeout_is_killed_with_its_children(project):
    project.spec(
        "cmd.yaml",
        """
        id: cmd
        movements:
          - name: Check
            beats:
              - {name: Hang, run: "sleep 60 & sleep 60", timeout: 300ms}
    """,
    )
    project.handlers("")
    start = time.monotonic()
    result = project.run("-v")
    assert time.monotonic() - start < 30
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*`sleep 60 & sleep 60` was stopped at its timeout of 0.3s (the process group was killed)*"]
    )


def test_a_retried_command_records_every_attempt(project):
    project.spec(
        "cmd.yaml",
        f"""
        id: cmd
        movements:
          - name: Check
            beats:
              - name: Flaky
                retries: 1
                run: ["{sys.executable}", "-c", "import os, sys; sys.exit(0 if os.path.exists('seen') else open('seen', 'w') and 1)"]
    """,
    )
    project.handlers("")
    project.run("-q").assert_outcomes(passed=1)
    (jsonl,) = (project.pytester.path / ".symphony" / "runs").glob("*/telemetry.jsonl")
    statuses = [json.loads(line)["status"] for line in jsonl.read_text().splitlines()]
    assert statuses == ["failed", "passed"]


def test_a_declared_script_handler_runs_as_a_command(project):
    """The origin system's shape: top-level ``handlers: {id: {script, method, ...}}``."""
    project.spec(
        "cmd.json",
        json.dumps(
            {
                "id": "cmd",
                "handlers": {"snapshot": {"script": "scripts/snap.py", "method": "create", "timeout": 20000}},
                "movements": [{"name": "Prep", "beats": [{"name": "Snapshot", "handler": "snapshot"}]}],
            }
        ),
    )
    project.pytester.mkdir("scripts")
    (project.pytester.path / "scripts" / "snap.py").write_text(
        "import sys\nprint('snapshot', sys.argv[1])\nopen('snapshot.done', 'w').write(sys.argv[1])\n"
    )
    project.handlers("")
    result = project.run("-v")
    result.stdout.fnmatch_lines(["sequences/cmd.json::cmd::prep::snapshot PASSED*"])
    assert (project.pytester.path / "snapshot.done").read_text() == "create"


def test_a_beat_with_run_and_a_handler_is_an_error(project):
    project.spec(
        "cmd.yaml",
        """
        id: cmd
        movements:
          - name: Check
            beats:
              - {name: Both, run: "true", handler: something}
    """,
    )
    project.handlers("")
    result = project.run("-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*beat 1.1 'Both' has both `run` and a handler; a beat runs one of the two"])


def test_a_run_that_is_not_a_command_is_a_spec_error(project):
    project.spec("cmd.yaml", "id: cmd\nmovements:\n  - name: M\n    beats:\n      - {name: Bad, run: 3}\n")
    project.handlers("")
    result = project.run("-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*sequences/cmd.yaml:5: movements/0/beats/0/run: must be a command: a string "
            "(run by the shell) or a list of arguments"
        ]
    )


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell")
def test_the_output_streams_live_with_s(project):
    project.spec(
        "cmd.yaml", 'id: cmd\nmovements:\n  - name: M\n    beats:\n      - {name: Say, run: "echo live line"}\n'
    )
    project.handlers("")
    result = project.run("-s", "-q")
    result.stdout.fnmatch_lines(["live line"])
