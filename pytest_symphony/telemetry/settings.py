"""How telemetry is kept: run folders to keep, how long to wait for a busy history, how often to flush.

The session builds its :class:`~.writer.TelemetryWriter` from the symphony folder and the
run record alone; the telemetry area's plugin (:mod:`.plugin`) reads the ini options at
configure time and files them here under that folder, where the writer looks them up.
Without the plugin the defaults apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Run folders kept under ``<symphony_dir>/runs`` unless ini ``symphony_keep_runs`` says.
DEFAULT_KEEP_RUNS = 30


@dataclass(frozen=True)
class TelemetrySettings:
    keep_runs: int = DEFAULT_KEEP_RUNS  # ini symphony_keep_runs; 0 keeps every run folder
    busy_timeout_s: float = 10.0  # ini symphony_history_timeout: longest wait for the write lock
    flush_seconds: float = 2.0  # records reach SQLite at least this often (and every N records)


_BY_DIR: dict[Path, TelemetrySettings] = {}


def _key(symphony_dir: str | Path) -> Path:
    return Path(symphony_dir).resolve()


def register(symphony_dir: str | Path, settings: TelemetrySettings) -> None:
    _BY_DIR[_key(symphony_dir)] = settings


def unregister(symphony_dir: str | Path) -> None:
    _BY_DIR.pop(_key(symphony_dir), None)


def for_dir(symphony_dir: str | Path) -> TelemetrySettings:
    """The settings filed for ``symphony_dir``, else the defaults."""
    return _BY_DIR.get(_key(symphony_dir), TelemetrySettings())


__all__ = ["DEFAULT_KEEP_RUNS", "TelemetrySettings", "for_dir", "register", "unregister"]
