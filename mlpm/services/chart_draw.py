"""Draws a `run_chart.Chart` on a plotext figure: the CLI prints it, the TUI's MetricChart
shows it in a textual-plotext widget (whose `plt` is the same figure class).

plotext is imported only by `text` (the CLI's path); the TUI hands in its own figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlpm.services.run_chart import Chart, Series

# One colour per unit, the same in every metric's panel and in the legend.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (86, 182, 194),
    (229, 192, 123),
    (198, 120, 221),
    (152, 195, 121),
    (224, 108, 117),
    (97, 175, 239),
    (209, 154, 102),
    (190, 190, 190),
)
MAX_POINTS = 400  # points per line drawn; longer lines are thinned evenly (last kept)
MIN_PANEL_ROWS = 8  # below this, several metrics' panels sit side by side, not stacked
COMPACT_ROWS = 16  # panels lower than this drop the x axis' title (and a lone one its frame)


def colour(unit: int) -> tuple[int, int, int]:
    return PALETTE[unit % len(PALETTE)]


def dim(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """A band's colour: the line's, halfway to grey, so the mean stands out."""
    return (rgb[0] // 2 + 50, rgb[1] // 2 + 50, rgb[2] // 2 + 50)


def thin(points: Sequence[Any], limit: int = MAX_POINTS) -> list[int]:
    """The indexes of at most `limit` evenly spaced items, always keeping the last one."""
    n = len(points)
    if n <= limit:
        return list(range(n))
    step = n / (limit - 1)
    return [int(i * step) for i in range(limit - 1)] + [n - 1]


def layout(count: int, height: int) -> tuple[int, int]:
    """Rows and columns of the metrics' panels: stacked while each keeps MIN_PANEL_ROWS."""
    if count <= 1:
        return 1, 1
    if height // count >= MIN_PANEL_ROWS:
        return count, 1
    if count == 4 and height // 2 >= MIN_PANEL_ROWS:
        return 2, 2
    return 1, count


def metrics_drawn(chart: Chart) -> list[str]:
    return [m for m in chart.options.metrics if any(s.metric == m for s in chart.series)]


def _line(panel: Any, series: Series, scale: float, band_marker: str) -> None:
    keep = thin(series.xs)
    xs = [series.xs[i] / scale for i in keep]
    rgb = colour(series.unit)
    if series.low is not None and series.high is not None:
        for edge in (series.low, series.high):
            panel.plot(xs, [edge[i] for i in keep], color=dim(rgb), marker=band_marker)
    panel.plot(xs, [series.ys[i] for i in keep], color=rgb, marker="braille")


def draw(figure: Any, chart: Chart, width: int, height: int, *, colour_on: bool = True) -> None:
    """Draw every series of `chart` on `figure` (a plotext figure), one panel per metric.
    Without colour a band's edges are dotted, so they are not taken for means."""
    band_marker = "braille" if colour_on else "·"
    figure.clear_figure()
    figure.clear_data()
    metrics = metrics_drawn(chart)
    rows, cols = layout(len(metrics), height)
    scale, x_title = chart.x_scale()
    compact = height // rows < COMPACT_ROWS  # the title line above says what x is
    if len(metrics) > 1:
        figure.subplots(rows, cols)
    for i, metric in enumerate(metrics):
        panel = figure.subplot(i // cols + 1, i % cols + 1) if len(metrics) > 1 else figure
        for series in chart.series:
            if series.metric == metric:
                _line(panel, series, scale, band_marker)
        if chart.options.log_y:
            panel.yscale("log")
        if len(metrics) > 1:
            panel.title(metric)  # (plotext draws a title only above a full frame)
        elif compact:
            panel.xaxes(True, False)  # no top and right lines: two more rows of curve
            panel.yaxes(True, False)
        if i // cols == rows - 1 and not compact:  # the bottom row says what x is
            panel.xlabel(x_title)
    figure.plotsize(width, height)


def text(chart: Chart, width: int, height: int, *, colour_on: bool) -> str:
    """The chart as terminal text (the CLI's `runs chart`)."""
    from plotext._figure import _figure_class

    figure = _figure_class()
    draw(figure, chart, width, height, colour_on=colour_on)
    # after drawing (clearing the figure resets it), on every panel: the terminal's own
    # background and text colours, not black on white
    figure.theme("clear")
    out: str = figure.build()
    if not colour_on:
        from plotext._utility import uncolorize

        out = uncolorize(out)
    return "\n".join(line.rstrip() for line in out.rstrip("\n").splitlines())
