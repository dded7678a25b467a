"""Board screen: cursor, moves across columns up to a WIP refusal, reorder, drop, add, filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlpm.services import projects, task_query, tasks
from mlpm.store import Store
from tests.test_tui_app import column_ids, notices, screen_text, seeded, settle

pytest.importorskip("textual")
pytestmark = pytest.mark.anyio
__all__ = ["seeded"]  # a fixture shared with test_tui_app

from mlpm.tui.app import MlpmApp  # noqa: E402
from mlpm.tui.screens.board import BoardScreen  # noqa: E402
from mlpm.tui.screens.board_columns import CardList, ColumnHeader  # noqa: E402
from mlpm.tui.screens.board_data import WINDOW  # noqa: E402
from mlpm.tui.screens.modals import AddTaskScreen, PromptScreen  # noqa: E402
from mlpm.tui.widgets.detail import DetailPane  # noqa: E402


def header(app: MlpmApp, column: str) -> ColumnHeader:
    return app.screen.query_one(f"#col-{column} ColumnHeader", ColumnHeader)


async def test_moves_across_columns_up_to_the_wip_limit_then_force(
    db_path: Path, seeded: Store
) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        for _ in range(2):  # tasks 1 and 2: backlog -> today -> doing
            await pilot.press("left", "left", "up")  # back to the backlog's first card
            await settle(pilot)
            for _ in range(2):
                await pilot.press("L")
                await settle(pilot)
        assert column_ids(app, "doing") == [1, 2]
        assert header(app, "doing").label == "Doing 2/2"
        assert header(app, "doing").has_class("-at-limit")
        # task 3: into today, then refused at Doing's hard limit
        await pilot.press("h", "h", "g", "L")
        await settle(pilot)
        assert column_ids(app, "today") == [3]
        await pilot.press("L")
        await settle(pilot)
        assert task_query.get(seeded, 3).column == "today"
        refused = [n for n in notices(app) if "WIP limit" in n]
        assert refused and "press F to force" in refused[-1]
        await pilot.press("F")
        await settle(pilot)
        assert task_query.get(seeded, 3).column == "doing"
        assert header(app, "doing").label == "Doing 3/2"
        assert header(app, "doing").has_class("-over-limit")


async def test_cursor_follows_hjkl_and_arrows(db_path: Path, seeded: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        backlog = app.screen.query_one("#cards-backlog", CardList)
        assert app.screen.active_cards is backlog and backlog.current.id == 1
        await pilot.press("j", "down")
        assert backlog.current.id == 3
        await pilot.press("k")
        assert backlog.current.id == 2
        await pilot.press("l")
        assert app.screen.active_cards.id == "cards-today"
        await pilot.press("right")
        assert app.screen.active_cards.id == "cards-doing"
        await pilot.press("h", "left", "left", "left")  # stops at the first column
        assert app.screen.active_cards.id == "cards-backlog"


async def test_reorder_within_a_column(db_path: Path, seeded: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("J")  # task 1 down one
        await settle(pilot)
        assert column_ids(app, "backlog") == [2, 1, 3]
        await pilot.press("shift+down")
        await settle(pilot)
        assert column_ids(app, "backlog") == [2, 3, 1]
        await pilot.press("K", "K")
        await settle(pilot)
        assert [t.id for t in task_query.list_tasks(seeded, column="backlog")] == [1, 2, 3]
        assert app.screen.query_one("#cards-backlog", CardList).current.id == 1


async def test_drop_asks_for_a_reason(db_path: Path, seeded: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("enter")  # an empty reason is not accepted
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"superseded by #2", "enter")
        await settle(pilot)
        dropped = task_query.get(seeded, 1)
        assert (dropped.column, dropped.drop_reason) == ("dropped", "superseded by #2")
        assert column_ids(app, "dropped") == [1]
        # escape cancels a drop
        await pilot.press("h", "h", "h", "h", "g", "x", "escape")
        await settle(pilot)
        assert task_query.get(seeded, 2).column == "backlog"


async def test_add_a_task_from_the_modal(db_path: Path, seeded: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddTaskScreen)
        await pilot.press(*"[red]tune[/red] lr", "tab", "3", "tab", *"optim lr", "enter")
        await settle(pilot)
        added = task_query.get(seeded, 4)
        assert (added.title, added.estimate, added.tags) == (
            "[red]tune[/red] lr",
            3,
            ["optim", "lr"],
        )
        backlog = app.screen.query_one("#cards-backlog", CardList)
        assert backlog.current.id == 4  # the cursor is on the new card
        assert "[red]tune[/red] lr" in backlog.render_row(added, 60).plain


async def test_titles_and_notes_are_shown_literally(db_path: Path, store: Store, project) -> None:
    tasks.add(store, "[red]x[/red] \x1b[31mred", notes="[bold]not bold[/bold]\x07")
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[red]x[/red] \\x1b[31mred" in text
        assert "[bold]not bold[/bold]\\x07" in text


async def test_detail_pane_shows_notes_tags_estimate_and_moves(
    db_path: Path, store: Store, project
) -> None:
    tasks.add(store, "evaluate", notes="use the held-out split", tags=["eval"], estimate=3)
    tasks.move(store, 1, "today")
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot, extra=0.1)
        pane = app.screen.query_one(DetailPane)
        assert pane.shown is not None and pane.shown.task.id == 1
        text = screen_text(app)
        for expected in ("use the held-out split", "#eval", "est 3p", "backlog → today"):
            assert expected in text
        await pilot.press("d")  # hide, then show again
        assert not pane.display
        await pilot.press("d")
        assert pane.display


async def test_filter_by_tag_and_by_project(db_path: Path, store: Store, project) -> None:
    tasks.add(store, "load data", tags=["data"])
    tasks.add(store, "train", tags=["model"])
    projects.add(store, "vision")
    tasks.add(store, "label images", project="vision")
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert column_ids(app, "backlog") == [1, 2]
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("down", "enter")  # "any tag", then #data
        await settle(pilot)
        assert column_ids(app, "backlog") == [1]
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("down", "enter")  # asr, then vision
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert column_ids(app, "backlog") == []  # vision has no #data task
        await pilot.press("c")
        await settle(pilot)
        assert column_ids(app, "backlog") == [1, 2]
        await pilot.press("t", "end", "enter")  # "type a tag…"
        await settle(pilot)
        await pilot.press(*"#model", "enter")
        await settle(pilot)
        assert column_ids(app, "backlog") == [2]


async def test_a_long_column_loads_a_window_then_more(db_path: Path, store: Store, project) -> None:
    now = "2026-03-02T10:00:00+01:00"
    rows = [(1, f"task {i}", "backlog", float(i), "[]", now, now) for i in range(1, 1001)]
    with store.write("seed", undoable=False) as tx:
        cols = ("project_id", "title", "column", "rank", "tags", "created_at", "updated_at")
        tx.insert_many("task", cols, rows)
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        backlog = app.screen.query_one("#cards-backlog", CardList)
        assert len(backlog.items) == WINDOW and backlog.total == 1000
        assert app.screen.query_one("#col-backlog ColumnHeader").label == "Backlog 1000"
        await pilot.press("G")  # to the last loaded card: the next window is read
        await settle(pilot)
        assert len(backlog.items) > WINDOW
        for _ in range(5):
            await pilot.press("G")
            await settle(pilot)
        assert len(backlog.items) == 1000 and backlog.current.title == "task 1000"
