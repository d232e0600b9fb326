"""Command beats: a beat that is a process (``run:``, or a declared handler's ``script``).

How a team plugs its real deploy or smoke command into a pipeline without writing Python.
The process's output goes, line by line as it comes, to the test's stdout (pytest shows it
on failure, live under ``-s``) and to a log in the run folder; its exit status is the
beat's outcome.  A timeout kills the whole process group, so nothing is left running.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from ..errors import BeatTimeout, SymphonyError

from ..process_group import kill_process_group
from ..score.model import Command

TAIL_LINES = 20


class CommandFailed(SymphonyError):
    """The process of a command beat exited with a status other than 0."""


class CommandRunner:
    """The handler of a command beat: runs ``command`` in ``rootdir``, within ``timeout_s``."""

    def __init__(self, command: Command, rootdir: Path, timeout_s: float | None, where: str) -> None:
        self.command = command
        self.rootdir = rootdir
        self.timeout_s = timeout_s
        self.where = where  # spec file:line, for messages
        self.__name__ = "run"

    def __call__(self, symphony: Any, beat: Any) -> dict[str, Any]:
        argv = self.argv()
        cwd = (self.rootdir / self.command.cwd).resolve() if self.command.cwd else self.rootdir
        log_path = symphony.log_path(beat)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.command.env}
        start = time.monotonic()
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        try:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            raise CommandFailed(f"{self.where}: cannot start `{self.command.display}` in {cwd}: {exc}") from None
        timer = threading.Timer(self.timeout_s, kill_process_group, (proc,)) if self.timeout_s else None
        if timer is not None:
            timer.start()
        try:
            with log_path.open("w", encoding="utf-8") as log:
                assert proc.stdout is not None
                for line in proc.stdout:
                    log.write(line)
                    tail.append(line.rstrip("\n"))
                    sys.stdout.write(line)
            code = proc.wait()
        finally:
            if timer is not None:
                timer.cancel()
            if proc.poll() is None:
                kill_process_group(proc)
                proc.wait()
        elapsed = time.monotonic() - start
        shown = "\n".join(f"  | {line}" for line in tail)
        if self.timeout_s and elapsed >= self.timeout_s and code != 0:
            raise BeatTimeout(
                f"{self.where}: `{self.command.display}` was stopped at its timeout of "
                f"{self.timeout_s:g}s (the process group was killed)\n{shown}\n  log: {log_path}"
            )
        if code != 0:
            raise CommandFailed(
                f"{self.where}: `{self.command.display}` exited with status {code}"
                f"{':' if shown else ''}\n{shown}\n  log: {log_path}"
            )
        return {}

    def argv(self) -> list[str] | str:
        command = self.command
        if command.shell is not None:
            return ["/bin/sh", "-c", command.shell]
        head = {"python": [sys.executable], "node": ["node"], "sh": ["/bin/sh"]}.get(command.interpreter or "", [])
        return [*head, *(command.argv or ())]
