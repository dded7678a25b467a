"""Today screen: add, reorder, start, finish, drop with a reason, back to backlog, capacity."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlpm.services import day_plan, settings, task_query, tasks
from mlpm.store import Store
from tests.test_tui_app import notices, screen_text, settle

pytest.importorskip("textual")
pytestmark = pytest.mark.anyio
from mlpm.tui.app import MlpmApp  # noqa: E402
from mlpm.tui.screens.modals import AddTaskScreen, PromptScreen, ReadScreen  # noqa: E402
from mlpm.tui.screens.today import PlanList  # noqa: E402


@pytest.fixture
def planned(store: Store, project) -> Store:
    """Three tasks planned for today, in order 1, 2, 3."""
    for title, estimate in (("prepare data", 2), ("train baseline", 3), ("write report", None)):
        tasks.add(store, title, estimate=estimate, today=True)
    return store


def plan_ids(store: Store) -> list[int]:
    return [e.task.id for e in day_plan.open_entries(store)]


def shown_ids(app: MlpmApp) -> list[int]:
    return [e.task.id for e in app.screen.query_one(PlanList).items]


async def test_shows_the_plan_with_estimates_and_capacity(db_path: Path, planned: Store) -> None:
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert shown_ids(app) == [1, 2, 3]
        text = screen_text(app)
        assert "tasks ██████░░░░ 3/5" in text
        assert "pomodoros" in text and "6/8" in text  # 2 + 3 + 1 for the unestimated one
        assert "1 unestimated counted as 1" in text
        assert "train baseline" in text and "3p" in text


async def test_reorder_with_shift_arrows(db_path: Path, planned: Store) -> None:
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("J")
        await settle(pilot)
        assert plan_ids(planned) == [2, 1, 3]
        await pilot.press("shift+down")
        await settle(pilot)
        assert plan_ids(planned) == [2, 3, 1]
        assert shown_ids(app) == [2, 3, 1]
        await pilot.press("K")
        await settle(pilot)
        assert plan_ids(planned) == [2, 1, 3]
        assert app.screen.query_one(PlanList).current.task.id == 1


async def test_start_finish_and_back_to_backlog(db_path: Path, planned: Store) -> None:
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert task_query.get(planned, 1).column == "doing"
        assert "▶ doing" in screen_text(app)
        await pilot.press("f")
        await settle(pilot)
        assert task_query.get(planned, 1).column == "done"
        assert shown_ids(app) == [2, 3]
        assert "✓ #1" in screen_text(app)
        await pilot.press("b")  # task 2 back to the backlog
        await settle(pilot)
        assert task_query.get(planned, 2).column == "backlog"
        assert shown_ids(app) == [3]


async def test_drop_with_a_reason(db_path: Path, planned: Store) -> None:
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "x")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"[i]obsolete[/i]", "enter")
        await settle(pilot)
        task = task_query.get(planned, 2)
        assert (task.column, task.drop_reason) == ("dropped", "[i]obsolete[/i]")
        assert shown_ids(app) == [1, 3]
        assert "✗ #2" in screen_text(app) and "[i]obsolete[/i]" in screen_text(app)


async def test_add_over_capacity_is_refused_then_forced(db_path: Path, planned: Store) -> None:
    settings.set_value(planned, "capacity_tasks", "3")
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddTaskScreen)
        await pilot.press(*"ablation", "tab", "1", "enter")
        await settle(pilot)
        refused = [n for n in notices(app) if "today is full" in n]
        assert refused and refused[-1].endswith("press F to force")
        assert [t.title for t in task_query.list_tasks(planned)] == [
            "prepare data",
            "train baseline",
            "write report",
        ]
        await pilot.press("F")
        await settle(pilot)
        assert plan_ids(planned) == [1, 2, 3, 4]
        assert "(over capacity)" in screen_text(app)
        assert app.screen.query_one(PlanList).current.task.title == "ablation"


async def test_plan_a_backlog_task(db_path: Path, planned: Store) -> None:
    tasks.add(planned, "[b]ablation[/b] on the LM weight", estimate=1)
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert "[b]ablation[/b] on the LM weight" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert plan_ids(planned) == [1, 2, 3, 4]
        assert app.screen.query_one(PlanList).current.task.id == 4


async def test_enter_opens_the_task_whole(db_path: Path, planned: Store) -> None:
    tasks.edit(planned, 1, notes="split by speaker, not by utterance")
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReadScreen)
        assert "split by speaker, not by utterance" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ReadScreen)


async def test_empty_day_says_how_to_plan(db_path: Path, store: Store, project) -> None:
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "nothing planned: press a to add a task" in screen_text(app)
