"""Board: the five columns side by side, WIP counts, a card cursor, moves, card details."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from mlpm.errors import MlpmError
from mlpm.models import COLUMNS, Task
from mlpm.services import projects, task_details, tasks
from mlpm.tui import editing, ui_state
from mlpm.tui.render import literal
from mlpm.tui.screens.base import DataScreen, changed_task
from mlpm.tui.screens.board_columns import BoardColumn, CardList
from mlpm.tui.screens.board_data import WINDOW, BoardData, fetch_board, position_of
from mlpm.tui.widgets.detail import DetailPane
from mlpm.tui.widgets.keybar import KeyBar
from mlpm.tui.widgets.navbar import NavBar
from mlpm.tui.widgets.rowlist import RowList

TALL = 36  # from this height on, cards take two lines (title, then id, estimate, tags)
WIDE = 130  # from this width on, the detail pane sits beside the columns
FIRST_WAIT = 0.3  # seconds the first frame waits for data before painting without it
TYPE_TAG = "\x00type"  # the tag picker's "type a tag…" choice
FOLDABLE = ("done", "dropped")  # history, folded to counts by `z`


class BoardScreen(DataScreen):
    """Columns left to right; arrows or hjkl move the cursor, shift moves the card."""

    CSS_PATH = Path(__file__).with_name("board.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor('cursor_up')", "Up", show=False, id="board.up"),
        Binding("down,j", "cursor('cursor_down')", "Down", show=False, id="board.down"),
        Binding("pageup", "cursor('page_up')", "Page up", show=False, id="board.page_up"),
        Binding("pagedown", "cursor('page_down')", "Page down", show=False, id="board.page_down"),
        Binding("home,g", "cursor('first')", "First card", show=False, id="board.first"),
        Binding("end,G", "cursor('last')", "Last card", show=False, id="board.last"),
        Binding("enter", "cursor('select')", "Show details", show=False, id="board.select"),
        Binding("left,h", "focus_column(-1)", "←col", show=False, id="board.column_left"),
        Binding("right,l", "focus_column(1)", "col→", show=False, id="board.column_right"),
        Binding("shift+left,H", "move_card(-1)", "Move ←", id="board.move_left", key_display="⇧←"),
        Binding("shift+right,L", "move_card(1)", "Move →", id="board.move_right", key_display="⇧→"),
        Binding("shift+up,K", "reorder(-1)", "Move up", show=False, id="board.move_up"),
        Binding("shift+down,J", "reorder(1)", "Move down", show=False, id="board.move_down"),
        Binding("a", "add", "Add", id="board.add", tooltip="Add a task to the backlog"),
        Binding("e", "edit", "Edit", id="board.edit", tooltip="Edit title, estimate, tags"),
        Binding("E", "edit_notes", "Notes", show=False, id="board.edit_notes"),
        Binding("s", "to('doing')", "Start", id="board.start"),
        Binding("f", "to('done')", "Finish", id="board.finish"),
        Binding("x", "to('dropped')", "Drop", id="board.drop"),
        Binding("b", "to('backlog')", "Backlog", show=False, id="board.backlog"),
        Binding("d", "toggle_detail", "Details", show=False, id="board.detail"),
        Binding("p", "pick_project", "Project", show=False, id="board.project"),
        Binding("t,slash", "pick_tag", "Tag filter", show=False, id="board.filter"),
        Binding("c", "clear_filters", "Clear filters", show=False, id="board.clear"),
        Binding("z", "fold", "Fold done", id="board.fold", tooltip="Done and Dropped as counts"),
    ]

    class Loaded(Message):
        """The board's data is on screen (benchmarks wait for it)."""

    def __init__(self) -> None:
        super().__init__()
        self.project_filter: str | None = None
        self.tag_filter: str | None = None
        self.data = BoardData(None, [])
        self.follow: tuple[int, str] | None = None
        self.active_column = "backlog"
        self.windows: dict[str, int] = {}
        # Which columns the next load must read: all of them, or only those our own
        # changes touched (`performed` leaves a hint for the reload that follows it).
        self._hint: set[str] | None = None
        self._need_full = True
        self._partial: set[str] = set()
        self._touched: set[str] = set()  # the column of the card being changed
        self._status: Text | None = None  # what the status line shows

    def compose(self) -> ComposeResult:
        yield NavBar("board")
        with Horizontal(id="board-body"):
            with Horizontal(id="columns"):
                for name in COLUMNS:
                    yield BoardColumn(name)
            yield DetailPane(id="detail")
        yield Static(id="board-status")
        yield KeyBar()

    AUTO_FOCUS = None

    async def first_load(self) -> None:
        self._set_wide(self.app.size.width, self.app.size.height)
        self.query_one(DetailPane).display = ui_state.flag("board.detail", True)
        self._fold(ui_state.flag("board.folded"))
        self.active_cards.set_active(True)
        # Wait briefly for the first data so the first frame already shows the cards (one
        # paint instead of two); a slow or locked database falls back to the worker.
        try:
            data = await asyncio.wait_for(self._fetch(), FIRST_WAIT)
        except (TimeoutError, Exception):
            self.reload()
        else:
            self._show(data)

    def on_resize(self) -> None:
        self._set_wide(self.size.width, self.size.height)

    def _set_wide(self, width: int, height: int) -> None:
        if self.has_class("-wide") != (width >= WIDE):
            self.set_class(width >= WIDE, "-wide")
        for cards in self.query(CardList):  # tall terminals: two lines per card
            cards.set_row_height(2 if height >= TALL else 1)

    @on(RowList.NeedMore)
    def _more(self, event: RowList.NeedMore) -> None:
        name = (event.row_list.id or "").removeprefix("cards-")
        self.windows[name] = max(WINDOW, event.loaded * 2)
        self.reload()

    # -- data ------------------------------------------------------------------------------

    def reload(self) -> None:
        hint, self._hint = self._hint, None
        if hint is None:
            self._need_full = True
        else:
            self._partial |= hint
        self._load()

    async def _fetch(self) -> BoardData:
        only = None if self._need_full else set(self._partial)
        return await self.mlpm.db(
            fetch_board, self.project_filter, self.tag_filter, dict(self.windows), only
        )

    @work(exclusive=True, group="board-load")
    async def _load(self) -> None:
        try:
            data = await self._fetch()
        except MlpmError as exc:  # e.g. a project filter that was deleted meanwhile
            self.project_filter = None
            self.notify(str(exc), severity="error", markup=False)
            return
        self._show(data)

    def _show(self, data: BoardData) -> None:
        if data.project is not None and len(data.columns) < len(COLUMNS):
            # A partial read: only the columns a change touched.
            fresh = {c.name: c for c in data.columns}
            self._partial -= set(fresh)
            data.columns = [fresh.get(c.name, c) for c in self.data.columns]
        else:
            self._need_full = False
            self._partial = set()
        self.data = data
        for column in data.columns:
            self.query_one(f"#col-{column.name}", BoardColumn).show(column)
        if self.follow:
            task_id, name = self.follow
            self.follow = None
            cards = self.query_one(f"#cards-{name}", CardList)
            cards.set_items(cards.items, select=task_id)
            if cards.display:  # not into a folded column
                self._activate(cards)
        self._show_status()
        self.call_after_refresh(self._load_detail)
        self.post_message(self.Loaded())

    def _show_status(self) -> None:
        text = Text()
        if self.data.project is None:
            text.append("no project yet: press 4 for Projects, then a to add one", style="yellow")
        else:
            text.append(" project ", style="dim")
            text.append_text(literal(self.data.project.slug, "bold"))
            text.append("  tag ", style="dim")
            text.append_text(literal(self.tag_filter or "any", "bold"))
            if self.project_filter or self.tag_filter:
                text.append("  (c clears)", style="dim")
        if text != self._status:  # an unchanged line is not repainted
            self._status = text
            self.query_one("#board-status", Static).update(text)

    @property
    def active_cards(self) -> CardList:
        """The column the cursor is in."""
        return self.query_one(f"#cards-{self.active_column}", CardList)

    @property
    def selected(self) -> Task | None:
        return self.active_cards.current

    def _activate(self, cards: CardList) -> None:
        name = (cards.id or "").removeprefix("cards-")
        if name != self.active_column:
            self.active_cards.set_active(False)
            self.active_column = name
        cards.set_active(True)
        self._load_detail()

    def action_cursor(self, action: str) -> None:
        getattr(self.active_cards, f"action_{action}")()

    @on(RowList.Highlighted)
    def _highlighted(self, event: RowList.Highlighted) -> None:
        if event.row_list is self.active_cards:
            self._load_detail()

    @on(RowList.Clicked)
    def _clicked(self, event: RowList.Clicked) -> None:
        if isinstance(event.row_list, CardList):
            self._activate(event.row_list)

    @on(RowList.Selected)
    def _selected(self, event: RowList.Selected) -> None:
        self.action_toggle_detail(show=True)

    @work(exclusive=True, group="board-detail")
    async def _load_detail(self) -> None:
        await asyncio.sleep(0.03)  # the cursor may be moving fast: load only where it stops
        pane = next(iter(self.query(DetailPane)), None)
        if pane is None:  # the screen is closing (the app quit while the worker waited)
            return
        task = self.selected
        if task is None:
            pane.show(None)
            return
        try:
            details = await self.mlpm.db(task_details.gather, task.id)
        except Exception:
            pane.show(None)
            return
        pane.show(details)

    # -- moving the cursor -----------------------------------------------------------------

    def action_focus_column(self, step: int) -> None:
        cards = self.active_cards
        open_ = [c for c in COLUMNS if not self.query_one(f"#col-{c}", BoardColumn).collapsed]
        index = max(0, min(open_.index(self.active_column) + step, len(open_) - 1))
        target = self.query_one(f"#cards-{open_[index]}", CardList)
        if target is not cards:
            target.cursor = cards.cursor
            self._activate(target)

    # -- changes (each one service call) ---------------------------------------------------

    async def action_move_card(self, step: int) -> None:
        task = self.selected
        if task is None:
            return
        # The column the card is shown in: a task on a teammate's Today is in my Backlog.
        index = COLUMNS.index(self.active_column) + step
        if 0 <= index < len(COLUMNS):
            await self._move(task, COLUMNS[index])

    async def action_to(self, column: str) -> None:
        task = self.selected
        if task is not None and self.active_column != column:
            await self._move(task, column)

    async def _move(self, task: Task, column: str) -> None:
        self._touched = {task.column, self.active_column}
        if column == "dropped":
            self._drop(task)
            return
        if column == "doing":
            await self.perform(tasks.start, task.id)
        elif column == "done":
            await self.perform(tasks.done, task.id)
        else:
            await self.perform(tasks.move, task.id, column)

    def performed(self, result: object) -> None:
        if (task := changed_task(result)) is not None:
            self.follow = (task.id, task.column)
            if not self.tag_filter and len(self.data.columns) == len(COLUMNS):
                self._hint = {*self._touched, task.column}
        self._touched = set()

    def _drop(self, task: Task) -> None:
        from mlpm.tui.screens.modals import PromptScreen

        async def dropped(reason: str | None) -> None:
            if reason:
                await self.perform(tasks.drop, task.id, reason)

        self.app.push_screen(
            PromptScreen(f"Why drop #{task.id}?", placeholder="reason (required)"), dropped
        )

    async def action_reorder(self, step: int) -> None:
        cards = self.active_cards
        task = self.selected
        if task is None:
            return
        neighbour = cards.cursor + step
        if not 0 <= neighbour < len(cards.items):
            return
        self._touched = {task.column}
        if self.tag_filter and self.data.project is not None:
            # Filtered: take the place of the visible neighbour in the whole column.
            other = cards.items[neighbour].id
            position = await self.mlpm.db(position_of, self.data.project, task.column, other)
        else:
            position = neighbour + 1
        await self.perform(tasks.reorder, task.id, position)

    def action_add(self) -> None:
        from mlpm.tui.screens.task_form import add_form

        project = self.data.project.slug if self.data.project else None
        form = add_form(self.mlpm, "Add a task to the backlog", project=project, today=False)
        self.app.push_screen(form)

    async def action_edit(self) -> None:
        if (task := self.selected) is not None:
            self._touched = {task.column}
            await editing.open_edit_form(self.mlpm, task.id)

    async def action_edit_notes(self) -> None:
        if (task := self.selected) is not None:
            self._touched = {task.column}
            await editing.edit_task_notes(self.mlpm, task.id)

    def action_toggle_detail(self, show: bool | None = None) -> None:
        pane = self.query_one(DetailPane)
        pane.display = (not pane.display) if show is None else show
        ui_state.remember("board.detail", pane.display)

    def action_fold(self) -> None:
        folded = not self.query_one("#col-done", BoardColumn).collapsed
        self._fold(folded)
        ui_state.remember("board.folded", folded)

    def _fold(self, folded: bool) -> None:
        for name in FOLDABLE:
            self.query_one(f"#col-{name}", BoardColumn).collapse(folded)
        if folded and self.active_column in FOLDABLE:
            self._activate(self.query_one("#cards-doing", CardList))

    # -- filters ---------------------------------------------------------------------------

    @work(exclusive=True, group="board-pick")
    async def action_pick_project(self) -> None:
        from mlpm.tui.screens.modals import PickScreen

        found = await self.mlpm.db(projects.list_projects)
        choices = [
            (p.slug, literal(f"{p.slug}  ({p.status})", "bold" if p.status == "active" else ""))
            for p in found
        ]
        if not choices:
            self.notify("no projects yet", markup=False)
            return
        chosen = await self.app.push_screen_wait(PickScreen("Show the board of", choices))
        if chosen:
            self.project_filter = chosen
            self.windows.clear()
            self.reload()

    @work(exclusive=True, group="board-pick")
    async def action_pick_tag(self) -> None:
        from mlpm.tui.screens.modals import PickScreen, PromptScreen

        seen = {tag for column in self.data.columns for task in column.tasks for tag in task.tags}
        choices = [("", Text("any tag", style="italic"))]
        choices += [(tag, literal(f"#{tag}")) for tag in sorted(seen)]
        # Long columns are read a window at a time, so the list above may miss a tag.
        choices.append((TYPE_TAG, Text("type a tag…", style="italic")))
        chosen = await self.app.push_screen_wait(PickScreen("Show cards tagged", choices))
        if chosen == TYPE_TAG:
            typed = await self.app.push_screen_wait(PromptScreen("Show cards tagged"))
            chosen = typed.strip().lstrip("#+") if typed else None
        if chosen is not None:
            self.tag_filter = chosen or None
            self.windows.clear()
            self.reload()

    def action_clear_filters(self) -> None:
        self.windows.clear()
        self.project_filter = None
        self.tag_filter = None
        self.reload()
