"""A `KeyTable` whose rows are replaced all at once, for tables of thousands of rows.

`DataTable.add_row` checks the cursor and queues the row for measuring, one row at a time:
about 0.25 ms a row, 2.5 s for 10,000 runs. `set_rows` fills the same structures in one pass
and measures nothing (every column has a fixed width), so filtering or re-sorting 10,000
rows repaints in a few tens of milliseconds. It reaches into DataTable's private row
structures (`_data`, `_row_locations`, `rows`); tests/test_tui_runs_table.py checks that the
result matches `add_row`'s, so a Textual upgrade that changes them fails a test, not a user.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets._data_table import ColumnKey, Row, RowKey

from mlpm.tui.widgets.table import KeyTable


class BulkTable(KeyTable):
    """A `KeyTable` with `set_rows` (columns added with fixed widths)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._keys: dict[str, tuple[RowKey, Row]] = {}  # reused across fills
        # A row's cells (the very sequence given) and the cell dict made of them, per key.
        self._cell_dicts: dict[str, tuple[Sequence[Text], dict[ColumnKey, Text]]] = {}
        self._signature: tuple[str | None, ...] = ()

    def set_rows(self, rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
        """Replace every row with `rows` (key, cells), in that order; the cursor goes to the
        first row and a `RowHighlighted` is posted as `add_row` does for a first row."""
        if any(column.auto_width for column in self.columns.values()):
            raise ValueError("set_rows needs every column's width")
        # `clear()` finds every old row's place before dropping them: drop them first.
        self.rows.clear()
        self._update_count += 1
        self.clear()
        columns = [column.key for column in self.ordered_columns]
        signature = tuple(column.key.value for column in self.ordered_columns)
        if signature != self._signature:
            self._signature, self._cell_dicts = signature, {}
        dicts = self._cell_dicts
        known = self._keys
        data = self._data
        table_rows = self.rows
        ordered: list[Row] = []
        locations: dict[RowKey, int] = {}
        for index, (key, cells) in enumerate(rows):
            pair = known.get(key)
            if pair is None:
                row_key = RowKey(key)
                pair = known[key] = (row_key, Row(row_key, 1))
            row_key, row = pair
            locations[row_key] = index
            # A row's cell dict is kept while its cells are the same sequence object (hashing
            # the column keys of 10,000 rows again costs more than the rest of the fill):
            # give a new sequence for a row whose cells changed.
            kept = dicts.get(key)
            if kept is None or kept[0] is not cells:
                kept = dicts[key] = (cells, dict(zip(columns, cells, strict=True)))
            data[row_key] = kept[1]
            table_rows[row_key] = row
            ordered.append(row)
        self._row_locations = TwoWayDict(locations)
        self._update_count += 1
        # The order is known: spare the table finding it again, row by row, on the next paint.
        self._ordered_row_cache[(len(ordered), self._update_count)] = ordered
        self._offset_cache[self._update_count] = [(row.key, 0) for row in ordered]
        self._require_update_dimensions = True
        self.check_idle()
        if ordered and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
