"""A virtualised list: only the visible rows are rendered (Textual's Line API), so a column
of 10,000 cards paints as fast as one of ten."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

T = TypeVar("T")


class RowList(ScrollView, Generic[T], can_focus=True, inherit_bindings=False):
    """Rows of items, one line each, with a cursor. Subclasses (or `render_row=`) turn an
    item into a `rich.text.Text`; `key=` gives the identity that keeps the cursor on an item
    across reloads."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rowlist--cursor",
        "rowlist--cursor-blurred",
        "rowlist--empty",
    }
    DEFAULT_CSS = """
    RowList {
        height: 1fr;
        background: $surface;
        overflow-y: auto;
        overflow-x: hidden;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
        scrollbar-background: $surface;
        scrollbar-background-hover: $surface;
        scrollbar-background-active: $surface;
    }
    RowList > .rowlist--cursor {
        background: $accent;
        color: $text;
        text-style: bold;
    }
    RowList > .rowlist--cursor-blurred {
        background: $boost;
        text-style: bold;
    }
    RowList > .rowlist--empty {
        color: $text-muted;
        text-style: italic;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
        Binding("enter", "select", "Open", show=False, id="list.select"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)
    """Index of the highlighted row."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another item (or the items changed under it)."""

        row_list: RowList[Any]
        index: int
        item: Any

        @property
        def control(self) -> RowList[Any]:
            return self.row_list

    @dataclass
    class NeedMore(Message):
        """The view came near the end of the loaded rows while more exist."""

        row_list: RowList[Any]
        loaded: int

        @property
        def control(self) -> RowList[Any]:
            return self.row_list

    @dataclass
    class Clicked(Message):
        """A row was clicked (the Board makes that column the active one)."""

        row_list: RowList[Any]

        @property
        def control(self) -> RowList[Any]:
            return self.row_list

    @dataclass
    class Selected(Message):
        """Enter was pressed on an item."""

        row_list: RowList[Any]
        index: int
        item: Any

        @property
        def control(self) -> RowList[Any]:
            return self.row_list

    def __init__(
        self,
        *,
        render_row: Callable[[T, int], Text] | None = None,
        key: Callable[[T], Hashable] | None = None,
        empty: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.items: list[T] = []
        self.total = 0
        self._asked_more = False
        self._render_row = render_row
        self._key = key or (lambda item: id_of(item))
        self._empty = empty
        self._cache: dict[tuple[int, int, bool, bool], Strip] = {}
        self.active: bool | None = None
        """Draw the cursor as current: None follows focus; the Board sets it itself."""
        self.row_height = 1
        """Lines per item: the second line (if any) comes from `render_detail`."""
        self._starts: list[int] | None = None
        """First line of each loaded item (and the end) when `row_lines` varies by item."""

    # -- data ------------------------------------------------------------------------------

    def set_items(
        self, items: Sequence[T], *, select: Hashable | None = None, total: int | None = None
    ) -> None:
        """Replace the rows, keeping the cursor on the same item (or on `select`).

        `total` (when more rows exist than were loaded) sizes the scrollbar; a `NeedMore`
        message asks for the rest when the view comes near the end of the loaded rows."""
        old_key = self._key(self.items[self.cursor]) if self.items else None
        target = select if select is not None else old_key
        old_cursor = self.cursor
        new_items = list(items)
        new_total = max(len(new_items), total or 0)
        if new_items == self.items and new_total == self.total:
            if select is not None and select != old_key:
                self._select(select)
            return  # nothing changed: keep the rendered lines
        self.items = new_items
        self.total = new_total
        self._asked_more = False
        self._cache.clear()
        self._layout()
        index = None
        if target is not None:
            for position, item in enumerate(self.items):
                if self._key(item) == target:
                    index = position
                    break
        if index is None:
            index = min(old_cursor, max(0, len(self.items) - 1))
        self.cursor = index
        self.refresh()

    def _set_virtual_height(self, height: int) -> None:
        """Resize the scrollable area without a relayout of the whole screen: the scrollbar
        gutter is always kept (see CSS), so no other widget can be affected."""
        size = Size(0, height)
        if size != self.virtual_size:
            self.set_reactive(Widget.virtual_size, size)
            self._scroll_update(size)
            self.refresh()

    variable_rows = False
    """Items take `row_lines` lines each (a card's wrapped title), else `row_height`; rows
    not loaded yet take `row_height`."""

    def row_lines(self, item: T, width: int) -> int:
        """How many lines `item` takes at `width` (when `variable_rows`)."""
        return self.row_height

    def _layout(self) -> None:
        """Work out where each item starts, and size the scrollable area to match."""
        if self.variable_rows:
            width = self.scrollable_content_region.width
            starts = [0]
            for item in self.items:
                starts.append(starts[-1] + max(1, self.row_lines(item, width)))
            self._starts = starts
        else:
            self._starts = None
        self._set_virtual_height(self._line_of(self.total))

    def _line_of(self, index: int) -> int:
        """The first line of item `index` (or where it would be)."""
        starts = self._starts
        if starts is None:
            return index * self.row_height
        loaded = len(starts) - 1
        if index <= loaded:
            return starts[index]
        return starts[-1] + (index - loaded) * self.row_height

    def _item_at(self, y: int) -> tuple[int, int]:
        """(item index, line within the item) of virtual line `y`."""
        starts = self._starts
        if starts is None or y >= starts[-1]:
            base, first = (0, 0) if starts is None else (len(starts) - 1, starts[-1])
            index, line = divmod(y - first, self.row_height)
            return base + index, line
        index = bisect_right(starts, y) - 1
        return index, y - starts[index]

    def _select(self, key: Hashable) -> None:
        for position, item in enumerate(self.items):
            if self._key(item) == key:
                self.cursor = position
                return

    @property
    def current(self) -> T | None:
        """The highlighted item, if any."""
        if 0 <= self.cursor < len(self.items):
            return self.items[self.cursor]
        return None

    def render_row(self, item: T, width: int) -> Text:
        """The text of one row (override, or pass `render_row=`)."""
        if self._render_row is not None:
            return self._render_row(item, width)
        return Text(str(item))

    # -- cursor ----------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.items) - 1)) if self.items else 0

    def watch_cursor(self, old: int, new: int) -> None:
        for line in range(self._line_of(old), self._line_of(old + 1)):
            key = (line, self.scrollable_content_region.width, True)
            self._cache.pop((*key, self.is_active), None)
        self.refresh()
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self, new, self.current))
        self._check_more(new)

    def _check_more(self, index: int) -> None:
        margin = max(20, self.size.height)
        more = self.total > len(self.items)
        if more and not self._asked_more and index >= len(self.items) - margin:
            self._asked_more = True
            self.post_message(self.NeedMore(self, len(self.items)))

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = self.scroll_offset.y
        first = self._line_of(self.cursor)
        last = self._line_of(self.cursor + 1) - 1
        if first < top:
            self.scroll_to(y=first, animate=False, immediate=True)
        elif last >= top + height:
            self.scroll_to(y=last - height + 1, animate=False, immediate=True)

    def set_row_height(self, lines: int) -> None:
        """One line per item, or more (a title line and detail lines)."""
        if lines != self.row_height:
            self.row_height = lines
            self._cache.clear()
            self._layout()
            self._scroll_to_cursor()
            self.refresh()

    def render_detail(self, item: T, width: int, line: int) -> Text:
        """Line `line` (1, 2, ...) under an item's first line, when `row_height` > 1."""
        return Text()

    def render_part(self, item: T, width: int, line: int) -> Text:
        """Line `line` of an item: its first line, then its detail lines."""
        return self.render_row(item, width) if line == 0 else self.render_detail(item, width, line)

    def cursor_line(self, item: T, line: int) -> bool:
        """Whether the cursor lights line `line` of the item (a heading line may stay dark)."""
        return True

    def on_resize(self) -> None:
        self._cache.clear()
        self._layout()
        self._scroll_to_cursor()

    @property
    def is_active(self) -> bool:
        return self.has_focus if self.active is None else self.active

    def set_active(self, active: bool) -> None:
        if active != self.active:
            self.active = active
            self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def _page(self) -> int:
        lines = self._line_of(len(self.items)) / max(1, len(self.items))  # per item, on average
        return max(1, int(self.scrollable_content_region.height / lines) - 1)

    def action_page_up(self) -> None:
        self.cursor -= self._page()

    def action_page_down(self) -> None:
        self.cursor += self._page()

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.items) - 1

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self, self.cursor, self.current))

    async def _on_click(self, event: Any) -> None:
        row = self._item_at(event.y + self.scroll_offset.y)[0]
        if 0 <= row < len(self.items):
            self.post_message(self.Clicked(self))
            self.cursor = row
            if getattr(event, "chain", 1) >= 2:
                self.action_select()

    # -- rendering (only visible lines) ------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index, line = self._item_at(y + self.scroll_offset.y)
        base = self.rich_style
        if not self.items:
            if y == 0 and self._empty:
                style = self.get_component_rich_style("rowlist--empty")
                text = Text(self._empty, style=style, no_wrap=True, overflow="ellipsis")
                text.truncate(width, overflow="ellipsis", pad=True)
                return Strip(list(text.render(self.app.console)), width).apply_style(base)
            return Strip.blank(width, base)
        if index >= len(self.items):
            if index < self.total and line == 0:
                self._check_more(index)
                text = Text("…", style="dim")
                text.truncate(width, pad=True)
                return Strip(list(text.render(self.app.console)), width).apply_style(base)
            return Strip.blank(width, base)
        selected = index == self.cursor
        active = self.is_active
        cache_key = (y + self.scroll_offset.y, width, selected, active)
        strip = self._cache.get(cache_key)
        if strip is None:
            item = self.items[index]
            text = self.render_part(item, width, line)
            text.no_wrap = True
            text.truncate(width, overflow="ellipsis", pad=True)
            segments: list[Segment] = list(text.render(self.app.console))
            strip = Strip(segments, width)
            if selected and self.cursor_line(item, line):
                name = "rowlist--cursor" if active else "rowlist--cursor-blurred"
                strip = strip.apply_style(self.get_component_rich_style(name))
            strip = strip.apply_style(base)
            if len(self._cache) > 2000:
                self._cache.clear()
            self._cache[cache_key] = strip
        return strip


def id_of(item: Any) -> Hashable:
    """Default identity of a row: its `id` attribute, or the item itself."""
    value = getattr(item, "id", None)
    return value if value is not None else item
