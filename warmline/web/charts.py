"""Charts as geometry for server-rendered SVG (templates/reports/_charts.html draws them):
no JavaScript, no inline style; colours come from classes in static/css/reports.css."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HEAT_LEVELS = 5


@dataclass
class Chart:
    width: int
    height: int
    shapes: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)


def _nice_max(value: float) -> float:
    """A round top for the axis (1, 2, 5 times a power of ten)."""
    if value <= 0:
        return 1
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if value <= step * factor:
            return step * factor
    return step * 10


def bars(
    items: list[tuple[str, list[float]]], series: tuple[str, ...], *, width: int = 720, height: int = 220
) -> Chart:
    """Grouped vertical bars: one group per item, one bar per series (class `series-<i>`)."""
    left, bottom, top = 40, 30, 10
    chart = Chart(width, height)
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = _nice_max(max((v for _, values in items for v in values), default=0))
    for tick in (0, peak / 2, peak):
        y = top + plot_h - plot_h * tick / peak
        chart.shapes.append({"kind": "line", "x1": left, "x2": width - 10, "y1": round(y, 1), "y2": round(y, 1)})
        chart.labels.append({"x": left - 4, "y": round(y + 4, 1), "text": f"{tick:g}", "anchor": "end"})
    if not items:
        return chart
    slot = plot_w / len(items)
    bar_w = max(1.0, slot * 0.8 / len(series))
    every = max(1, len(items) // 12)
    for i, (label, values) in enumerate(items):
        x0 = left + i * slot + slot * 0.1
        for j, value in enumerate(values):
            h = plot_h * value / peak
            chart.shapes.append(
                {
                    "kind": "rect",
                    "x": round(x0 + j * bar_w, 1),
                    "y": round(top + plot_h - h, 1),
                    "width": round(bar_w, 1),
                    "height": round(h, 1),
                    "class": f"series-{j}",
                    "title": f"{label}: {value:g} {series[j]}",
                }
            )
        if i % every == 0:
            chart.labels.append({"x": round(x0 + slot * 0.4, 1), "y": height - 10, "text": label, "anchor": "middle"})
    return chart


def heatmap(cells: list[dict[str, int]], value: str = "offered") -> Chart:
    """The hour-by-weekday grid: seven rows (Monday first), 24 columns, shaded in five steps."""
    left, top, size = 40, 20, 26
    chart = Chart(left + 24 * size + 10, top + 7 * size + 10)
    peak = max((c[value] for c in cells), default=0)
    for hour in range(0, 24, 3):
        chart.labels.append(
            {"x": left + hour * size + size / 2, "y": top - 6, "text": f"{hour:02d}", "anchor": "middle"}
        )
    for weekday, name in enumerate(WEEKDAYS):
        chart.labels.append({"x": left - 4, "y": top + weekday * size + size * 0.65, "text": name, "anchor": "end"})
    for c in cells:
        level = 0 if not c[value] else 1 + min(HEAT_LEVELS - 1, int((c[value] - 1) * HEAT_LEVELS / peak))
        chart.shapes.append(
            {
                "kind": "rect",
                "x": left + c["hour"] * size,
                "y": top + c["weekday"] * size,
                "width": size - 2,
                "height": size - 2,
                "class": f"heat-{level}",
                "title": f"{WEEKDAYS[c['weekday']]} {c['hour']:02d}:00: "
                f"{c['offered']} offered, {c['answered']} answered",
            }
        )
    return chart


def horizontal(items: list[tuple[str, float]], *, width: int = 480, unit: str = "") -> Chart:
    """One horizontal bar per item, labelled on the left."""
    left, row = 150, 26
    chart = Chart(width, row * len(items) + 10)
    peak = _nice_max(max((v for _, v in items), default=0))
    for i, (label, value) in enumerate(items):
        w = (width - left - 50) * value / peak
        y = 5 + i * row
        chart.labels.append({"x": left - 6, "y": y + row * 0.6, "text": label, "anchor": "end"})
        chart.shapes.append(
            {
                "kind": "rect",
                "x": left,
                "y": y,
                "width": round(w, 1),
                "height": row - 6,
                "class": "series-0",
                "title": f"{label}: {value:g}{unit}",
            }
        )
        chart.labels.append(
            {"x": round(left + w + 4, 1), "y": y + row * 0.6, "text": f"{value:g}{unit}", "anchor": "start"}
        )
    return chart
