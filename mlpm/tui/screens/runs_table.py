"""The Runs screen's table: its rows and columns, the filter and the order (through
`runs_view`, the services `runs list` uses), and the status line under it. `RunsScreen`
(runs.py) adds the chart, the marks and the comparisons."""

from __future__ import annotations

import gc
from collections import Counter
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from mlpm.errors import MlpmError
from mlpm.services import run_columns, run_fields, run_search
from mlpm.services.run_checks import RunFlag
from mlpm.services.run_filter import Filter
from mlpm.services.runs import STATES, Run
from mlpm.tui.render import literal
from mlpm.tui.screens import runs_view
from mlpm.tui.screens.base import DataScreen
from mlpm.tui.screens.runs_cells import (
    STATE_STYLE,
    Shown,
    align_numbers,
    flag_cell,
    mark_cell,
    row_cells,
    status_line,
)
from mlpm.tui.screens.runs_data import Marks, RunsData
from mlpm.tui.widgets.line_table import LineTable

FIXED_TITLES = ["", "Name", "Group", "State", "Task", "Commit"]
HEADER_KEYS = ["mark", "name", "group", "state", "task", "commit"]


class RunsGrid(LineTable):
    """The runs table; enter opens the run's detail (the table's own enter, shown)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Detail", id="runs.detail", tooltip="Config, output"),
    ]


class RunsTableScreen(DataScreen):
    """The runs in a sortable, filterable table; the cursor's run is `current`."""

    class Filled(Message):
        """The table was drawn again: other rows, another order or other columns."""

    data: RunsData
    flags: dict[str, RunFlag]
    metric: str | None
    group_filter: str | None
    sort_by: str
    reverse: bool
    marks: Marks
    _columns: list[str]
    _index: tuple[RunsData | None, dict[str, Run]]
    _status: Text | None
    _metric_count: int

    def __init__(self) -> None:
        super().__init__()
        self.saved_columns: list[str] = []  # the project's chosen columns ([]: the default)
        self.state_filter: tuple[str, ...] = ()  # the states shown (): every one
        self.match: Filter | None = None  # the filter box's search or expression
        self.shown: list[Run] = []  # the table's runs, in its order
        self._orders = runs_view.Orders()
        # Each run's cells, built once for these runs and columns (a re-sort or a new filter
        # only reorders them), and each column's width over every run, shown or not.
        self._cells_for: tuple[Any, ...] = ()
        self._row_cells: dict[str, list[Text]] = {}
        self._widths: list[int] = []
        self._right: set[int] = set()  # the columns of numbers, right-aligned
        self._drawn_header: tuple[Any, ...] = ()  # the columns, widths and metric the header shows

    # -- the rows --------------------------------------------------------------------------

    @property
    def table(self) -> LineTable:
        return self.query_one("#runs-table", LineTable)

    @property
    def current(self) -> Run | None:
        """The run under the cursor."""
        key = self.table.cursor_key
        return self._by_id.get(key) if key is not None else None

    @property
    def _by_id(self) -> dict[str, Run]:
        if self._index[0] is not self.data:
            self._index = (self.data, {r.id: r for r in self.data.runs})
        return self._index[1]

    # -- the table -------------------------------------------------------------------------

    @property
    def value_columns(self) -> list[str]:
        """The config and summary keys shown as columns."""
        return runs_view.value_columns(
            self.saved_columns, self.data.metrics, self.metric, self._metric_count
        )

    def _sort_titles(self) -> dict[str, str]:
        return runs_view.sort_titles(self.value_columns)

    def _ordered(self) -> list[Run]:
        if self.sort_by not in self._sort_titles():
            self.sort_by = "group"
        return runs_view.shown(
            self._orders,
            self.data.runs,
            states=self.state_filter,
            match=self.match,
            sort=self.sort_by,
            reverse=self.reverse,
            flags=self.flags,
        )

    def _build_cells(self, keys: list[str], fresh: bool) -> None:
        """Every run's cells and the columns' widths, unless built for these runs already."""
        built = self._cells_for
        if built and built[0] is self.data and built[1] == tuple(keys) and not fresh:
            return  # (`is`: comparing two RunsData compares every run field by field)
        self._cells_for = (self.data, tuple(keys))
        self._row_cells = {run.id: self._cells(run, keys) for run in self.data.runs}
        values = range(len(FIXED_TITLES), len(FIXED_TITLES) + len(keys))
        self._right = align_numbers(self._row_cells.values(), values)
        titles = [*FIXED_TITLES, *keys, "Flag"]
        self._widths = [len(t) for t in titles]
        for cells in self._row_cells.values():
            self._widths = [max(w, c.cell_len) for w, c in zip(self._widths, cells, strict=True)]
        # The runs and their cells live until the next load: out of the collector's way (a
        # full collection walks every object of 10,000 runs, about 100 ms, at any moment).
        gc.freeze()

    def _fill(self, fresh: bool = False) -> None:
        """Show the runs the filter keeps in the current order, keeping the cursor on the same
        run (`fresh`: the flags changed, build the cells again)."""
        table = self.table
        keep = self.current
        keys = self.value_columns
        self._build_cells(keys, fresh)
        columns = [*FIXED_TITLES, *keys, "Flag"]
        self.shown = self._ordered()
        # Widths are every run's widest cell, shown or not: a column keeps its width whatever
        # the filter (Name and State once collapsed to "base", "finis" after a metric change).
        header = (tuple(columns), tuple(self._widths), self.metric, tuple(self._right))
        if header != self._drawn_header:
            self._drawn_header = header
            labels = [literal(t, "bold underline" if t == self.metric else "") for t in columns]
            for i in self._right:  # a column of numbers: its label over their right edge
                labels[i].justify = "right"
            table.set_columns(labels, self._widths)
            self._columns = columns
        table.set_rows([run.id for run in self.shown], self._row_cells, keep.id if keep else None)
        self._show_status()
        self.post_message(self.Filled())

    def _cells(self, run: Run, keys: list[str]) -> list[Text]:
        return row_cells(
            run, marked=run.id in self.marks.ids, columns=keys, flag=self.flags.get(run.id)
        )

    def _set_cell(self, run_id: str, index: int, cell: Text) -> bool:
        """Change one cell of a run's row (its mark, its flag), shown or not; False when it
        is wider than its column (`_fill` then draws the table at the new width)."""
        cells = self._row_cells.get(run_id)
        if cells is not None:  # a new list: the table keeps a row's cells while it is the same
            self._row_cells[run_id] = [*cells[:index], cell, *cells[index + 1 :]]
        if index < len(self._widths) and cell.cell_len > self._widths[index]:
            self._widths[index] = cell.cell_len
            return False
        self.table.refresh_row(run_id)
        return True

    def _set_mark(self, run_id: str) -> None:
        self._set_cell(run_id, 0, mark_cell(run_id in self.marks.ids))

    def _set_flag(self, run_id: str) -> bool:
        return self._set_cell(run_id, len(self._widths) - 1, flag_cell(self.flags.get(run_id)))

    def _set_status(self, text: Text) -> None:
        # A Static update lays out the whole screen again: skip it when nothing changed.
        if text != self._status:
            self._status = text
            self.query_one("#runs-status", Static).update(text, layout=False)  # one line, fixed

    def _show_status(self) -> None:
        run = self.current
        shown = Shown(
            count=len(self.shown),
            group=self.group_filter,
            states=self.state_filter,
            query=self.match.text if self.match is not None else "",
            sort_title=self._sort_titles()[self.sort_by],
            reverse=self.reverse,
        )
        flag = self.flags.get(run.id) if run is not None else None
        width = self.query_one("#runs-status", Static).size.width
        line = status_line(self.data, shown, marked=len(self.marks.ids), flag=flag, width=width)
        self._set_status(line)

    @on(LineTable.HeaderSelected, "#runs-table")
    def _header(self, event: LineTable.HeaderSelected) -> None:
        names = [*HEADER_KEYS, *self.value_columns, "flag"]
        chosen = names[event.column_index] if event.column_index < len(names) else "group"
        if chosen == "mark":
            return
        self.reverse = (not self.reverse) if chosen == self.sort_by else False
        self.sort_by = chosen
        self._fill()

    def action_sort(self) -> None:
        names = list(self._sort_titles())
        self.sort_by = names[(names.index(self.sort_by) + 1) % len(names)]
        self.reverse = False
        self._fill()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self._fill()

    # -- the filter box --------------------------------------------------------------------

    @property
    def filter_box(self) -> Input:
        return self.query_one("#runs-filter", Input)

    def action_filter(self) -> None:
        box = self.filter_box
        box.value = self.match.text if self.match is not None else ""
        box.display = True
        box.focus()

    def close_filter(self) -> None:
        self.filter_box.display = False
        self.table.focus()
        self._status = None  # a bad expression's message goes
        self._show_status()

    @on(Input.Submitted, "#runs-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            match = run_search.parse(event.value)
        except MlpmError as exc:  # one line where the status was; the table stays as it was
            self._set_status(literal(f" {exc}", "bold red"))
            return
        self.match = match
        self.close_filter()
        self._fill()

    def clear_filter(self) -> bool:
        """Drop the state filter and the filter box's text; whether there was one."""
        if self.match is None and not self.state_filter:
            return False
        self.match = None
        self.state_filter = ()
        self._fill()
        return True

    # -- pickers ---------------------------------------------------------------------------

    @work(exclusive=True, group="runs-pick")
    async def action_pick_state(self) -> None:
        from mlpm.tui.screens.modals import PickManyScreen

        counts = Counter(run.state for run in self.data.runs)
        choices = [
            (state, Text(f"{state}  ({counts[state]})", style=STATE_STYLE.get(state, "")))
            for state in STATES
            if counts[state] or state in self.state_filter
        ]
        picker = PickManyScreen("Show the runs that are", choices, self.state_filter)
        chosen = await self.app.push_screen_wait(picker)
        if chosen is not None:  # in STATES' order however ticked: one status line, one cache key
            self.state_filter = tuple(s for s in STATES if s in chosen)
            self._fill()

    @work(exclusive=True, group="runs-pick")
    async def action_pick_columns(self) -> None:
        from mlpm.tui.screens.modals import PromptScreen

        offered = ", ".join(runs_view.column_keys(self.data.runs))
        prompt = PromptScreen(
            "Columns: config and summary keys, comma-separated (empty: the default)",
            placeholder=offered or "lr, model, val/acc",
            value=",".join(self.saved_columns),
            allow_empty=True,
        )
        text = await self.app.push_screen_wait(prompt)
        if text is None:
            return
        try:
            keys = run_columns.parse(text)
        except MlpmError as exc:
            self.notify(str(exc), title="Columns", severity="error", markup=False)
            return
        for key in run_fields.missing(self.data.runs, keys):  # kept, as `runs list` keeps it
            self.notify(
                f"no run shown has {key!r}", title="Columns", severity="warning", markup=False
            )
        await self.perform(runs_view.save_columns, keys)  # reloads with them
