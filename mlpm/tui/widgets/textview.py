"""Scrollable, word-wrapped text drawn with the Line API: replacing the text repaints the
widget without a relayout of the screen (a `Static` of `height: auto` relayouts every time)."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget


class TextView(ScrollView, can_focus=False):
    DEFAULT_CSS = """
    TextView {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, text: Text | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = text or Text()
        self._lines: list[Strip] = []
        self._width = -1

    def set_text(self, text: Text) -> None:
        """Show `text` from its top."""
        self.text = text
        self._width = -1
        self._wrap()
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def _wrap(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._width:
            return
        self._width = width
        console = self.app.console
        lines = self.text.wrap(console, width, overflow="fold")
        self._lines = [
            Strip(list(line.render(console)), line.cell_len).extend_cell_length(width)
            for line in lines
        ]
        size = Size(0, len(self._lines))
        if size != self.virtual_size:
            self.set_reactive(Widget.virtual_size, size)
            self._scroll_update(size)

    def on_resize(self) -> None:
        self._wrap()

    def render_line(self, y: int) -> Strip:
        self._wrap()
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if 0 <= index < len(self._lines):
            return self._lines[index].crop(0, width).apply_style(self.rich_style)
        return Strip([Segment(" " * width)], width).apply_style(self.rich_style)
