"""The board's columns: a header ("Doing 2/2", lit at its limit) above a virtualised card list."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget

from mlpm.models import Task
from mlpm.services import board
from mlpm.tui.render import card, card_detail
from mlpm.tui.widgets.rowlist import RowList


class CardList(RowList[Task], can_focus=False):
    """One column's cards, virtualised. Not focusable: the screen holds the keys and says
    which column is active, since moving Textual's focus repaints the whole screen."""

    def render_row(self, item: Task, width: int) -> Text:
        return card(item, width, compact=self.row_height == 1)

    def render_detail(self, item: Task, width: int, line: int) -> Text:
        return card_detail(item, width)


class ColumnHeader(Widget):
    """ "Doing 2/2": a fixed one-line widget, so a new count repaints without a relayout."""

    DEFAULT_CSS = """
    ColumnHeader { height: 1; width: 1fr; }
    """
    label: reactive[str] = reactive("", layout=False)
    """The header text, from the service's `Column.header`."""

    def render(self) -> Text:
        return Text(self.label, no_wrap=True, overflow="ellipsis")


class BoardColumn(Vertical):
    """A column header ("Doing 2/2", lit when at or over its limit) above its cards."""

    def __init__(self, name: str) -> None:
        super().__init__(id=f"col-{name}", classes="column")
        self.column_name = name

    def compose(self) -> ComposeResult:
        yield ColumnHeader(classes="column-header")
        yield CardList(id=f"cards-{self.column_name}", empty="empty")

    @property
    def cards(self) -> CardList:
        return self.query_one(CardList)

    def show(self, column: board.Column) -> None:
        header = self.query_one(ColumnHeader)
        header.label = column.header
        over = column.limit is not None and column.count > column.limit.limit
        # set_class restyles even when nothing changes: touch classes only on a change.
        if header.has_class("-at-limit") != column.at_limit:
            header.set_class(column.at_limit, "-at-limit")
        if header.has_class("-over-limit") != over:
            header.set_class(over, "-over-limit")
        # Today's leftovers from earlier days follow today's plan (the header counts them).
        whole = len(column.tasks) == column.count
        items = column.tasks + column.waiting if whole else column.tasks
        self.cards.set_items(items, total=column.count + len(column.waiting) * whole)
