"""The assignee's initials on the TUI board's cards, compact (80x24) and tall (160x45), and a
teammate's Today task in my Backlog."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlpm.services import people, settings, tasks, today
from mlpm.store import Store
from tests.test_tui_app import column_ids, screen_text, settle

pytest.importorskip("textual")
pytestmark = pytest.mark.anyio

from mlpm.tui.app import MlpmApp  # noqa: E402


@pytest.mark.parametrize(
    ("size", "shown", "plain"),
    [
        ((80, 24), "#1 AL tr", "#2 write"),
        ((160, 45), "#1 · AL · 2p", "#2 · 1p"),
    ],
)
async def test_cards_show_the_assignees_initials(
    db_path: Path, store: Store, project: object, size: tuple[int, int], shown: str, plain: str
) -> None:
    tasks.add(store, "train the baseline", estimate=2)
    tasks.add(store, "write the report", estimate=1)
    people.assign(store, 1, "ada.lovelace@example.org")
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert shown in text and plain in text
        assert "#2 AL" not in text and "#2 · AL" not in text


async def test_a_task_on_a_teammates_today_is_in_my_backlog(
    db_path: Path, store: Store, project: object
) -> None:
    """Its column is "today" (a synced field) but no plan of mine holds it: the day plan is
    personal. Moving it right plans it for me too."""
    settings.put(store, "sync.author", "ada@example.org", command="test")
    mine = tasks.add(store, "mine").task.id
    hers = tasks.add(store, "hers").task.id
    today.add(store, mine)
    with store.write("as a merge writes it", undoable=False) as tx:
        tx.emit_ops = False
        tx.update("task", hers, {"column": "today"})
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert column_ids(app, "backlog") == [hers]
        assert column_ids(app, "today") == [mine]
        assert "to review" not in screen_text(app)
        await pilot.press("left", "left", "g", "L")
        await settle(pilot)
        assert column_ids(app, "today") == [mine, hers]
        assert column_ids(app, "backlog") == []
