"""The morning review in the TUI: offered on a new day with leftovers, `r` starts it, one
leftover at a time (oldest first), k / b / d + reason, then a one-line summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlpm.services import day_plan, task_query, tasks
from mlpm.services import today as day
from mlpm.store import Store
from tests.conftest import NOW
from tests.test_tui_app import notices, screen_text, settle

pytest.importorskip("textual")
pytestmark = pytest.mark.anyio

from mlpm.tui.app import MlpmApp  # noqa: E402
from mlpm.tui.screens.modals import PromptScreen  # noqa: E402
from mlpm.tui.screens.review import ReviewScreen  # noqa: E402


@pytest.fixture
def leftovers(store: Store, project, monkeypatch: pytest.MonkeyPatch) -> Store:
    """#1 and #2 planned on Sunday, #3 on the Friday before; today (Monday) nothing reviewed."""
    monkeypatch.setenv("MLPM_NOW", "2026-03-01T09:00:00+01:00")
    tasks.add(store, "sunday one", today=True)
    tasks.add(store, "sunday two", today=True)
    monkeypatch.setenv("MLPM_NOW", "2026-02-27T09:00:00+01:00")
    tasks.add(store, "friday's task", today=True)
    monkeypatch.setenv("MLPM_NOW", NOW)
    assert len(day_plan.stale_entries(store)) == 3
    return store


def shown_id(app: MlpmApp) -> int:
    screen = app.screen
    assert isinstance(screen, ReviewScreen) and screen.entry is not None
    return screen.entry.task.id


async def test_review_three_leftovers_keep_backlog_drop(
    db_path: Path, leftovers: Store, cli
) -> None:
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert any("press r to review" in n for n in notices(app))  # offered on opening
        assert "3 tasks from earlier days waiting for review: press r" in screen_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert shown_id(app) == 3  # oldest first
        assert "friday's task" in screen_text(app) and "3 left to review" in screen_text(app)
        await pilot.press("k")
        await settle(pilot)
        assert shown_id(app) == 1
        await pilot.press("b")
        await settle(pilot)
        assert shown_id(app) == 2
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("escape")  # back to the same leftover, nothing dropped
        await settle(pilot)
        assert shown_id(app) == 2
        await pilot.press("d", *"not needed", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, (ReviewScreen, PromptScreen))
        assert "kept 1, back to backlog 1, dropped 1" in notices(app)
        assert "waiting for review" not in screen_text(app)
    assert day_plan.stale_entries(leftovers) == []
    listed = cli("today").stdout
    assert "friday's task" in listed and "sunday one" not in listed
    assert task_query.get(leftovers, 1).column == "backlog"
    dropped = task_query.get(leftovers, 2)
    assert (dropped.column, dropped.drop_reason) == ("dropped", "not needed")
    assert "backlog" in cli("task", "show", "1").stdout


async def test_escape_stops_the_review_and_says_what_waits(db_path: Path, leftovers: Store) -> None:
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert "kept 0, back to backlog 1, dropped 0; 2 still waiting (press r)" in notices(app)
    assert [e.task.id for e in day_plan.stale_entries(leftovers)] == [1, 2]


async def test_keep_refused_when_today_is_full_then_forced(db_path: Path, leftovers: Store) -> None:
    from mlpm.services import settings

    settings.set_value(leftovers, "capacity_tasks", "1")
    tasks.add(leftovers, "today's own", today=True)
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("r", "k")
        await settle(pilot)
        assert shown_id(app) == 3  # refused: still on it
        assert any("press F to force" in n for n in notices(app))
        await pilot.press("F")
        await settle(pilot)
        assert shown_id(app) == 1
    assert [e.task.id for e in day.plan(leftovers).entries] == [4, 3]
