"""A chart of metric curves against step, several runs overlaid (textual-plotext).

textual-plotext (and plotext under it) is imported only here, and only when the chart is first
composed, so importing this module costs nothing until a chart is on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from mlpm.text import clean

# One colour per curve, the same in the plot and in the legend line above it (plotext's own
# legend sits inside the plot, over the curves).
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
MAX_POINTS = 400  # points per curve drawn; longer curves are thinned evenly (last kept)
MAX_LABEL = 24


@dataclass(slots=True)
class Curve:
    """One run's curve: its label (outside text, shown literally) and (step, value) points."""

    label: str
    points: Sequence[tuple[int, float]]


def thin(points: Sequence[tuple[int, float]], limit: int = MAX_POINTS) -> list[tuple[int, float]]:
    """At most `limit` evenly spaced points, always keeping the last one."""
    if len(points) <= limit:
        return list(points)
    step = len(points) / (limit - 1)
    out = [points[int(i * step)] for i in range(limit - 1)]
    out.append(points[-1])
    return out


def _finite(points: Sequence[tuple[int, float]]) -> list[tuple[int, float]]:
    return [(s, v) for s, v in points if v == v and v not in (float("inf"), float("-inf"))]


def plot_label(label: str) -> str:
    """A legend label: control characters escaped (plotext output is parsed as ANSI)."""
    text = clean(label)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


class MetricChart(Vertical):
    """A title line above a plotext chart; a message instead when there is nothing to draw."""

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
    MetricChart > #chart-message {
        height: 1fr;
        color: $text-muted;
        content-align: center middle;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.metric = ""
        self.curves: list[Curve] = []
        self._drawn = False

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot

        yield Static(id="chart-title")
        yield Static(id="chart-legend")
        yield Static(Text("no run selected"), id="chart-message")
        plot = PlotextPlot(id="chart-plot")
        plot.display = False
        yield plot

    def show(self, metric: str, curves: Sequence[Curve], *, empty: str = "") -> None:
        """Draw `metric` against step for each curve (curves without points are skipped)."""
        fresh = [Curve(c.label, _finite(c.points)) for c in curves]
        if self._drawn and metric == self.metric and fresh == self.curves:
            return  # the same picture (the cursor moved onto a run already drawn)
        self.metric = metric
        self.curves = fresh
        drawn = [c for c in self.curves if c.points]
        self._drawn = bool(drawn)
        title = Text(clean(metric) if metric else "no metric", style="bold")
        if drawn:
            title.append(" against step", style="dim")
            if len(drawn) > 1:
                title.append(f" · {len(drawn)} runs", style="dim")
        # Title and legend are one line each (CSS): no layout pass, which would redraw the
        # whole screen, a runs table of 1,000 rows included.
        self.query_one("#chart-title", Static).update(title, layout=False)
        legend = Text(no_wrap=True, overflow="ellipsis")
        for i, curve in enumerate(drawn):
            r, g, b = PALETTE[i % len(PALETTE)]
            legend.append("■ ", style=f"rgb({r},{g},{b})")
            legend.append(plot_label(curve.label) + "  ")
        self.query_one("#chart-legend", Static).update(legend, layout=False)
        plot: Any = self.query_one("#chart-plot")
        message = self.query_one("#chart-message", Static)
        if not drawn:
            message.update(Text(empty or "nothing to draw"))
            message.display = True
            plot.display = False
            return
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        for i, curve in enumerate(drawn):
            points = thin(curve.points)
            plt.plot(
                [s for s, _ in points],
                [v for _, v in points],
                color=PALETTE[i % len(PALETTE)],
                marker="braille",
            )
        plt.xlabel("step")
        message.display = False
        plot.display = True
        plot.refresh()

    def message(self, text: str) -> None:
        """Show a message (loading, an error) instead of the chart."""
        self._drawn = False
        msg = self.query_one("#chart-message", Static)
        msg.update(Text(text))
        msg.display = True
        self.query_one("#chart-plot").display = False
