"""A live progress line for long beats, drawn through pytest's terminal reporter.

Like pip's and build's own progress, it is one line rewritten in place: what is being
done, the time it has taken, and the last line the tool printed.  It shows only where a
person watches: a terminal, not ``-q``, not an xdist worker (whose output nobody sees
live).  While a test runs pytest captures output, so every draw suspends the capture
for its few bytes, as pytest's live logging does.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING, Callable, ContextManager, Iterator

import pytest

if TYPE_CHECKING:
    from _pytest.capture import CaptureManager  # annotation only: pytest exports no name for it

#: Redraw at most this often (seconds): a chatty backend must not slow down its own build.
REDRAW_S = 0.1


class LiveLine:
    """``__call__(line)`` with each output line; ``close()`` erases the live line."""

    def __init__(self, reporter: pytest.TerminalReporter, capture: CaptureManager | None, label: str) -> None:
        self._reporter = reporter
        self._capture = capture
        self._label = label
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._last_line = ""
        self._shown = False
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        if line.strip():
            self._last_line = line.strip()
        now = time.monotonic()
        if now - self._last_draw < REDRAW_S:
            return
        self._last_draw = now
        self._draw(self._text(now))

    def _text(self, now: float) -> str:
        width = max(20, self._reporter._tw.fullwidth - 1)
        text = f"  {self._label} [{now - self._started:5.1f}s] {self._last_line}"
        return text if len(text) <= width else text[: width - 3] + "..."

    def _draw(self, text: str, *, final: bool = False) -> None:
        with self._lock, self._suspended():
            if not self._shown:
                self._reporter.write("\n")  # off the line pytest is writing (a node id, or dots)
                self._shown = True
            self._reporter.rewrite(text, erase=True)
            if final and self._reporter.verbosity > 0:
                self._reporter.currentfspath = None  # pytest repeats the node id on a fresh line
            elif final:
                self._reporter.write("\n")

    def close(self) -> None:
        if self._shown:
            self._draw(f"  {self._label} done in {time.monotonic() - self._started:.1f}s", final=True)

    def _suspended(self) -> ContextManager[None]:
        if self._capture is None:
            return contextlib.nullcontext()
        return self._capture.global_and_fixture_disabled()


def _isatty(reporter: pytest.TerminalReporter) -> bool:
    flag = reporter.isatty  # a method from pytest 8.4 on, a plain bool before
    return bool(flag() if callable(flag) else flag)


@contextlib.contextmanager
def live_line(config: pytest.Config, label: str) -> Iterator[Callable[[str], None] | None]:
    """A :class:`LiveLine` when a person watches this run's terminal, else ``None``."""
    reporter: pytest.TerminalReporter | None = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or hasattr(config, "workerinput") or config.get_verbosity() < 0 or not _isatty(reporter):
        yield None
        return
    line = LiveLine(reporter, config.pluginmanager.get_plugin("capturemanager"), label)
    try:
        yield line
    finally:
        line.close()
