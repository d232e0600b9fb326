"""The run's record: telemetry to the writer (controller only), the summary's counts, the files written.

A plugin of its own: it takes every report's records once the other hooks have read them
(the report then lets go of them), closes the writer at the session's end (before the areas
that read the history then), and says at the end of the terminal summary which files the run wrote.
"""

from __future__ import annotations

import getpass
import os
import platform
import socket
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generator

import pytest

from .run import SymphonyRun
from .runtime.context import WROTE
from .summary import RunSummary

if TYPE_CHECKING:
    from .resume import Resume
    from .telemetry.records import RunRecord
    from .telemetry.writer import TelemetryWriter


class RunRecorder:
    def __init__(self, config: pytest.Config, run: SymphonyRun, resume: "Resume | None") -> None:
        self.config = config
        self.run = run
        self.resume = resume
        self.summary = RunSummary()
        self.writer: TelemetryWriter | None = None
        self.written: list[str] = []  # files asked for (reports, scaffolds), listed at the end of the summary
        self.telemetry_written: list[str] = []  # the run's telemetry files: one line, or listed with -v

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Generator[None, None, None]:
        """A report's records, once every other hook has read them (pytest-html, xdist's transport,
        the OpenTelemetry export): recorded, and the report lets go of them, as the terminal
        reporter keeps every report to the end of the session."""
        try:
            return (yield)
        finally:
            records = report.__dict__.pop("symphony", None)
            if records:
                self.record(records)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Not trylast: the areas that read this run back from the history run after it."""
        self.close(exitstatus)

    @property
    def history_path(self) -> Path:
        return self.writer.history_path if self.writer is not None else self.run.history_path

    def record(self, records: list[dict[str, Any]]) -> None:
        if self.run.is_worker:
            return
        if self.writer is None:
            from .telemetry.writer import TelemetryWriter

            self.writer = TelemetryWriter(self.run.symphony_dir, self.run_record())
        for rec in records:
            self.writer.add(rec)
            self.summary.add(rec)
            for event in rec.get("events") or ():
                if event.get("name") == WROTE and event.get("payload", {}).get("path"):
                    self.add_written(Path(event["payload"]["path"]).resolve())

    def add_written(self, path: str | Path) -> None:
        """A file the run wrote that the user asked for: listed at the end of the summary, once."""
        shown = self.run.relative(path)
        if shown not in self.written:
            self.written.append(shown)

    def run_record(self) -> RunRecord:
        run = self.run
        resumed_from = sorted(self.resume.resumed_from) if self.resume is not None else []
        return {
            "run_id": run.run_id,
            "started_at": run.started_at,
            "dynamic": run.dynamic,
            "rootdir": str(run.rootpath),
            "argv": list(self.config.invocation_params.args),
            "user": _user(),
            "host": socket.gethostname(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "git_commit": _git_commit(run.rootpath),
            "selected": list(run.selected),
            "resumed_from": ",".join(resumed_from) or None,
        }

    def close(self, exitstatus: int) -> None:
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.close(int(exitstatus))
            self.telemetry_written = [self.run.relative(writer.jsonl_path), self.run.relative(writer.history_path)]

    def written_lines(self, verbose: bool) -> list[str]:
        """The end of the terminal summary: the files asked for, then where the run was recorded.

        Telemetry files are one line naming the run folder, unless ``-v`` asks for each or the
        run wrote files asked for (reports, scaffolds): then every file written is listed.
        """
        lines = [f"symphony: wrote {path}" for path in self.written]
        if verbose or self.written:
            lines += [f"symphony: wrote {path}" for path in self.telemetry_written]
        elif self.telemetry_written:
            folder = self.run.relative(self.run.run_dir)
            lines.append(
                f"symphony: run {self.run.run_id} recorded in {folder}/ and {self.telemetry_written[-1]} "
                "(-v lists the files)"
            )
        return lines


def _git_commit(root: Path) -> str | None:
    """The commit the run saw, for lineage; None outside a git work tree."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return os.environ.get("USER", "unknown")
