"""SVG snapshots of every screen at 80x24 and 160x45 (update: pytest --snapshot-update).

The clock is frozen by conftest (MLPM_NOW) and the data below is fixed, so every frame is
the same from run to run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from mlpm.services import lessons, people, projects, tasks
from mlpm.store import Store
from tests.test_tui_app import settle

pytest.importorskip("textual")

from textual.widgets import Input

from mlpm.tui.app import MlpmApp

SIZES = {"small": (80, 24), "large": (160, 45)}


@pytest.fixture
def world(store: Store) -> Store:
    """Two projects; tasks in every column, Doing at its limit; a few lessons."""
    projects.add(store, "asr")
    projects.add(store, "Vision model", paused=True)
    titles = [
        ("Prepare the LibriSpeech manifests", 1, ["data"]),
        ("Train the conformer baseline", 3, ["model"]),
        ("Error analysis on noisy utterances", 2, ["eval"]),
        ("[red]Literal[/red] markup in a title", 1, []),
        ("Sweep the learning-rate warmup", 3, ["optim"]),
        ("Write the results section", 2, ["paper"]),
        ("Try SpecAugment", None, ["data"]),
        ("Compare against wav2vec 2.0", 5, ["eval"]),
    ]
    for title, estimate, tags in titles:
        tasks.add(store, title, estimate=estimate, tags=tags, notes=f"notes for {title}")
    for task_id in (1, 2, 3):
        tasks.move(store, task_id, "today")
    tasks.start(store, 1)
    tasks.start(store, 2)
    tasks.done(store, 1)
    tasks.start(store, 4)
    tasks.drop(store, 7, "superseded by the SpecAugment++ task")
    tasks.reorder(store, 5, 1)
    people.assign(store, 5, "ada.lovelace@example.org")  # initials on the board's cards
    people.assign(store, 4, "Grace Hopper")
    lessons.add(store, "Fix the seed before comparing two runs", tags=["eval"], category="exp")
    lessons.add(store, "Cache the tokenized dataset on local disk", tags=["data"])
    lessons.add(store, "Seed variance dwarfs small gains: run five seeds", tags=["eval"])
    lessons.add(store, "[b]Markup[/b] in a lesson is shown as typed", tags=["ui"])
    return store


async def _settle(pilot: Any) -> None:
    await settle(pilot, extra=0.1)


def pressing(*keys: str) -> Callable[[Any], Awaitable[None]]:
    """Press `keys`, wait for the workers, then stop cursor blinking (a steady frame)."""

    async def run(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot, extra=0.1)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", ["today", "board", "lessons", "projects"])
def test_screen(snap_compare, db_path: Path, world: Store, screen: str, size: str) -> None:
    app = MlpmApp(db_path, screen=screen)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_settle)


def test_lessons_search(snap_compare, db_path: Path, world: Store) -> None:
    app = MlpmApp(db_path, screen="lessons")
    assert snap_compare(app, terminal_size=SIZES["small"], run_before=pressing("slash", *"seed"))


def test_help(snap_compare, db_path: Path, world: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    assert snap_compare(app, terminal_size=SIZES["large"], run_before=pressing("question_mark"))


def test_drop_reason_modal(snap_compare, db_path: Path, world: Store) -> None:
    app = MlpmApp(db_path, screen="today")
    assert snap_compare(app, terminal_size=SIZES["small"], run_before=pressing("x", *"obsolete"))
