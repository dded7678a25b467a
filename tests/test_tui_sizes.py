"""Readable at every size: whole card titles at 160x45, ids, tab names, Stats' estimate
against actual and `?`/`q` in every footer at 80x24; Done and Dropped folded to counts and
the detail pane hidden (both remembered); leftovers shown apart; newest history first."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlpm.services import projects, tasks, timer
from mlpm.services.run_checks import RunFlag
from mlpm.store import Store
from tests.test_tui_app import screen_text, settle

pytest.importorskip("textual")
pytestmark = pytest.mark.anyio

from textual.widgets import Static  # noqa: E402

from mlpm.tui.app import MlpmApp  # noqa: E402
from mlpm.tui.screens.board_columns import BoardColumn, CardList, ColumnHeader  # noqa: E402
from mlpm.tui.screens.runs_cells import flag_cell  # noqa: E402
from mlpm.tui.widgets.detail import DetailPane  # noqa: E402

LARGE, SMALL = (160, 45), (80, 24)
LONG = "Write the mid-project report for the reading group"


def column_lines(app: MlpmApp, name: str) -> list[str]:
    """The lines a board column's cards show, as plain text."""
    cards = app.screen.query_one(f"#cards-{name}", CardList)
    return [cards.render_line(y).text.rstrip() for y in range(cards.size.height)]


def footer(app: MlpmApp) -> str:
    """The footer line of the current screen."""
    keybar = app.screen.query_one("KeyBar", Static)
    return str(keybar.render())


@pytest.fixture
def board(store: Store) -> Store:
    """A project with a long title in Today, a title with a newline, and twelve done cards."""
    projects.add(store, "asr")
    tasks.add(store, LONG, estimate=2, today=True)
    tasks.add(store, "first line\nsecond line", today=True)
    for n in range(12):
        tasks.add(store, f"finished {n}")
        tasks.done(store, n + 3, force=True)
    return store


async def test_a_tall_card_shows_its_whole_title_wrapped(db_path: Path, board: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        lines = column_lines(app, "today")
        assert LONG not in "".join(lines)  # not on one line: the column is narrower
        assert LONG in " ".join(line.strip() for line in lines[:4])
        assert "first line…" in lines and not any("second" in line for line in lines)


async def test_compact_cards_keep_their_ids(db_path: Path, board: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        lines = column_lines(app, "today")
        assert lines[0].startswith("#1 Write") and lines[1].startswith("#2 first line…")
        assert "#3 finished 0" in screen_text(app)


async def test_done_and_dropped_fold_to_counts_and_stay_folded(db_path: Path, board: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        width = app.screen.query_one("#col-today", BoardColumn).size.width
        assert "finished 0" in screen_text(app)
        await pilot.press("z")
        await settle(pilot)
        text = screen_text(app)
        assert "Done 12" in text and "Dropped 0" in text and "finished 0" not in text
        assert app.screen.query_one("#col-today", BoardColumn).size.width > width
        await pilot.press("l", "l", "l")  # the cursor skips the folded columns
        assert app.screen.active_column == "doing"  # type: ignore[attr-defined]
        await pilot.press("d")  # the detail pane hidden too
        await settle(pilot)
        assert not app.screen.query_one(DetailPane).display
    app = MlpmApp(db_path, screen="board")  # both remembered by the next run
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        assert "finished 0" not in screen_text(app) and "Done 12" in screen_text(app)
        assert not app.screen.query_one(DetailPane).display
        await pilot.press("z", "d")
        await settle(pilot)
        assert "finished 0" in screen_text(app) and app.screen.query_one(DetailPane).display


async def test_leftovers_follow_a_waiting_for_review_line(
    db_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    projects.add(store, "asr")
    monkeypatch.setenv("MLPM_NOW", "2026-03-01T09:00:00+01:00")
    tasks.add(store, "from sunday", today=True)
    monkeypatch.undo()
    monkeypatch.setenv("MLPM_NOW", "2026-03-02T10:00:00+01:00")
    tasks.add(store, "planned today", today=True)
    headers = {
        LARGE: "Today 2 (1 review)",
        SMALL: "Today 2 (1)",
        (120, 30): "Today 2 (1 to review)",
    }
    for size, label in ((LARGE, "┄ waiting for review"), (SMALL, "┄ to review"), ((120, 30), "")):
        app = MlpmApp(db_path, screen="board")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            lines = [line.strip() for line in column_lines(app, "today") if line.strip()]
            # The header's longest form that fits, whole (it was cut mid-word: "Today 1 (1 to").
            header = app.screen.query_one("#col-today ColumnHeader", ColumnHeader)
            assert header.render_line(0).text.strip() == headers[size]
            if not label:
                continue
            today = [i for i, line in enumerate(lines) if "planned" in line]
            sunday = [i for i, line in enumerate(lines) if "sunday" in line]
            assert today[0] < lines.index(label) < sunday[0]


async def test_small_screens_keep_tab_names_estimates_and_help(db_path: Path, board: Store) -> None:
    timer.start(board, 1)
    timer.stop(board)
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        tabs = str(app.screen.query_one("NavBar", Static).render())
        assert "1 Today 2 Board 3 Lessons 4 Projects 5 Timer 6 Stats 7 Runs 8 Compare" in tabs
        for key in "12345678":
            await pilot.press(key)
            await settle(pilot)
            assert "? Help" in footer(app) and "q Quit" in footer(app), app.current_mode
            if app.current_mode == "stats":
                text = screen_text(app)
                assert "Est." in text and "Actual" in text and "Focus" in text
                assert "#1 Write the mid-project" in text


async def test_the_detail_pane_opens_on_the_newest_move(db_path: Path, board: Store) -> None:
    tasks.start(board, 1)
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("l", "l")  # Doing
        await settle(pilot, extra=0.1)
        text = screen_text(app)
        assert text.index("today → doing") < text.index("backlog → today")


def test_run_flags_are_short_with_the_whole_reason_kept() -> None:
    crashed = RunFlag(("state",), "crashed at epoch 3 (no exit record)")
    assert flag_cell(crashed).plain == "⚠ crashed"
    slow = RunFlag(
        ("samples_per_sec", "val/acc"),
        "samples_per_sec: much worse (0.4x the baseline mean; p = 0.01); val/acc: worse (…)",
    )
    assert flag_cell(slow).plain == "⚠ slow 2.5× +1"
    assert flag_cell(RunFlag(("val/acc",), "val/acc: worse (0.9x the baseline mean)")).plain == (
        "⚠ val/acc worse"
    )
