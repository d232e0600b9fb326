"""Running the build's subprocesses: whole output to a log, live lines to a callback, a timeout that kills.

Every command's stdout and stderr go, line by line, to its log file (or to memory when no
log is asked for) and to an optional ``on_line`` callback, which the build symphony uses to
show a live progress line.  A command that outlives its timeout is killed with its whole
process group, so no backend process is left behind.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections import deque
from pathlib import Path
from typing import IO, Callable, Mapping, Sequence

from ..process_group import kill_process_group

__all__ = ["LOG_TAIL_LINES", "LineCallback", "log_tail", "run_logged"]

#: How many last lines of a log a failure carries.
LOG_TAIL_LINES = 60

#: Called with each line a command prints (without its line end).
LineCallback = Callable[[str], None]


def log_tail(text_or_path: str | Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a log given as text or as a file path."""
    if isinstance(text_or_path, Path):
        with open(text_or_path, encoding="utf-8", errors="replace") as fh:
            return "".join(deque(fh, maxlen=lines))
    return "\n".join(text_or_path.splitlines()[-lines:])


def run_logged(
    cmd: Sequence[str] | str,
    *,
    cwd: Path,
    log_path: Path | None,
    header: str,
    timeout: float | None,
    shell: bool = False,
    env: dict[str, str] | None = None,
    on_line: LineCallback | None = None,
) -> tuple[int | None, str, str | None]:
    """Run ``cmd`` with stdout+stderr into the log; returns (returncode, tail, whole log or None).

    ``returncode`` is ``None`` when the command timed out or could not be started.  The
    whole log is returned only when no ``log_path`` was given.
    """
    proc_env = dict(os.environ if env is None else env)
    proc_env.setdefault("PYTHONUNBUFFERED", "1")
    kept: list[str] = []
    if log_path is not None:
        log_path = Path(log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(header)
            fh.flush()
            code = _spawn(cmd, cwd=cwd, write=fh.write, on_line=on_line, timeout=timeout, shell=shell, env=proc_env)
            if isinstance(code, str):
                fh.write(f"\n{code}\n")
        return (None if isinstance(code, str) else code), log_tail(log_path), None
    kept.append(header)
    code = _spawn(cmd, cwd=cwd, write=kept.append, on_line=on_line, timeout=timeout, shell=shell, env=proc_env)
    if isinstance(code, str):
        kept.append(f"\n{code}\n")
    text = "".join(kept)
    return (None if isinstance(code, str) else code), log_tail(text), text


def _spawn(
    cmd: Sequence[str] | str,
    *,
    cwd: Path,
    write: Callable[[str], object],
    on_line: LineCallback | None,
    timeout: float | None,
    shell: bool,
    env: Mapping[str, str],
) -> int | str:
    """Run one command, copying its output as it comes; a string result says why it did not finish."""
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            shell=shell,
            env=env,
            start_new_session=os.name == "posix",
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError as exc:
        return f"could not start the command: {exc}"
    reader = threading.Thread(
        target=_copy_lines, args=(proc.stdout, write, on_line), daemon=True, name="symphony-build-output"
    )
    reader.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_process_group(proc)
        proc.wait()
        reader.join(10)
        return f"TIMEOUT: the command ran longer than {timeout} s and was stopped"
    except BaseException:
        kill_process_group(proc)
        proc.wait()
        raise
    reader.join()
    return proc.returncode


def _copy_lines(stream: IO[str], write: Callable[[str], object], on_line: LineCallback | None) -> None:
    with stream:
        for line in stream:
            write(line)
            if on_line is not None:
                try:
                    on_line(line.rstrip("\r\n"))
                except Exception:  # noqa: BLE001 - a broken progress display never breaks a build
                    on_line = None
