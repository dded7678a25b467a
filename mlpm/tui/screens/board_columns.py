"""The board's columns: a header ("Doing 2/2", lit at its limit) above a virtualised card list."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget

from mlpm.models import Task
from mlpm.services import board
from mlpm.services.people import initials
from mlpm.tui.render import card, card_detail, card_title
from mlpm.tui.widgets.rowlist import RowList


class CardList(RowList[Task], can_focus=False):
    """One column's cards, virtualised. Not focusable: the screen holds the keys and says
    which column is active, since moving Textual's focus repaints the whole screen.

    Compact (one line per card): `#12 AL title… 2p` (AL: the assignee's initials). Tall: the
    whole title wrapped to up to three lines, then `#12 · AL · 2p · #tags`. Leftovers from
    earlier days (`waiting`) come last, under a "waiting for review" line, dimmed."""

    variable_rows = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.waiting: set[int] = set()
        self.first_waiting: int | None = None

    def _separated(self, item: Task) -> int:
        return 1 if item.id == self.first_waiting else 0

    def row_lines(self, item: Task, width: int) -> int:
        if self.row_height == 1:
            return 1 + self._separated(item)
        return len(card_title(item, width)) + 1 + self._separated(item)

    def cursor_line(self, item: Task, line: int) -> bool:
        return line >= self._separated(item)

    def render_part(self, item: Task, width: int, line: int) -> Text:
        line -= self._separated(item)
        if line < 0:
            label = "┄ waiting for review" if width >= 20 else "┄ to review"
            return Text(label, style="dim yellow")
        waiting = item.id in self.waiting
        style = "dim" if waiting else ""
        who = initials(item.assignee) if width >= MIN_WIDTH_FOR_INITIALS else ""
        if self.row_height == 1:
            if not who:
                return card(item, width, style=style)
            text = card(item, width - len(who) - 1, style=style)
            ident = len(f"#{item.id} ")
            return text[:ident] + Text(f"{who} ", style=ASSIGNEE_STYLE) + text[ident:]
        title = card_title(item, width)
        if line < len(title):
            return Text(title[line], style=style)
        detail = card_detail(item, width)
        if not who:
            return detail
        ident = len(f"  #{item.id}")
        return (
            detail[:ident]
            + Text(" · ", style="dim")
            + Text(who, style=ASSIGNEE_STYLE)
            + (detail[ident:])
        )


MIN_WIDTH_FOR_INITIALS = 14  # narrower, a card keeps its room for the title
ASSIGNEE_STYLE = "bold cyan"


class ColumnHeader(Widget):
    """ "Doing 2/2": a fixed one-line widget, so a new count repaints without a relayout.
    The whole header when it fits ("Today 3 (1 to review)"), else its short form
    ("Today 3 (1 review)", "Today 3 (1)"), cut with an ellipsis only when none fits."""

    DEFAULT_CSS = """
    ColumnHeader { height: 1; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    label: reactive[str] = reactive("", layout=False)
    """The header text, from the service's `Column.header`."""
    forms: reactive[tuple[str, ...]] = reactive((), layout=False)
    """Its shorter forms, longest first (`Column.headers`)."""

    @property
    def shown(self) -> str:
        """The longest form that fits the header's width (else the shortest, cut)."""
        width = self.size.width
        fitting = [f for f in (self.label, *self.forms) if len(f) <= width]
        return fitting[0] if fitting else (self.forms or (self.label,))[-1]

    def render(self) -> Text:
        return Text(self.shown, no_wrap=True, overflow="ellipsis")


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

    @property
    def collapsed(self) -> bool:
        return self.has_class("-collapsed")

    def collapse(self, folded: bool) -> None:
        """Fold the column to its header ("Done 12"), giving its width to the others."""
        if folded != self.collapsed:
            self.set_class(folded, "-collapsed")
            self.cards.display = not folded

    def show(self, column: board.Column) -> None:
        header = self.query_one(ColumnHeader)
        header.label, header.forms = column.header, column.headers[1:]
        over = column.limit is not None and column.count > column.limit.limit
        over = over or (column.my_limit is not None and (column.mine or 0) > column.my_limit)
        # set_class restyles even when nothing changes: touch classes only on a change.
        if header.has_class("-at-limit") != column.at_limit:
            header.set_class(column.at_limit, "-at-limit")
        if header.has_class("-over-limit") != over:
            header.set_class(over, "-over-limit")
        # Today's leftovers from earlier days follow today's plan (the header counts them).
        whole = len(column.tasks) == column.count
        items = column.tasks + column.waiting if whole else column.tasks
        cards = self.cards
        waiting = {t.id for t in column.waiting} if whole else set()
        select = None
        if waiting != cards.waiting:  # lay the cards out again, the separator moved
            select = cards.current.id if cards.current else None
            cards.waiting = waiting
            cards.first_waiting = column.waiting[0].id if waiting else None
            cards.items = []
        cards.set_items(items, select=select, total=column.count + len(column.waiting) * whole)
