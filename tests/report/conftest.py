"""Fixtures for the report tests: synthetic histories and a real headless Chromium.

The browser is Debian's ``chromium``, driven over the DevTools protocol through
``--remote-debugging-pipe`` (file descriptors 3 and 4, NUL-separated JSON): no port,
no network, and every request the page makes is observed (``Network.requestWillBeSent``).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pytest_symphony.telemetry.records import make_attempt, make_event, make_run
from pytest_symphony.telemetry.store import HistoryStore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_TIMEOUT_S = 90
T0 = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)


# --------------------------------------------------------------------------- histories
class HistoryBuilder:
    """Writes runs of one or more sequences into a history file, beat by beat."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0

    def run(
        self,
        beats: dict,
        *,
        sequence: str = "release",
        run_id: str | None = None,
        commit: str | None = "c0ffee",
        spec_file: str = "sequences/release.yaml",
        spec_hash: str = "a" * 64,
        wall_ms: float | None = None,
        movement: str = "build",
    ) -> str:
        """``beats``: ``{slug: duration_ms | (duration_ms, status) | [(ms, status), ...attempts]}``."""
        started = T0 + timedelta(minutes=10 * self.count)
        run_id = run_id or f"run-{self.count:04d}"
        self.count += 1
        run = make_run(
            run_id,
            started_at=started.isoformat(),
            dynamic="mf",
            rootdir="/p",
            argv=["-q"],
            git_commit=commit,
            selected=[sequence],
        )
        if wall_ms is not None:
            run["ended_at"] = (started + timedelta(milliseconds=wall_ms)).isoformat()
            run["exit_status"] = 0
        records = []
        for n, (slug, spec) in enumerate(beats.items(), start=1):
            attempts = spec if isinstance(spec, list) else [spec if isinstance(spec, tuple) else (spec, "passed")]
            for a, (ms, status) in enumerate(attempts, start=1):
                records.append(
                    make_attempt(
                        run_id=run_id,
                        correlation_id=f"c-{run_id}",
                        sequence=sequence,
                        movement=movement,
                        movement_number=1,
                        beat=slug,
                        beat_number=n,
                        handler=f"do_{slug}",
                        started_at=started.isoformat(),
                        ended_at=started.isoformat(),
                        duration_ms=ms,
                        status=status,
                        attempt=a,
                        events=[make_event(f"{slug}:done", {"n": n}, started.isoformat())],
                        metrics={"files": n},
                        dynamic="mf",
                        spec_file=spec_file,
                        spec_line=n,
                        spec_hash=spec_hash,
                        nodeid=f"{spec_file}::{sequence}::{movement}::{slug}",
                    )
                )
        with HistoryStore(self.path) as store:
            store.begin_run(run)
            store.add_attempts(records)
            if wall_ms is not None:
                store.end_run(run_id, run["ended_at"], 0)
        return run_id


@pytest.fixture
def history(tmp_path: Path) -> HistoryBuilder:
    return HistoryBuilder(tmp_path / ".symphony" / "history.sqlite")


# --------------------------------------------------------------------------- browser
@dataclass
class PageVisit:
    """What a real browser saw: request URLs, errors, evaluated values, the screenshot."""

    url: str
    requests: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    screenshot: Path | None = None


class DevToolsPipe:
    """A minimal DevTools protocol client over Chromium's ``--remote-debugging-pipe``."""

    def __init__(self, user_data_dir: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds() -> None:  # in the child: our pipe ends become fds 3 (commands) and 4 (answers)
            read_end = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--mute-audio",
                "--hide-scrollbars",
                f"--user-data-dir={user_data_dir}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(3, 4),
            preexec_fn=wire_fds,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.deadline = time.monotonic() + BROWSER_TIMEOUT_S

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools {method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str) -> dict:
        for i, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            event = self._receive()
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)

    def _receive(self) -> dict:
        while b"\0" not in self._buffer:
            left = self.deadline - time.monotonic()
            ready, _, _ = select.select([self._from_browser], [], [], max(0.0, left))
            if not ready:
                raise TimeoutError(f"Chromium did not answer within {BROWSER_TIMEOUT_S}s")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace")[-2000:] if self.proc.stderr else ""
                raise RuntimeError(f"Chromium closed the DevTools pipe:\n{err}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                os.write(self._to_browser, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
                self.proc.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            for fd in (self._to_browser, self._from_browser):
                try:
                    os.close(fd)
                except OSError:
                    pass
            if self.proc.stderr:
                self.proc.stderr.close()


def visit(
    page: Path,
    tmp_path: Path,
    *,
    expressions: dict[str, str],
    screenshot: str | None = None,
    width: int = 1280,
    height: int = 900,
) -> PageVisit:
    """Open ``page`` from file:// in headless Chromium, evaluate ``expressions``, keep a screenshot."""
    url = page.resolve().as_uri()
    browser = DevToolsPipe(tmp_path / "chromium-profile")
    result = PageVisit(url)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Network", "Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        browser.send("Page.navigate", {"url": url}, session=session)
        browser.wait_for("Page.loadEventFired", session)
        for name, expression in expressions.items():
            reply = browser.send(
                "Runtime.evaluate",
                {"expression": expression, "returnByValue": True, "awaitPromise": True},
                session=session,
            )
            if "exceptionDetails" in reply:
                raise AssertionError(f"evaluating {name} failed: {reply['exceptionDetails']}")
            result.values[name] = reply["result"].get("value")
        if screenshot:
            shot = browser.send(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session
            )
            result.screenshot = tmp_path / screenshot
            result.screenshot.write_bytes(base64.b64decode(shot["data"]))
            print(f"screenshot: {result.screenshot}")
        for event in browser.events:
            params = event.get("params", {})
            if event.get("method") == "Network.requestWillBeSent":
                result.requests.append(params["request"]["url"])
            elif event.get("method") == "Runtime.exceptionThrown":
                result.exceptions.append(json.dumps(params.get("exceptionDetails", {}))[:500])
            elif event.get("method") == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                result.log_errors.append(params["entry"].get("text", ""))
    finally:
        browser.close()
    return result


@pytest.fixture
def chromium():
    if CHROMIUM is None:
        message = "Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI must run the dashboard in a real browser", pytrace=False)
        pytest.skip(message)
    return visit
