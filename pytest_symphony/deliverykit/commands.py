"""Running a project's own commands (deploy, smoke, health): logged, timed out, never hanging.

A string runs through the shell, a list does not.  The whole output goes to a log file
when one is given; the result keeps the last lines for messages.  A command that runs
past its timeout is stopped with its whole process group.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..process_group import kill_process_group

__all__ = ["CommandResult", "display_command", "run_command"]

TAIL_LINES = 40


@dataclass(frozen=True)
class CommandResult:
    command: str | tuple[str, ...]
    returncode: int | None  #: None when it timed out or could not start
    output_tail: str
    duration: float
    log_path: Path | None = None
    reason: str = ""  #: why it has no return code

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        status = f"exited with code {self.returncode}" if self.returncode is not None else self.reason
        where = f"; full log: {self.log_path}" if self.log_path else ""
        return f"{display_command(self.command)!r} {status}{where}\n{self.output_tail.rstrip()}"

    def to_json(self) -> dict[str, Any]:
        return {
            "command": display_command(self.command),
            "returncode": self.returncode,
            "duration": self.duration,
            "log_path": str(self.log_path) if self.log_path else None,
            "reason": self.reason,
        }


def display_command(command: str | Sequence[str]) -> str:
    return command if isinstance(command, str) else " ".join(command)


def run_command(
    command: str | Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float | None = 600,
    log_path: Path | None = None,
) -> CommandResult:
    """Run ``command`` in ``cwd``; never raises for a failing or hanging command."""
    shell = isinstance(command, str)
    cmd: str | list[str] = command if isinstance(command, str) else list(command)
    shown: str | tuple[str, ...] = command if isinstance(command, str) else tuple(command)
    started = time.monotonic()
    full_env = dict(os.environ if env is None else env)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w", encoding="utf-8", errors="replace") if log_path else None
    try:
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                env=full_env,
                shell=shell,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            return CommandResult(shown, None, "", time.monotonic() - started, log_path, f"could not start: {exc}")
        try:
            output, _ = proc.communicate(timeout=timeout)
            reason = ""
        except subprocess.TimeoutExpired:
            kill_process_group(proc)
            output, _ = proc.communicate()
            reason = f"ran longer than {timeout:g} s and was stopped"
        if log is not None:
            log.write(output or "")
        tail.extend((output or "").splitlines())
        code = proc.returncode if not reason else None
        return CommandResult(shown, code, "\n".join(tail), time.monotonic() - started, log_path, reason)
    finally:
        if log is not None:
            log.close()
