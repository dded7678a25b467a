"""Projects screen: switch the current project, statuses, the active-project limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlpm.services import projects, settings
from mlpm.store import Store
from tests.test_tui_app import notices, screen_text, settle

pytest.importorskip("textual")
pytestmark = pytest.mark.anyio
from mlpm.tui.app import MlpmApp  # noqa: E402
from mlpm.tui.screens.projects import ProjectList  # noqa: E402


@pytest.fixture
def several(store: Store) -> Store:
    projects.add(store, "asr")
    projects.add(store, "Vision Model")
    projects.add(store, "old thing", paused=True)
    settings.set_value(store, "active_projects_limit", "2")
    return store


async def test_switch_project_and_see_statuses(db_path: Path, several: Store) -> None:
    app = MlpmApp(db_path, screen="projects")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "2 of 2 active projects" in text
        assert "vision-model" in text and "Vision Model" in text and "paused" in text
        assert app.project == "asr"
        await pilot.press("j", "enter")
        await settle(pilot)
        assert projects.current(several).slug == "vision-model"
        assert app.project == "vision-model"
        assert "mlpm · vision-model" in screen_text(app)


async def test_the_active_limit_is_respected(db_path: Path, several: Store) -> None:
    app = MlpmApp(db_path, screen="projects")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("G", "a")  # activate "old thing": a third active project
        await settle(pilot)
        refused = [n for n in notices(app) if "already active" in n]
        assert refused and "pause or archive one first" in refused[-1]
        assert "press F" not in refused[-1]  # no force for this rule
        assert projects.get(several, "old-thing").status == "paused"
        await pilot.press("g", "p")  # pause asr, then the activation fits
        await settle(pilot)
        await pilot.press("G", "a")
        await settle(pilot)
        assert projects.get(several, "old-thing").status == "active"
        assert projects.get(several, "asr").status == "paused"
        await pilot.press("x")
        await settle(pilot)
        assert projects.get(several, "old-thing").status == "archived"
        rows = app.screen.query_one(ProjectList).items
        assert [r.project.status for r in rows] == ["paused", "active", "archived"]


async def test_new_project_from_a_prompt(db_path: Path, store: Store) -> None:
    app = MlpmApp(db_path, screen="projects")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert "no projects yet" in screen_text(app)
        await pilot.press("n", *"Speech [v2]", "enter")
        await settle(pilot)
        assert projects.current(store).name == "Speech [v2]"
        assert "speech-v2" in screen_text(app)
