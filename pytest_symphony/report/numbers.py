"""How figures read in every format (Markdown, dashboard): percentages, durations, trends, run counts.

One place, so the Markdown report and the dashboard always show a number the same way."""

from __future__ import annotations

from typing import Any, Mapping


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def ms(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.1f} ms" if value >= 1 else f"{value:.2f} ms"


def signed(value: float | None, unit: str = "%") -> str:
    return "–" if value is None else f"{value:+.1f}{unit}"


def runs_text(hist: Mapping[str, Any]) -> str:
    """``12 run(s)``, or ``the newest 1000 of 10000 runs`` when the report looked at a window."""
    total = hist.get("runs_in_history", hist["runs"])
    return f"{hist['runs']} run(s)" if total <= hist["runs"] else f"the newest {hist['runs']} of {total} runs"
