"""Ending a command and every process it started: commands run in a session of their own
(``start_new_session``), so a timeout or an interrupt kills the whole group, not only the
shell at its head.  Command beats, the build's commands and the delivery kit's share it.
"""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any

__all__ = ["kill_process_group"]


def kill_process_group(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL ``proc``'s process group (POSIX; elsewhere ``proc`` itself); gone already is fine."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - not run on this project's machines
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
