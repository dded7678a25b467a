"""A chart of runs' metric curves (a `run_chart.Chart`: several metrics, smoothed, log y, a
group's mean with its band), drawn with textual-plotext as the CLI's `runs chart` draws it.

textual-plotext (and plotext under it) is imported only here, and only when the chart is first
composed, so importing this module costs nothing until a chart is on screen.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from mlpm.services import chart_draw, chart_legend
from mlpm.services.chart_draw import PALETTE, colour
from mlpm.services.run_chart import Chart, ChartOptions, Series, Unit
from mlpm.text import clean

__all__ = ["PALETTE", "Curve", "MetricChart", "plot_label", "thin"]
MAX_LABEL = 24


@dataclass(slots=True)
class Curve:
    """One run's curve: its label (outside text, shown literally) and (x, value) points."""

    label: str
    points: Sequence[tuple[float, float]]


def thin(points: Sequence[tuple[Any, float]], limit: int = chart_draw.MAX_POINTS) -> list[Any]:
    """At most `limit` evenly spaced points, always keeping the last one."""
    return [points[i] for i in chart_draw.thin(points, limit)]


def plot_label(label: str) -> str:
    """A label: control characters escaped (plotext output is parsed as ANSI)."""
    text = clean(label)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def chart_of(metric: str, curves: Sequence[Curve]) -> Chart:
    """A chart of plain curves against step (for callers that read the points themselves)."""
    units = [Unit(c.label, []) for c in curves]
    series = [
        Series(metric, c.label, i, [float(x) for x, _ in c.points], [y for _, y in c.points])
        for i, c in enumerate(curves)
        if c.points
    ]
    return Chart(ChartOptions((metric,) if metric else ()), units, series)


@functools.cache
def _plot_class() -> type[Any]:
    """A PlotextPlot that draws its chart at its size at every render (the panels' layout
    depends on the height, known only once the plot is laid out)."""
    from textual_plotext import PlotextPlot

    class ChartPlot(PlotextPlot):
        chart: Chart | None = None

        def render(self) -> Any:
            if self.chart is not None:
                chart_draw.draw(self.plt, self.chart, self.size.width, self.size.height)
            return super().render()

    return ChartPlot


class MetricChart(Vertical):
    """A title line, the legend, the plot and its notes; a message when there is nothing to
    draw."""

    DEFAULT_CSS = """
    MetricChart {
        height: 1fr;
    }
    MetricChart > #chart-title {
        height: 1;
        text-style: bold;
    }
    MetricChart > #chart-legend {
        height: 1;
    }
    MetricChart > #chart-notes {
        height: auto;
        max-height: 2;
        color: $text-muted;
    }
    MetricChart > #chart-message {
        height: 1fr;
        color: $text-muted;
        content-align: center middle;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.chart: Chart | None = None
        self.metric = ""  # the first metric drawn
        self.curves: list[Curve] = []  # the first metric's lines, as drawn (x, y)
        self._drawn = False
        self._notes_text = ""

    def compose(self) -> ComposeResult:
        yield Static(id="chart-title")
        yield Static(id="chart-legend")
        yield Static(Text("no run selected"), id="chart-message")
        plot = _plot_class()(id="chart-plot")
        plot.display = False
        yield plot
        notes = Static(id="chart-notes")
        notes.display = False
        yield notes

    def show(self, metric: str, curves: Sequence[Curve], *, empty: str = "") -> None:
        """Draw `metric` against step for each curve (curves without points are skipped)."""
        self.show_chart(chart_of(metric, curves), empty=empty)

    def show_chart(self, chart: Chart, *, empty: str = "") -> None:
        """Draw `chart`; `empty` says why when it has no line."""
        if self._drawn and chart == self.chart:
            return  # the same picture (the cursor moved onto a run already drawn)
        self.chart = chart
        metrics = chart.options.metrics
        self.metric = metrics[0] if metrics else ""
        self.curves = [
            Curve(s.label, list(zip(s.xs, s.ys, strict=True)))
            for s in chart.series
            if s.metric == self.metric
        ]
        self._drawn = bool(chart.series)
        title = Text(
            clean(chart.title()) if chart.series else clean(self.metric) or "no metric",
            no_wrap=True,
            overflow="ellipsis",
        )
        # Title, legend and notes are one line each (CSS): no layout pass, which would redraw
        # the whole screen, a runs table of 1,000 rows included.
        self.query_one("#chart-title", Static).update(title, layout=False)
        self._legend()
        self._notes(" · ".join(chart.notes) if chart.series else "")
        plot: Any = self.query_one("#chart-plot")
        message = self.query_one("#chart-message", Static)
        if not chart.series:
            message.update(Text(empty or "nothing to draw"), layout=False)  # its height: 1fr
            message.display = True
            plot.display = False
            return
        message.display = False
        plot.display = True
        self._plot()

    def _notes(self, text: str) -> None:
        notes = self.query_one("#chart-notes", Static)
        if text == self._notes_text:
            return
        # Notes change with the options or the marks, not as the cursor moves: a layout pass
        # here is rare, and it lets them take a second line.
        self._notes_text = text
        notes.update(Text(clean(text), overflow="ellipsis"))
        notes.tooltip = clean(text) or None
        notes.display = bool(text)

    def _legend(self) -> None:
        legend = Text(no_wrap=True, overflow="ellipsis")
        if self.chart is not None and self.chart.series:
            units = self.chart.drawn_units()
            width = max(10, self.content_size.width)
            fitted = chart_legend.fit([u.label for _, u in units], width)
            gap = " " * chart_legend.GAP
            parts: list[Text] = [Text(fitted.common, style="dim")] if fitted.common else []
            for (index, _), label in zip(units, fitted.labels, strict=False):
                r, g, b = colour(index)
                parts.append(Text.assemble(("■ ", f"rgb({r},{g},{b})"), label))
            if fitted.more:
                parts.append(Text(f"+{fitted.more} more", style="dim"))
            legend = Text(gap, no_wrap=True, overflow="ellipsis").join(parts)
        self.query_one("#chart-legend", Static).update(legend, layout=False)

    def _plot(self) -> None:
        plot: Any = self.query_one("#chart-plot")
        plot.chart = self.chart
        plot.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self.chart is not None and self._drawn:
            self._legend()

    def message(self, text: str) -> None:
        """Show a message (loading, an error) instead of the chart."""
        self._drawn = False
        msg = self.query_one("#chart-message", Static)
        msg.update(Text(text), layout=False)  # its height is 1fr: the text never resizes it
        msg.display = True
        self.query_one("#chart-plot").display = False
        self._notes("")
