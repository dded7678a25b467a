"""A table of fixed-width columns that draws only the rows in view, each row one line (Textual's
Line API), for tables of thousands of rows.

DataTable keeps a structure per row and draws each cell through its own styled render, about a
millisecond a line: 10,000 runs re-sorted took over 100 ms to repaint. Here the rows are a list
of keys over a mapping of cells: a re-sort or a filter replaces the list (nothing per row is
made), and a row's line is drawn once for its cells and kept while they are the same sequence.
It looks and answers like a row-cursor DataTable: the header row stays on top, zebra stripes,
a cursor that scrolls into view, enter or a click selects, a click on a header asks to sort.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import OverflowMethod
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAD = 1  # blank cells each side of a column's text
DRAWN_LIMIT = 20_000  # rows whose lines are kept (two loads of 10,000 runs)
STRIPS_LIMIT = 4_000  # finished lines kept (a few screens, each in a few styles)


@dataclass(slots=True)
class Column:
    """A column's header label and the width of its text (without the padding)."""

    label: Text
    width: int

    def get_render_width(self, table: LineTable) -> int:
        """Its width on screen, the padding included (as DataTable's columns answer)."""
        return self.width + 2 * PAD


class LineTable(ScrollView, can_focus=True):
    """Rows of `Text` cells under fixed-width columns, with a row cursor."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "line-table--header",
        "line-table--cursor",
        "line-table--even-row",
    }
    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .line-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .line-table--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .line-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .line-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .line-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First row", show=False, id="table.first"),
        Binding("end,G", "last", "Last row", show=False, id="table.last"),
        Binding("enter", "select_cursor", "Select", show=False),
    ]

    @dataclass
    class RowHighlighted(Message):
        """The cursor is on another row (or the rows changed under it)."""

        table: LineTable
        cursor_row: int
        key: str | None

        @property
        def control(self) -> LineTable:
            return self.table

    @dataclass
    class RowSelected(Message):
        """Enter was pressed on a row, or a row was clicked."""

        table: LineTable
        cursor_row: int
        key: str

        @property
        def control(self) -> LineTable:
            return self.table

    @dataclass
    class HeaderSelected(Message):
        """A column's header was clicked."""

        table: LineTable
        column_index: int

        @property
        def control(self) -> LineTable:
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.ordered_columns: list[Column] = []
        self._keys: list[str] = []  # the rows, in their order
        self._index: dict[str, int] | None = {}  # row by key (None: not found since set_rows)
        self._cells: Mapping[str, Sequence[Text]] = {}
        self.cursor_row = 0
        # Each row's line (its cells, padded), with the cells it was drawn from.
        self._drawn: dict[str, tuple[Sequence[Text], list[Segment]]] = {}
        self._header: Strip | None = None
        # Each row's finished line by its place (row, stripe or cursor, scroll, width, styles).
        self._strips: dict[tuple[object, ...], tuple[Sequence[Text], Strip]] = {}
        self._paint: tuple[Style, Style, Style, Style] | None = None
        self._width = 0

    # -- what it holds ---------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def row_keys(self) -> list[str]:
        """The rows' keys, in their order."""
        return self._keys

    @property
    def cursor_key(self) -> str | None:
        """The key of the cursor's row (None when there are no rows)."""
        return self._keys[self.cursor_row] if self._keys else None

    @property
    def _rows(self) -> dict[str, int]:
        """Each shown row's place by key, found when first asked after `set_rows` (a filter of
        10,000 rows with the cursor on the first needs none)."""
        if self._index is None:
            self._index = {key: i for i, key in enumerate(self._keys)}
        return self._index

    def get_row_index(self, key: str) -> int:
        """The row's place (a `KeyError` when it is not shown)."""
        return self._rows[key]

    def get_row(self, key: str) -> list[Text]:
        return list(self._cells[key])

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def set_columns(self, labels: Sequence[Text], widths: Sequence[int]) -> None:
        """Replace the columns: their labels and the widths of their text."""
        self.ordered_columns = [Column(label, w) for label, w in zip(labels, widths, strict=True)]
        self._width = sum(c.get_render_width(self) for c in self.ordered_columns)
        self._header = None
        self._drawn.clear()
        self._strips.clear()
        self._resize()

    def set_rows(
        self, keys: Sequence[str], cells: Mapping[str, Sequence[Text]], keep: str | None = None
    ) -> None:
        """Show the rows of `keys`, in that order, each with its cells in `cells`; the cursor
        goes to the row `keep` when shown, else to the first row. A row is drawn again only
        when its cells are another sequence: give a new one for a row whose cells changed."""
        self._keys = list(keys)
        self._index = None
        self._cells = cells
        if len(self._drawn) > DRAWN_LIMIT:
            self._drawn.clear()
        self.cursor_row = self._place(keep)
        self._resize()
        if self.cursor_row == 0:
            self.scroll_to(y=0, animate=False, immediate=True)
        else:
            self._scroll_to_cursor()
        self.refresh()
        self._highlighted()

    def refresh_row(self, key: str) -> None:
        """Draw the row again (its cells changed)."""
        row = self._rows.get(key)
        if row is not None:
            self.refresh(Region(0, 1 + row - int(self.scroll_offset.y), self.size.width, 1))

    def _place(self, key: str | None) -> int:
        """The row of `key`, else the first row."""
        if key is None:
            return 0
        try:
            return self._keys.index(key)  # one scan, in C: cheaper than the mapping
        except ValueError:
            return 0

    def _resize(self) -> None:
        self.virtual_size = Size(self._width, len(self._keys) + 1)  # the header row too

    # -- the cursor ------------------------------------------------------------------------

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        """Put the cursor on `row` (kept in range) and scroll it into view."""
        if not self._keys:
            return
        row = max(0, min(row, len(self._keys) - 1))
        old, self.cursor_row = self.cursor_row, row
        self._scroll_to_cursor(animate)
        if row != old:
            self.refresh()
            self._highlighted()

    def _scroll_to_cursor(self, animate: bool = False) -> None:
        view = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=animate, immediate=True)
        elif self.cursor_row >= top + view:
            self.scroll_to(y=self.cursor_row - view + 1, animate=animate, immediate=True)

    def _highlighted(self) -> None:
        self.post_message(self.RowHighlighted(self, self.cursor_row, self.cursor_key))

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + self._page())

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._keys) - 1)

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, self.cursor_row, key))

    async def _on_click(self, event: events.Click) -> None:
        x = event.x + int(self.scroll_offset.x)
        if event.y == 0:
            edge = 0
            for index, column in enumerate(self.ordered_columns):
                edge += column.get_render_width(self)
                if x < edge:
                    self.post_message(self.HeaderSelected(self, index))
                    break
            return
        row = int(self.scroll_offset.y) + event.y - 1
        if 0 <= row < len(self._keys):
            self.move_cursor(row=row)
            self.action_select_cursor()

    # -- drawing ---------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint = None  # the styles, found once a paint (each asks every ancestor)
        return super().render_lines(crop)

    def _styles(self) -> tuple[Style, Style, Style, Style]:
        """The base, header, cursor and striped rows' styles, for this paint."""
        if self._paint is None:
            base = self.rich_style
            part = self.get_component_rich_style
            header = base + part("line-table--header")
            self._paint = (base, header, part("line-table--cursor"), part("line-table--even-row"))
        return self._paint

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = (int(v) for v in self.scroll_offset)
        width = self.scrollable_content_region.width
        base, header, cursor, even = self._styles()
        if y == 0:  # the header's colours to the right edge, as DataTable's
            return self._header_strip(header).crop_extend(scroll_x, scroll_x + width, header)
        row = scroll_y + y - 1
        if row >= len(self._keys):
            return Strip.blank(width, base)
        key = self._keys[row]
        kind = 2 if row == self.cursor_row else row % 2
        place = (key, kind, scroll_x, width, base, cursor, even)
        cells = self._cells[key]
        kept = self._strips.get(place)
        if kept is not None and kept[0] is cells:
            return kept[1]
        style, over = base, None
        if kind == 2:  # the cursor's colours over the cells' (as DataTable's)
            style, over = base + cursor, cursor
        elif kind == 0:
            style = base + even
        segments = self._row_segments(key)
        strip = Strip(Segment.apply_style(segments, style, over), self._width).crop_extend(
            scroll_x, scroll_x + width, style
        )
        if len(self._strips) > STRIPS_LIMIT:
            self._strips.clear()
        self._strips[place] = (cells, strip)
        return strip

    def _header_strip(self, style: Style) -> Strip:
        if self._header is None:
            line = self._line([c.label for c in self.ordered_columns], overflow="crop")
            self._header = Strip(Segment.apply_style(line, style), self._width)
        return self._header

    def _row_segments(self, key: str) -> list[Segment]:
        cells = self._cells[key]
        drawn = self._drawn.get(key)
        if drawn is None or drawn[0] is not cells:
            drawn = self._drawn[key] = (cells, self._line(cells))
        return drawn[1]

    def _line(self, cells: Sequence[Text], overflow: OverflowMethod = "ellipsis") -> list[Segment]:
        """The cells side by side, each padded (or cut) to its column's width."""
        line = Text(end="", no_wrap=True)
        for cell, column in zip(cells, self.ordered_columns, strict=False):
            text = cell
            if "\n" in cell.plain:  # one line a row
                text = Text(cell.plain.replace("\n", " "), style=cell.style, justify=cell.justify)
                text.spans = list(cell.spans)  # the same offsets: one character for one
            if text.cell_len > column.width:
                text = text.copy()
                text.truncate(column.width, overflow=overflow)
            space = column.width - text.cell_len
            right = cell.justify == "right"
            line.append(" " * (PAD + (space if right else 0)))
            line.append_text(text)
            line.append(" " * (PAD + (0 if right else space)))
        return list(line.render(self.app.console))

    def on_resize(self) -> None:
        self._scroll_to_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._header = None
