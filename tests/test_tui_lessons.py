"""Lessons screen: search as you type (ranked, matches lit), filters, add, read one whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlpm.services import lessons
from mlpm.store import Store
from tests.test_tui_app import notices, screen_text, settle

pytest.importorskip("textual")
pytestmark = pytest.mark.anyio
from mlpm.tui.app import MlpmApp  # noqa: E402
from mlpm.tui.render import MATCH_STYLE  # noqa: E402
from mlpm.tui.screens.lessons import LessonList  # noqa: E402
from mlpm.tui.screens.modals import AddLessonScreen, ReadScreen  # noqa: E402


@pytest.fixture
def recorded(store: Store, project) -> Store:
    lessons.add(store, "Fix the seed before comparing two runs", tags=["eval"], category="exp")
    lessons.add(store, "Cache the tokenized dataset on local disk", tags=["data"])
    lessons.add(store, "Seed variance dwarfs small gains: run 5 seeds", tags=["eval"])
    lessons.add(store, "[red]not markup[/red] \x1b[2J stays literal", tags=["ui"])
    return store


def shown(app: MlpmApp) -> list[int]:
    return [lesson.id for lesson in app.screen.query_one(LessonList).items]


async def test_lists_every_lesson_newest_first(db_path: Path, recorded: Store) -> None:
    app = MlpmApp(db_path, screen="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert shown(app) == [4, 3, 2, 1]
        text = screen_text(app)
        assert "4 lessons, newest first" in text
        assert "[red]not markup[/red] \\x1b[2J stays literal" in text


async def test_search_as_you_type_ranks_and_highlights(db_path: Path, recorded: Store) -> None:
    app = MlpmApp(db_path, screen="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"see")  # a prefix already matches
        await settle(pilot, extra=0.2)
        assert sorted(shown(app)) == [1, 3]
        await pilot.press(*"d var")
        await settle(pilot, extra=0.2)
        assert shown(app) == [3]
        row = app.screen.query_one(LessonList).render_row(
            app.screen.query_one(LessonList).items[0], 100
        )
        lit = [row.plain[s.start : s.end] for s in row.spans if str(s.style) == MATCH_STYLE]
        assert lit == ["Seed", "variance", "seeds"] or lit[:2] == ["Seed", "variance"]
        assert "1 match(es), best first" in screen_text(app)
        await pilot.press(*" nothing-like-this")
        await settle(pilot, extra=0.2)
        assert shown(app) == []
        assert "no lessons match" in screen_text(app)


async def test_filter_by_tag_and_category(db_path: Path, recorded: Store) -> None:
    app = MlpmApp(db_path, screen="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one("#tag").focus()
        await pilot.press(*"eval")
        await settle(pilot, extra=0.2)
        assert shown(app) == [3, 1]
        app.screen.query_one("#category").focus()
        await pilot.press(*"exp")
        await settle(pilot, extra=0.2)
        assert shown(app) == [1]
        await pilot.press("space", "x")  # not a valid category: said, nothing crashes
        await settle(pilot, extra=0.2)
        assert "invalid category" in screen_text(app)


async def test_add_a_lesson_in_the_modal(db_path: Path, recorded: Store) -> None:
    app = MlpmApp(db_path, screen="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddLessonScreen)
        await pilot.press(*"Log the [b]git SHA[/b] with every run", "tab")
        await pilot.press(*"repro eval", "tab", "ctrl+a", "ctrl+k", *"process", "ctrl+s")
        await settle(pilot)
        added = lessons.get(recorded, 5)
        assert added.text == "Log the [b]git SHA[/b] with every run"
        assert (added.tags, added.category) == (["repro", "eval"], "process")
        assert shown(app)[0] == 5
        assert any("recorded lesson #5" in n for n in notices(app))


async def test_open_a_lesson_to_read_it_whole(db_path: Path, recorded: Store) -> None:
    long_text = "Warm up the learning rate. " * 20 + "The end."
    lessons.add(recorded, long_text, tags=["optim"], category="training")
    app = MlpmApp(db_path, screen="lessons")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReadScreen)
        text = screen_text(app)
        assert "The end." in text and "[training]" in text and "#optim" in text
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ReadScreen)
