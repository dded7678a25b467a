"""The Runs screen's table: its rows and columns, the order they are sorted in, and the status
line under it. `RunsScreen` (runs.py) adds the chart, the marks and the comparisons."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.widgets import DataTable, Static

from mlpm.services.run_checks import RunFlag
from mlpm.services.runs import Run
from mlpm.tui.render import literal
from mlpm.tui.screens.base import DataScreen
from mlpm.tui.screens.runs_cells import row_cells, status_line
from mlpm.tui.screens.runs_data import Marks, RunsData, SortKey, ordered, sort_keys


class RunsTableScreen(DataScreen):
    """The runs in a sortable table; the cursor's run is `current`."""

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

    # -- the rows --------------------------------------------------------------------------

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

    def action_sort(self) -> None:
        names = list(self._sort_keys())
        self.sort_by = names[(names.index(self.sort_by) + 1) % len(names)]
        self.reverse = False
        self._fill()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self._fill()
