"""A `KeyTable` whose rows are replaced all at once and whose text cells draw quickly, for
tables of thousands of rows.

`DataTable.add_row` checks the cursor and queues the row for measuring, one row at a time:
about 0.25 ms a row, 2.5 s for 10,000 runs. `set_rows` fills the same structures in one pass
and measures nothing (every column has a fixed width), so filtering or re-sorting 10,000
rows takes a few tens of milliseconds. Drawing a one-line `Text` cell skips the general path
(`Padding` inside `Styled` through `render_lines`, about half a millisecond a cell, a quarter
of a second for a 160x45 table): the text is padded to the width and its segments styled as
that path styles them. Both reach into DataTable's private parts (`_data`, `_row_locations`,
`rows`, `_render_cell`); tests/test_tui_runs_table.py checks the rows and every drawn segment
against a plain DataTable's, so a Textual upgrade that changes them fails a test, not a user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets._data_table import CellCacheKey, ColumnKey, Row, RowKey

from mlpm.tui.widgets.table import KeyTable

DRAWN_LIMIT = 50_000  # cells whose segments are kept (a few screens of re-sorts of 10k rows)


class BulkTable(KeyTable):
    """A `KeyTable` with `set_rows` (columns added with fixed widths)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._keys: dict[str, tuple[RowKey, Row, tuple[RowKey, int]]] = {}  # kept across fills
        # A row's cells (the very sequence given) and the cell dict made of them, per key.
        self._cell_dicts: dict[str, tuple[Sequence[Text], dict[ColumnKey, Text]]] = {}
        self._signature: tuple[ColumnKey, ...] = ()
        self._pre_styles: dict[tuple[Style, Style, int, int], Style] = {}
        # Each cell's padded segments by (id, width), with the cell (so an id is never reused)
        self._drawn: dict[tuple[int, int], tuple[Text, list[Segment]]] = {}

    def set_rows(self, keys: Sequence[str], cells: Mapping[str, Sequence[Text]]) -> None:
        """Replace every row with the rows of `keys`, in that order, each with its `cells`;
        the cursor goes to the first row and a `RowHighlighted` is posted, as `add_row` does
        for a first row. Nothing is made per row that a row made before already has: every
        object made per row is one more for the garbage collector to walk."""
        if any(column.auto_width for column in self.columns.values()):
            raise ValueError("set_rows needs every column's width")
        # `clear()` finds every old row's place before dropping them: drop them first.
        self.rows.clear()
        self._update_count += 1
        self.clear()
        columns = [column.key for column in self.ordered_columns]
        # Columns added again have new keys (equal to the old ones when they have no name):
        # compared by identity, the kept cell dicts are keyed by the old ones.
        if len(columns) != len(self._signature) or any(
            a is not b for a, b in zip(columns, self._signature, strict=False)
        ):
            self._signature, self._cell_dicts = tuple(columns), {}
        dicts = self._cell_dicts
        known = self._keys
        data = self._data
        table_rows = self.rows
        ordered: list[Row] = []
        offsets: list[tuple[RowKey, int]] = []
        locations: dict[RowKey, int] = {}
        for index, key in enumerate(keys):
            made = known.get(key)
            if made is None:
                row_key = RowKey(key)
                made = known[key] = (row_key, Row(row_key, 1), (row_key, 0))
            row_key, row, offset = made
            locations[row_key] = index
            # A row's cell dict is kept while its cells are the same sequence object (hashing
            # the column keys of 10,000 rows again costs more than the rest of the fill):
            # give a new sequence for a row whose cells changed.
            row_cells = cells[key]
            kept = dicts.get(key)
            if kept is None or kept[0] is not row_cells:
                kept = dicts[key] = (row_cells, dict(zip(columns, row_cells, strict=True)))
            data[row_key] = kept[1]
            table_rows[row_key] = row
            ordered.append(row)
            offsets.append(offset)
        self._row_locations = TwoWayDict(locations)
        self._update_count += 1
        # The order is known: spare the table finding it again, row by row, on the next paint.
        self._ordered_row_cache[(len(ordered), self._update_count)] = ordered
        self._offset_cache[self._update_count] = offsets
        self._require_update_dimensions = True
        self.check_idle()
        if ordered and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        if row_index < 0 or column_index < 0:  # the header and row labels: the usual way
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key: CellCacheKey = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        found = self._cell_render_cache.get(cache_key)
        if found is not None:
            return found
        cell = self._data[row_key].get(column_key)
        pad = self.cell_padding
        inner = width - 2 * pad
        if not isinstance(cell, Text) or self.rows[row_key].height != 1 or "\n" in cell.plain:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if cell.cell_len > inner or cell.justify not in (None, "default", "left", "right"):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            fixed,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        drawn = self._drawn.get((id(cell), width))
        if drawn is None or drawn[0] is not cell:  # the cell's text, padded: drawn once
            space = inner - cell.cell_len
            left = pad + (space if cell.justify == "right" else 0)
            right = pad + (0 if cell.justify == "right" else space)
            line = Text(" " * left, end="")
            line.append_text(cell)
            line.append(" " * right)
            line.end = ""
            if len(self._drawn) > DRAWN_LIMIT:
                self._drawn.clear()
            drawn = self._drawn[(id(cell), width)] = (cell, list(line.render(self.app.console)))
        styles = (base_style, component_style, row_index, column_index)
        pre_style = self._pre_styles.get(styles)
        if pre_style is None:  # a Style with meta is made by pickling it: once per place
            meta = Style.from_meta({"row": row_index, "column": column_index})
            pre_style = self._pre_styles[styles] = base_style + meta + component_style
        lines = [list(Segment.apply_style(drawn[1], pre_style, post_style))]
        self._cell_render_cache[cache_key] = lines
        return lines
