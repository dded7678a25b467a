"""The Runs screen's chart: its options (metrics, x axis, smoothing, log y, group mean and
band), their keys, and the worker that reads and draws it. `RunsScreen` builds on this.

The chart is `run_chart.build`'s, as `mlpm runs chart` draws it: the run under the cursor
and the marked runs; with the group mean on, the marked runs of one W&B group are drawn as
their mean with a band.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import ClassVar, TypeVar

from textual import work
from textual.binding import Binding, BindingType

from mlpm.errors import MlpmError
from mlpm.services import run_chart
from mlpm.services import runs as run_service
from mlpm.services.runs import Run
from mlpm.store import Store
from mlpm.tui.render import literal
from mlpm.tui.screens.base import DataScreen
from mlpm.tui.screens.runs_data import Marks, RunsData
from mlpm.tui.widgets.metric_chart import MetricChart

SMOOTHING = (0.0, 0.6, 0.9)  # the weights `z` cycles through (0: off)
T = TypeVar("T")
TALL_CHART = 16  # rows of the chart below the table when it draws several metrics
MAX_UNITS = 8  # runs and groups drawn at once (fewer with several metrics: 8 lines in all)


def fetch_chart(
    store: Store, run_ids: list[str], options: run_chart.ChartOptions
) -> run_chart.Chart:
    """The chart of these runs (a missing run is one of its problems, not an error)."""
    runs, problems = [], []
    for run_id in run_ids:
        try:
            runs.append(run_service.get_run(store, run_id))
        except MlpmError as exc:
            problems.append(str(exc))
    drawn = run_chart.build(store, run_chart.plan(runs, mean=options.mean), options)
    drawn.problems[:0] = problems
    return drawn


def cycle(values: Sequence[T], current: T) -> T:
    """The value after `current` in `values` (the first after the last)."""
    index = values.index(current) if current in values else -1
    return values[(index + 1) % len(values)]


class ChartScreen(DataScreen):
    """A data screen with the runs chart: what it draws and the keys that change it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, action, said, show=False, id=f"runs.{name}", tooltip=tip)
        for key, action, said, name, tip in (
            ("X", "chart_x", "Chart x: step, epoch, time", "xaxis", "The chart's x axis"),
            ("z", "chart_smooth", "Chart smoothing", "smooth", "EMA off, 0.6, 0.9"),
            ("L", "chart_log", "Chart log y", "log_y", "A log scale for y"),
            ("b", "chart_mean", "Chart group means", "mean", "Marked runs of a group: a mean"),
            ("B", "chart_band", "Chart band", "band", "Min–max or ±1 std band"),
            ("plus", "add_metric", "Chart a metric more", "add_metric", "Up to 4 metrics"),
            ("minus", "remove_metric", "Chart a metric less", "remove_metric", "The last added"),
        )
    ]

    # What the Runs screen keeps (set in its __init__).
    data: RunsData
    marks: Marks
    metric: str | None

    def __init__(self) -> None:
        super().__init__()
        self.chart_x = "step"
        self.chart_smooth = 0.0
        self.chart_log_y = False
        self.chart_mean = False
        self.chart_band = "minmax"
        self.chart_more: list[str] = []  # metrics drawn beside `metric`
        self._told: set[str] = set()
        self._chart_tall = False

    @property
    def current(self) -> Run | None:
        """The run under the cursor (the Runs screen's table knows it)."""
        raise NotImplementedError

    def chart_options(self) -> run_chart.ChartOptions:
        metrics = [self.metric or "", *(m for m in self.chart_more if m != self.metric)]
        return run_chart.ChartOptions(
            tuple(metrics[: run_chart.MAX_METRICS]),
            x=self.chart_x,
            smooth=self.chart_smooth,
            log_y=self.chart_log_y,
            mean=self.chart_mean,
            band=self.chart_band,
            limit=MAX_UNITS,
        )

    def _chart_runs(self) -> list[str]:
        """The run under the cursor, then the marked runs (all: the chart says which it draws)."""
        ids = list(self.marks.ids)
        run = self.current
        if run is not None and run.id not in ids:
            ids.insert(0, run.id)
        return ids

    @work(exclusive=True, group="runs-chart")
    async def _load_chart(self) -> None:
        await asyncio.sleep(0.05)  # the cursor may be moving fast: read where it stops
        chart = self.query_one(MetricChart)
        ids = self._chart_runs()
        if not ids:
            chart.show(self.metric or "", [], empty="no runs")
            return
        if not self.metric:
            chart.show("", [], empty="no numeric metric in these runs' summaries")
            return
        try:
            drawn = await self.mlpm.db(fetch_chart, ids, self.chart_options())
        except MlpmError as exc:
            chart.message(str(exc))
            return
        if drawn.problems and not drawn.series:
            chart.message(drawn.problems[0])
            return
        for problem in drawn.problems:  # a marked run without history: say so once, not per move
            if problem not in self._told:
                self._told.add(problem)
                self.notify(problem, severity="warning", markup=False)
        chart.show_chart(drawn, empty=f"no history of {self.metric} in this run")
        self._fit_chart_height()

    def _fit_chart_height(self) -> None:
        """Below the table (narrow screens) several metrics' panels need more rows than one."""
        tall = len(self.chart_options().metrics) > 1 and not self.has_class("-wide")
        if tall != self._chart_tall:
            self._chart_tall = tall
            self.query_one(MetricChart).styles.height = TALL_CHART if tall else None

    def on_resize(self) -> None:
        # after the Runs screen's own handler has set -wide (or not) for the new width
        self.call_after_refresh(self._fit_chart_height)

    # The chart's title line says each option in force ("against epoch · EMA 0.6 · log y"):
    # no toast over the chart.

    def action_chart_x(self) -> None:
        self.chart_x = cycle(run_chart.X_AXES, self.chart_x)
        self._load_chart()

    def action_chart_smooth(self) -> None:
        self.chart_smooth = cycle(SMOOTHING, self.chart_smooth)
        self._load_chart()

    def action_chart_log(self) -> None:
        self.chart_log_y = not self.chart_log_y
        self._load_chart()

    def action_chart_mean(self) -> None:
        self.chart_mean = not self.chart_mean
        if self.chart_mean and not self._a_group_is_marked():
            self.notify("mark runs of one group (M) to draw their mean", markup=False, timeout=3)
        self._load_chart()

    def action_chart_band(self) -> None:
        self.chart_band = cycle(run_chart.BANDS, self.chart_band)
        self.chart_mean = True
        self._load_chart()

    def _a_group_is_marked(self) -> bool:
        """Whether two of the charted runs share a W&B group (else there is no mean to draw)."""
        by_id = {r.id: r for r in self.data.runs}
        groups = [by_id[i].group for i in self._chart_runs() if i in by_id and by_id[i].group]
        return len(groups) > len(set(groups))

    @work(exclusive=True, group="runs-pick")
    async def action_add_metric(self) -> None:
        from mlpm.tui.screens.modals import PickScreen

        drawn = self.chart_options().metrics
        if len(drawn) >= run_chart.MAX_METRICS:
            self.notify(f"at most {run_chart.MAX_METRICS} metrics in one chart", markup=False)
            return
        choices = [(m, literal(m)) for m in self.data.metrics if m not in drawn]
        if not choices:
            self.notify("no other numeric metric in these runs' summaries", markup=False)
            return
        chosen = await self.app.push_screen_wait(PickScreen("Chart this metric too", choices))
        if chosen:
            self.chart_more.append(chosen)
            self._fit_chart_height()
            self._load_chart()

    def action_remove_metric(self) -> None:
        if not self.chart_more:
            self.notify("one metric is charted (m picks another)", markup=False, timeout=3)
            return
        self.chart_more.pop()
        self._fit_chart_height()
        self._load_chart()
