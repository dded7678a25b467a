"""The app as a whole: undo from anywhere, help, command palette, live refresh, start-up.

Also holds the helpers the other `test_tui_*` files import."""

from __future__ import annotations

import asyncio
import html
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mlpm.errors import MlpmError
from mlpm.services import task_query, tasks
from mlpm.store import Store

pytest.importorskip("textual")
pytestmark = pytest.mark.anyio

from textual.pilot import Pilot  # noqa: E402

from mlpm.tui.app import MlpmApp  # noqa: E402
from mlpm.tui.screens.board import BoardScreen  # noqa: E402
from mlpm.tui.screens.board_columns import CardList  # noqa: E402
from mlpm.tui.screens.help import HelpScreen  # noqa: E402

# -- helpers used by every TUI test ---------------------------------------------------------

WATCHERS = ("poll", "git")  # worker groups that run as long as the app does


async def settle(pilot: Pilot[Any], *, extra: float = 0.0) -> None:
    """Wait until every worker but the two watchers (live refresh, git HEAD) has finished,
    and a repaint."""
    app = pilot.app
    deadline = time.monotonic() + 10
    await pilot.pause()
    while time.monotonic() < deadline:
        busy = [w for w in app.workers if w.group not in WATCHERS and w.is_running]
        if not busy:
            break
        await asyncio.sleep(0.02)
    await pilot.pause(extra) if extra else await pilot.pause()
    await pilot.pause()


def screen_text(app: MlpmApp) -> str:
    """What the terminal shows, as plain text (from the SVG screenshot)."""
    svg = app.export_screenshot()
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg)
    return html.unescape("".join(lines)).replace("\xa0", " ")


def notices(app: MlpmApp) -> list[str]:
    """The text of the notifications currently shown."""
    return [str(n.message) for n in app._notifications]


def column_ids(app: MlpmApp, column: str) -> list[int]:
    return [t.id for t in app.screen.query_one(f"#cards-{column}", CardList).items]


@pytest.fixture
def seeded(store: Store, project: Any) -> Store:
    """Project "asr" (Doing limited to 2, hard) with three backlog tasks."""
    for title in ("prepare data", "train baseline", "write report"):
        tasks.add(store, title, estimate=2)
    return store


# -- tests ------------------------------------------------------------------------------------


async def test_undo_from_the_board_reverts_the_last_move(db_path: Path, seeded: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("L")  # task 1: backlog -> today
        await settle(pilot)
        assert task_query.get(seeded, 1).column == "today"
        assert column_ids(app, "today") == [1]
        await pilot.press("u")
        await settle(pilot)
        assert task_query.get(seeded, 1).column == "backlog"
        assert column_ids(app, "today") == []
        assert any("Undone" in n for n in notices(app))
        await pilot.press("ctrl+z")  # walks further back: the task's creation
        await settle(pilot)
        assert column_ids(app, "backlog") == [1, 2]


async def test_undo_with_nothing_to_undo_says_so(db_path: Path, store: Store) -> None:
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert "nothing to undo" in notices(app)


async def test_help_lists_every_binding_with_its_id(db_path: Path, seeded: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for expected in ("Move →", "board.move_right", "Drop", "Undo", "app.undo", "Quit"):
            assert expected in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)


async def test_command_palette_reaches_screens_and_actions(db_path: Path, seeded: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"go to lessons")
        await settle(pilot, extra=0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "lessons"
        # an action of the Board screen, run from the palette
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"start")
        await settle(pilot, extra=0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert task_query.get(seeded, 1).column == "doing"


async def test_a_write_from_another_process_shows_up_live(db_path: Path, seeded: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert len(column_ids(app, "backlog")) == 3
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "mlpm", "task", "add", "added [b]elsewhere[/b]"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        deadline = time.monotonic() + 5
        while len(column_ids(app, "backlog")) < 4 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert column_ids(app, "backlog") == [1, 2, 3, 4]
        await settle(pilot)
        assert "added [b]" in screen_text(app)  # literal, not bold markup


async def test_screens_switch_with_number_keys(db_path: Path, seeded: Store) -> None:
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for key, mode in (("2", "board"), ("3", "lessons"), ("4", "projects"), ("1", "today")):
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == mode


async def test_keys_can_be_remapped_by_binding_id(
    db_path: Path, seeded: Store, isolated_home: Path
) -> None:
    config = isolated_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "keymap.json").write_text('{"board.move_right": "m", "app.undo": "n"}')
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert task_query.get(seeded, 1).column == "today"
        await pilot.press("n")
        await settle(pilot)
        assert task_query.get(seeded, 1).column == "backlog"


def test_an_unknown_screen_is_refused(db_path: Path, store: Store) -> None:
    with pytest.raises(MlpmError, match="unknown screen"):
        MlpmApp(db_path, screen="nope")


async def test_no_project_yet_says_what_to_do(db_path: Path, store: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "no project yet" in screen_text(app)
        assert "then a to add one" in screen_text(app)
        await pilot.press("a")  # adding needs a project: the service says so, in the form
        await settle(pilot)
        await pilot.press(*"orphan", "enter")
        await settle(pilot)
        assert "no current project" in str(app.screen.query_one("#form-error").render())
