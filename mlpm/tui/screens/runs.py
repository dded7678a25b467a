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
from textual.widgets import DataTable, Static

from mlpm.errors import MlpmError
from mlpm.services.run_checks import RunFlag, flag_signature
from mlpm.services.runs import Run
from mlpm.tui.render import literal
from mlpm.tui.screens.compare import CompareScreen
from mlpm.tui.screens.runs_cells import flag_cell, mark_cell, row_cells, status_line
from mlpm.tui.screens.runs_chart import ChartScreen
from mlpm.tui.screens.runs_data import (
    CompareRequest,
    Marks,
    RunsData,
    SortKey,
    compare_request,
    fetch_flags,
    fetch_runs,
    ordered,
    sort_keys,
)
from mlpm.tui.widgets.keybar import KeyBar
from mlpm.tui.widgets.metric_chart import MetricChart
from mlpm.tui.widgets.navbar import NavBar
from mlpm.tui.widgets.table import KeyTable

WIDE = 130  # from this width on, the chart sits beside the table
CHART_WIDTH = 60  # the chart's width beside the table (wide screens)


class RunsScreen(ChartScreen):
    """Every imported run; the cursor's run (and the marked runs) drawn in the chart."""

    CSS_PATH = Path(__file__).with_name("runs.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Mark", id="runs.mark", tooltip="Mark the run (overlay, compare)"),
        Binding("M", "mark_group", "Mark group", id="runs.mark_group", tooltip="Mark its group"),
        Binding("c", "compare", "Compare", id="runs.compare", tooltip="Compare the marked runs"),
        Binding("m", "pick_metric", "Metric", id="runs.metric", tooltip="Metric to chart"),
        Binding("s", "sort", "Sort", id="runs.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse", "Reverse sort", show=False, id="runs.reverse"),
        Binding("slash", "pick_group", "Group", id="runs.filter", tooltip="Show one W&B group"),
        Binding("escape", "clear", "Clear marks", show=False, id="runs.clear"),
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
                yield KeyTable(id="runs-table", cursor_type="row", zebra_stripes=True)
            yield MetricChart(id="runs-chart")
        yield Static(id="runs-status")
        yield KeyBar()

    async def first_load(self) -> None:
        self._set_wide(self.app.size.width)
        self.reload()

    def on_resize(self) -> None:
        self._set_wide(self.size.width)

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

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#runs-table", DataTable)

    @property
    def current(self) -> Run | None:
        """The run under the cursor."""
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._by_id.get(key or "")

    @property
    def _by_id(self) -> dict[str, Run]:
        if self._index[0] is not self.data:
            self._index = (self.data, {r.id: r for r in self.data.runs})
        return self._index[1]

    def reload(self) -> None:
        self._load()

    @work(exclusive=True, group="runs-load")
    async def _load(self) -> None:
        try:
            data = await self.mlpm.db(fetch_runs, self.group_filter)
        except MlpmError as exc:
            self.notify(str(exc), title="Error", severity="error", markup=False)
            return
        self.data = data
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
            self._fill()
            return
        # Usually a few rows change: redraw their flag cells, not the whole table.
        table = self.table
        column = table.ordered_columns[-1].key
        for run_id in changed:
            if run_id in table.rows:
                table.update_cell(run_id, column, flag_cell(flags.get(run_id)), update_width=True)
        self._show_status()

    # -- the table -------------------------------------------------------------------------

    def _sort_keys(self) -> dict[str, SortKey]:
        return sort_keys(self.metric_columns, self.flags)

    @property
    def metric_columns(self) -> list[str]:
        chosen = [self.metric] if self.metric else []
        others = [m for m in self.data.metrics if m != self.metric]
        return chosen + others[: self._metric_count - 1]

    def _ordered(self) -> list[Run]:
        keys = self._sort_keys()
        if self.sort_by not in keys:
            self.sort_by = "group"
        return ordered(self.data.runs, keys[self.sort_by], self.reverse)

    def _fill(self) -> None:
        """Rebuild the table in the current order, keeping the cursor on the same run."""
        table = self.table
        keep = self.current
        columns = ["", "Name", "Group", "State", "Task", "Commit", *self.metric_columns, "Flag"]
        rows = [(run.id, self._cells(run)) for run in self._ordered()]
        # Widths are measured here, not left to the table: it measures new rows when idle,
        # and lines drawn before that stay cached at the old widths (Name and State cut to
        # "base", "finis" after a metric change). The Flag column grows as flags arrive.
        table.clear(columns=True)
        for index, title in enumerate(columns):
            label = literal(title)
            if title == self.metric:
                label.stylize("bold underline")
            width = max([label.cell_len, *(cells[index].cell_len for _, cells in rows)])
            table.add_column(label, width=None if title == "Flag" else width)
        self._columns = columns
        for run_id, cells in rows:
            table.add_row(*cells, key=run_id)
        if keep is not None and keep.id in self._by_id:
            table.move_cursor(row=table.get_row_index(keep.id), animate=False)
        self._show_status()

    def _cells(self, run: Run) -> list[Text]:
        return row_cells(
            run,
            marked=run.id in self.marks.ids,
            metric_columns=self.metric_columns,
            flag=self.flags.get(run.id),
        )

    def _set_status(self, text: Text) -> None:
        # A Static update lays out the whole screen again: skip it when nothing changed.
        if text != self._status:
            self._status = text
            self.query_one("#runs-status", Static).update(text, layout=False)  # one line, fixed

    def _show_status(self) -> None:
        run = self.current
        self._set_status(
            status_line(
                self.data,
                group_filter=self.group_filter,
                sort_title=self._sort_keys()[self.sort_by].title,
                reverse=self.reverse,
                marked=len(self.marks.ids),
                flag=self.flags.get(run.id) if run is not None else None,
            )
        )

    @on(DataTable.RowHighlighted, "#runs-table")
    def _highlighted(self) -> None:
        self._show_status()
        self._load_chart()

    @on(DataTable.HeaderSelected, "#runs-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        names = ["mark", "name", "group", "state", "task", "commit"]
        names += [f"metric:{m}" for m in self.metric_columns] + ["flag"]
        chosen = names[event.column_index] if event.column_index < len(names) else "group"
        if chosen == "mark":
            return
        self.reverse = (not self.reverse) if chosen == self.sort_by else False
        self.sort_by = chosen
        self._fill()

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
        if self.marks.ids:
            cleared = list(self.marks.ids)
            self.marks.ids.clear()
            self._refresh_marks(cleared)

    def _refresh_marks(self, run_ids: list[str]) -> None:
        """Redraw the mark cells of these runs only (every cell update redraws the table)."""
        table = self.table
        column = table.ordered_columns[0].key
        for run_id in run_ids:
            table.update_cell(run_id, column, mark_cell(run_id in self.marks.ids))
        self._show_status()
        self._load_chart()

    def action_sort(self) -> None:
        names = list(self._sort_keys())
        self.sort_by = names[(names.index(self.sort_by) + 1) % len(names)]
        self.reverse = False
        self._fill()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self._fill()

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
