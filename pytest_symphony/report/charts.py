"""The dashboard's line charts as geometry: where every axis, line, point and label goes.

Numbers only: ``templates/dashboard/chart.html.j2`` turns a :class:`LineChart` into inline SVG
(the page reads the same with scripts off), and ``data`` is what the page's script reads
for its tooltips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .numbers import ms, pct

#: Chart geometry (SVG user units).
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 220, 60, 12, 14, 30
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
SERIES_COLORS = ("#3b5bdb", "#1f9d55", "#c2255c", "#e67700", "#0c8599", "#7048e8")
#: Band bounds drawn as grid lines on 0-1 score charts.
BAND_BOUNDS = (0.95, 0.85, 0.75, 0.65)
#: Runs up to which every point gets a dot (beyond, the lines alone read better).
MAX_DOTS = 60


@dataclass
class Segment:
    """An unbroken stretch of a line: its SVG ``points`` text, and its points for dots (few runs only)."""

    points: str
    count: int
    dots: list[tuple[str, str]]


@dataclass
class Line:
    """One series: its colour, its polylines (a missing value breaks the line), its last value."""

    label: str
    color: str
    segments: list[Segment]
    last: float | None
    shown_last: str


@dataclass
class LineChart:
    name: str
    title: str
    runs: int
    lines: list[Line]
    top_label: str
    bottom_label: str
    grid: list[tuple[str, str, str]] = field(default_factory=list)  # (y, y of its text, bound text)
    first_run: str | None = None
    last_run: str | None = None
    value_labels: list[tuple[str, str, float, str]] = field(default_factory=list)  # (y, label, value, shown)
    empty: bool = False
    dots: bool = True
    data: dict[str, Any] = field(default_factory=dict)
    # geometry the template needs
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    top: int = TOP
    bottom_y: int = TOP + PLOT_H


def formatter(unit: str) -> Callable[[float | None], str]:
    return {"ms": ms, "%": pct}.get(unit, lambda v: "–" if v is None else f"{v:.2f}")


def line_chart(
    name: str,
    title: str,
    unit: str,
    ids: list[str],
    when: list[str],
    series: list[tuple[str, list[float | None]]],
    fixed: tuple[float, float] | None = None,
    bands: bool = False,
) -> LineChart:
    """Runs along x (oldest left), ``series`` values up y: fixed bounds, else 0 to 110% of the largest."""
    values = [v for _n, vals in series for v in vals if v is not None]
    lo, hi = fixed or (0.0, (max(values) * 1.1 if values else 1.0) or 1.0)
    n = len(ids)
    fmt = formatter(unit)

    def x(i: int) -> float:
        return LEFT + PLOT_W / 2 if n == 1 else LEFT + i * PLOT_W / (n - 1)

    def y(v: float) -> float:
        return TOP + PLOT_H * (1 - (v - lo) / ((hi - lo) or 1))

    chart = LineChart(name, title, n, [], fmt(hi), fmt(lo), empty=not values, dots=n <= MAX_DOTS)
    if bands:
        chart.grid = [(f"{y(bound):.1f}", f"{y(bound) + 4:.1f}", f"{bound:.2f}") for bound in BAND_BOUNDS]
    if n:
        chart.first_run, chart.last_run = ids[0], ids[-1]
    labels: list[list[Any]] = []
    xs = [f"{x(i):.1f}" for i in range(n)]  # shared by every series
    for k, (label, vals) in enumerate(series):
        ys = ["" if v is None else f"{y(v):.1f}" for v in vals]  # gaps are in no stretch
        segments = [_segment(xs, ys, start, end, chart.dots) for start, end in _stretches(vals)]
        last = next((v for v in reversed(vals) if v is not None), None)
        if last is not None:
            labels.append([max(TOP + 10, y(last) - 6), label, last])
        chart.lines.append(Line(label, SERIES_COLORS[k % len(SERIES_COLORS)], segments, last, fmt(last)))
    labels.sort()
    for i in range(1, len(labels)):  # labels of close values are stacked, never drawn over each other
        labels[i][0] = max(labels[i][0], labels[i - 1][0] + 12)
    chart.value_labels = [(f"{ly:.1f}", label, last, fmt(last)) for ly, label, last in labels]
    chart.data = {
        "x": ids,
        "when": when,
        "unit": unit,
        "series": [{"name": s, "values": v} for s, v in series],
        "box": {"width": WIDTH, "left": LEFT, "right": WIDTH - RIGHT},
    }
    return chart


def _stretches(values: list[float | None]) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of values that are not None."""
    bounds, start = [], None
    for i, v in enumerate(values):
        if v is None:
            if start is not None:
                bounds.append((start, i))
            start = None
        elif start is None:
            start = i
    if start is not None:
        bounds.append((start, len(values)))
    return bounds


def _segment(xs: list[str], ys: list[str], start: int, end: int, dots: bool) -> Segment:
    """One stretch of a line: its points' coordinates, as formatted once per run and value."""
    points = list(zip(xs[start:end], ys[start:end]))
    return Segment(" ".join([f"{px},{py}" for px, py in points]), end - start, points if dots else [])
