"""Runs: imported W&B runs in a sortable table, grouped by W&B group, with regression flags and
a chart of the chosen metric's curves; mark two runs (or runs of two groups) to compare them.

Nothing here imports wandb: the runs services read the local `.wandb` files themselves (a
remote run's history is fetched in a subprocess by the service).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from mlpm.errors import MlpmError
from mlpm.services.run_checks import RunFlag, flag_signature
from mlpm.services.runs import Run
from mlpm.tui.render import literal
from mlpm.tui.screens.compare import CompareScreen
from mlpm.tui.screens.runs_chart import ChartScreen
from mlpm.tui.screens.runs_data import (
    CompareRequest,
    Marks,
    RunsData,
    compare_request,
    fetch_flags,
)
from mlpm.tui.screens.runs_detail import RunDetailScreen
from mlpm.tui.screens.runs_table import RunsGrid, RunsTableScreen
from mlpm.tui.screens.runs_view import fetch_table
from mlpm.tui.widgets.keybar import KeyBar
from mlpm.tui.widgets.metric_chart import MetricChart
from mlpm.tui.widgets.navbar import NavBar

WIDE = 130  # from this width on, the chart sits beside the table
CHART_WIDTH = 60  # the chart's width beside the table (wide screens)
FILTER_HINT = "search words, or an expression: lr < 1e-3 and model = conformer · enter · escape"


class RunsScreen(RunsTableScreen, ChartScreen):
    """Every imported run; the cursor's run (and the marked runs) drawn in the chart."""

    CSS_PATH = Path(__file__).with_name("runs.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="runs.filter", tooltip="Search or lr < 1e-3"),
        Binding("space", "mark", "Mark", id="runs.mark", tooltip="Mark the run (overlay, compare)"),
        Binding("M", "mark_group", "Mark group", id="runs.mark_group", tooltip="Mark its group"),
        Binding("c", "compare", "Compare", id="runs.compare", tooltip="Compare the marked runs"),
        Binding("m", "pick_metric", "Metric", id="runs.metric", tooltip="Metric to chart"),
        Binding("s", "sort", "Sort", id="runs.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse", "Reverse sort", show=False, id="runs.reverse"),
        Binding("C", "pick_columns", "Columns", id="runs.columns", tooltip="Config, summary keys"),
        Binding("t", "pick_state", "State", id="runs.state", tooltip="Show some states"),
        Binding("w", "pick_group", "Group", id="runs.group", tooltip="Show one W&B group"),
        Binding("escape", "clear", "Clear", show=False, id="runs.clear", tooltip="Marks, filter"),
        Binding("R", "remote_sync", "Remote sync", show=False, id="runs.remote_sync"),
    ]
    AUTO_FOCUS = "#runs-table"

    def __init__(self) -> None:
        super().__init__()
        self.data = RunsData([], {}, [])
        self.flags: dict[str, RunFlag] = {}
        self.metric: str | None = None
        self.group_filter: str | None = None
        self.sort_by = "group"
        self.reverse = False
        self.marks = Marks()
        self._columns: list[str] = []
        self._index: tuple[RunsData | None, dict[str, Run]] = (None, {})
        self._status: Text | None = None
        self._metric_count = 3
        self._told: set[str] = set()
        self._flagged: Any = None  # what the current flags were computed from

    def compose(self) -> ComposeResult:
        yield NavBar("runs")
        with Horizontal(id="runs-body"):
            with Vertical(id="runs-left"):
                yield RunsGrid(id="runs-table")
                yield Input(id="runs-filter", placeholder=FILTER_HINT)
            yield MetricChart(id="runs-chart")
        yield Static(id="runs-status")
        yield KeyBar()

    async def first_load(self) -> None:
        self._set_wide(self.app.size.width)
        self.reload()

    def on_resize(self) -> None:
        self._set_wide(self.size.width)
        if self.data.runs:
            self._show_status()  # what fits the status line at the new width

    def _set_wide(self, width: int) -> None:
        if self.has_class("-wide") != (width >= WIDE):
            self.set_class(width >= WIDE, "-wide")
        # As many metric columns as fit beside the others (1 to 3, the chosen metric first).
        room = width - CHART_WIDTH if width >= WIDE else width
        count = 1 if room < 90 else 2 if room < 100 else 3
        if count != self._metric_count:
            self._metric_count = count
            if self.data.runs:
                self._fill()

    # -- data ------------------------------------------------------------------------------

    def reload(self) -> None:
        self._load()

    @work(exclusive=True, group="runs-load")
    async def _load(self) -> None:
        try:
            found = await self.mlpm.db(fetch_table, self.group_filter)
        except MlpmError as exc:
            self.notify(str(exc), title="Error", severity="error", markup=False)
            return
        self.data = data = found.data
        self.saved_columns = found.columns
        if self.metric not in data.metrics:
            self.metric = data.key_metric or (data.metrics[0] if data.metrics else None)
        known = {r.id for r in data.runs}
        self.marks.ids = [i for i in self.marks.ids if i in known]
        self.flags = {k: v for k, v in self.flags.items() if k in known}
        self._fill()
        self._load_flags()
        self._load_chart()

    @work(exclusive=True, group="runs-flags")
    async def _load_flags(self) -> None:
        """Regression checks run after the table is shown (they call the statistics)."""
        runs = list(self.data.runs)
        signature = flag_signature(runs, self.metric)
        if signature == self._flagged:
            return  # nothing a check reads has changed (another kind of data did)
        try:
            flags = await self.mlpm.db(fetch_flags, runs, self.metric)
        except MlpmError as exc:
            self.notify(f"regression flags: {exc}", severity="warning", markup=False)
            return
        old, self.flags = self.flags, flags
        self._flagged = signature
        changed = [r.id for r in runs if old.get(r.id) != flags.get(r.id)]
        if self.sort_by == "flag" or len(changed) > 50:
            self._fill(fresh=True)
            return
        # Usually a few rows change: redraw their flag cells, not the whole table.
        fits = [self._set_flag(run_id) for run_id in changed]
        if not all(fits):
            self._fill()
        self._show_status()

    @on(RunsGrid.RowHighlighted, "#runs-table")
    def _highlighted(self) -> None:
        self._show_status()
        # The chart follows once the table is on screen: its reading and drawing never hold
        # up the rows the key asked for.
        self.call_after_refresh(self._load_chart)

    @on(RunsGrid.RowSelected, "#runs-table")
    def _open_detail(self) -> None:
        run = self.current
        if run is not None:
            self.app.push_screen(RunDetailScreen(run.id))

    # -- actions ---------------------------------------------------------------------------

    def action_mark(self) -> None:
        run = self.current
        if run is None:
            return
        self.marks.toggle(run.id)
        self._refresh_marks([run.id])

    def action_mark_group(self) -> None:
        run = self.current
        if run is None or not run.group:
            self.notify("this run has no W&B group", markup=False, timeout=3)
            return
        members = [r.id for r in self.data.runs if r.group == run.group]
        if all(i in self.marks.ids for i in members):
            self.marks.ids = [i for i in self.marks.ids if i not in members]
        else:
            self.marks.ids += [i for i in members if i not in self.marks.ids]
        self._refresh_marks(members)

    def action_remote_sync(self) -> None:
        """Sync the project's W&B / MLflow remote in a worker (a status line, never a wait)."""
        from mlpm.tui import run_sync_worker

        run_sync_worker.start(self)

    def action_clear(self) -> None:
        """Escape: close the filter box, else clear the marks, else the filters."""
        if self.filter_box.has_focus:
            self.close_filter()
            return
        if not self.marks.ids:
            self.clear_filter()
        if self.marks.ids:
            cleared = list(self.marks.ids)
            self.marks.ids.clear()
            self._refresh_marks(cleared)

    def _refresh_marks(self, run_ids: list[str]) -> None:
        """Redraw the mark cells of these runs only (every cell update redraws the table)."""
        for run_id in run_ids:
            self._set_mark(run_id)
        self._show_status()
        self._load_chart()

    def comparison(self) -> CompareRequest | str:
        """What the marks ask to compare, or why they cannot be compared."""
        return compare_request(self.data, self.marks.ids, self.metric)

    def action_compare(self) -> None:
        request = self.comparison()
        if isinstance(request, str):
            self.notify(request, title="Compare", severity="warning", markup=False)
            return
        self.app.push_screen(CompareScreen(request))

    @work(exclusive=True, group="runs-pick")
    async def action_pick_metric(self) -> None:
        from mlpm.tui.screens.modals import PickScreen

        if not self.data.metrics:
            self.notify("no numeric metric in these runs' summaries", markup=False)
            return
        choices = [(m, literal(m, "bold" if m == self.metric else "")) for m in self.data.metrics]
        chosen = await self.app.push_screen_wait(
            PickScreen("Chart and compare the metric", choices)
        )
        if chosen and chosen != self.metric:
            self.metric = chosen
            self._fill()
            self._load_flags()
            self._load_chart()

    @work(exclusive=True, group="runs-pick")
    async def action_pick_group(self) -> None:
        from mlpm.tui.screens.modals import PickScreen

        choices = [("", Text("all groups", style="italic"))] + [
            (g, literal(f"{g}  ({n})")) for g, n in self.data.groups.items()
        ]
        if self.group_filter is not None and self.group_filter not in self.data.groups:
            choices.append((self.group_filter, literal(self.group_filter)))
        chosen = await self.app.push_screen_wait(PickScreen("Show the runs of group", choices))
        if chosen is not None:
            self.group_filter = chosen or None
            self.reload()
