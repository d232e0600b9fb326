"""The exporter process beside the pytest run, and the run's end of its pipe.

Building spans and encoding them for OTLP costs a few hundred microseconds a beat with
the Python SDK, and importing the SDK and its exporter about half a second: as much as
the beats themselves.  So the export runs in a process of its own, on another core.  The
controller writes each report's records to its standard input, one frame per report: a
kind byte, a 4-byte length, the records in ``marshal``'s format (about 2 us; both ends
are the same interpreter) or, when an event carries an object marshal cannot write, in
JSON.  That is the only cost the run itself pays.  The process builds and sends spans
as beats complete; when the run closes the pipe it sends what is left and writes its
``ExportOutcome`` as one JSON line on its standard output.  The run waits for that,
within a bound.

The process reads its input in a thread of its own from the start, before it imports
the SDK, so the run never waits on a full pipe, however slow the collector.
"""

from __future__ import annotations

import json
import marshal
import os
import queue
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from .outcome import ExportOutcome

_HEADER = struct.Struct("!cI")  # kind (b"m": marshal, b"j": JSON), payload length
#: Seconds without records after which the spans waiting for a full batch are sent.
IDLE_FLUSH_S = 1.0
#: A process group of its own: Ctrl-C, which reaches the terminal's whole group, is the run's
#: to handle; the run still ends its session and closes the pipe, so an interrupted run's
#: beats are exported too.
_OWN_GROUP: dict[str, Any]
if sys.platform == "win32":
    _OWN_GROUP = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
else:
    _OWN_GROUP = {"start_new_session": True}


class Sidecar:
    """The run's end: starts the exporter process on the first records, feeds it, collects its outcome."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.process: subprocess.Popen[bytes] | None = None
        self.problem: str | None = None  # the process could not start or stopped reading
        self._errors: IO[bytes] | None = None

    def send(self, records: list[dict[str, Any]]) -> None:
        if self.problem:
            return
        if self.process is None:
            self._start()
            if self.problem:
                return
        try:
            kind, payload = b"m", marshal.dumps(records)
        except ValueError:  # an event payload holds an object of the handler's: as the JSONL shows it
            kind, payload = b"j", json.dumps(records, default=str, ensure_ascii=False).encode("utf-8")
        try:
            self.process.stdin.write(_HEADER.pack(kind, len(payload)) + payload)  # type: ignore[union-attr]
        except OSError as exc:  # the process died: its exit status and output tell why, at finish
            self.problem = f"the exporter process stopped reading ({type(exc).__name__})"

    def finish(self, wait: float) -> ExportOutcome | None:
        """Close the pipe and wait up to ``wait`` seconds for the outcome (None: nothing was sent)."""
        process = self.process
        if process is None:
            return ExportOutcome(problem=self.problem) if self.problem else None
        self.process = None
        try:
            out, _ = process.communicate(timeout=wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return ExportOutcome(problem=f"the export did not finish within {wait:g}s and was stopped")
        except OSError:  # the pipe broke on the last flush: the process is gone
            process.wait()
            out = b""
        lines = out.decode("utf-8", "replace").strip().splitlines()
        try:
            return ExportOutcome.from_json(lines[-1])
        except (IndexError, ValueError, TypeError):
            return ExportOutcome(
                problem=f"the exporter process ended with status {process.returncode}: "
                f"{self._last_error() or 'no outcome'}"
            )
        finally:
            self._close_errors()

    def stop(self) -> None:
        """End the process without waiting for its export (the session ended without finishing)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        self._close_errors()

    def _start(self) -> None:
        # this copy of the plugin, found also when the run imported it from a path of its own
        # (appended, so nothing there shadows the standard library)
        code = (
            f"import sys; sys.path.append({str(Path(__file__).resolve().parents[2])!r}); "
            f"from pytest_symphony.otel.sidecar import main; main({self.version!r})"
        )
        self._errors = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._errors,
                bufsize=1 << 16,
                **_OWN_GROUP,
            )
        except OSError as exc:
            self.problem = f"cannot start the exporter process: {exc}"

    def _last_error(self) -> str:
        if self._errors is None:
            return ""
        self._errors.seek(0)
        lines = self._errors.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""

    def _close_errors(self) -> None:
        if self._errors is not None:
            self._errors.close()
            self._errors = None


def main(version: str) -> None:
    """The exporter process: records from standard input, the outcome to standard output."""
    frames: queue.SimpleQueue[tuple[bytes, bytes] | None] = queue.SimpleQueue()
    threading.Thread(target=_read, args=(sys.stdin.buffer, frames), name="symphony-otel-input", daemon=True).start()
    from .export import Exporter  # the SDK loads while the first records queue

    try:
        exporter = Exporter(version)
        while True:
            try:
                frame = frames.get(timeout=IDLE_FLUSH_S)
            except queue.Empty:  # a lull (a long beat): what is complete goes out now, not at the end
                exporter.flush()
                continue
            if frame is None:
                break
            kind, payload = frame
            records = marshal.loads(payload) if kind == b"m" else json.loads(payload)
            for record in records if isinstance(records, list) else ():
                exporter.add(record)
        outcome = exporter.finish()
    except Exception as exc:  # reported to the run, which warns: never its failure
        outcome = ExportOutcome(problem=f"export failed: {type(exc).__name__}: {exc}")
    outcome.cpu_seconds = round(sum(os.times()[:2]), 3)
    sys.stdout.write(outcome.to_json() + "\n")
    sys.stdout.flush()
    os._exit(0)  # the run waits for this process to end: skip the interpreter's teardown


def _read(stream: IO[bytes], frames: queue.SimpleQueue[tuple[bytes, bytes] | None]) -> None:
    """Frames from ``stream`` to ``frames`` until the run closes the pipe (then None)."""
    while len(header := stream.read(_HEADER.size)) == _HEADER.size:
        kind, size = _HEADER.unpack(header)
        payload = stream.read(size)
        if len(payload) < size:
            break
        frames.put((kind, payload))
    frames.put(None)
