"""One key map: the shared keys mean the same on every screen, `?` lists every key, the header
tabs are clickable, and a remapped key in keymap.json shows in the footer at once."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from mlpm.services import tasks
from mlpm.store import Store
from tests.test_tui_app import screen_text, settle

pytest.importorskip("textual")
pytestmark = pytest.mark.anyio

from textual.binding import Binding  # noqa: E402

from mlpm.tui import keymap  # noqa: E402
from mlpm.tui.app import SCREENS_REGISTRY, MlpmApp  # noqa: E402
from mlpm.tui.screens.help import HelpScreen  # noqa: E402
from mlpm.tui.widgets.navbar import NavBar  # noqa: E402
from mlpm.tui.widgets.rowlist import RowList  # noqa: E402
from mlpm.tui.widgets.table import KeyTable  # noqa: E402

CURSOR_SCREENS = ("today", "board", "lessons", "projects", "runs", "compare")


def declared(cls: type) -> list[Binding]:
    """Every binding mlpm declares on a class, its own and inherited (Textual's own widgets'
    bindings are their cursor keys, without ids)."""
    found: list[Binding] = []
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("mlpm."):
            continue
        for item in klass.__dict__.get("BINDINGS", []):
            assert isinstance(item, Binding), f"{klass.__name__}: use Binding(..., id=...)"
            assert item.id, f"{klass.__name__}: {item.key} has no id to remap it by"
            found.append(item)
    return found


def owners() -> list[type]:
    screens = [
        getattr(importlib.import_module(entry.module), entry.cls)
        for entry in SCREENS_REGISTRY.values()
    ]
    return [MlpmApp, RowList, KeyTable, *screens]


@pytest.mark.parametrize("owner", owners(), ids=lambda cls: cls.__name__)
def test_no_screen_gives_a_shared_key_another_meaning(owner: type) -> None:
    for binding in declared(owner):
        for key in binding.key.split(","):
            assert keymap.shared_meaning_ok(key.strip(), binding.id), (
                f"{owner.__name__} binds {key!r} to {binding.id or binding.action!r};"
                f" {key!r} means {keymap.SHARED[key.strip()]} on every screen"
            )


@pytest.mark.parametrize("name", list(SCREENS_REGISTRY))
async def test_every_screen_keeps_the_shared_keys(
    db_path: Path, store: Store, project, name: str
) -> None:
    tasks.add(store, "a task", today=True)
    app = MlpmApp(db_path, screen=name)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        active = app.screen.active_bindings
        for key, item in active.items():
            if item.binding.id is not None:  # None: a Textual widget's own cursor keys
                assert keymap.shared_meaning_ok(key, item.binding.id), (name, key, item.binding)
        for key in ("u", "question_mark", "q"):
            assert key in active, (name, key)
        if name in CURSOR_SCREENS:
            for key in ("j", "k", "g", "G", "up", "down"):
                assert key in active, (name, key)


async def test_help_lists_every_key_h_and_l_included(db_path: Path, store: Store, project) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(160, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for shown in ("⇧←, H", "⇧→, L", "K", "J", "board.edit_notes", "t, /"):
            assert shown in text, shown


async def test_clicking_a_tab_switches_screens(db_path: Path, store: Store, project) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        nav = app.screen.query_one(NavBar)
        tabs = {name: (start, end) for start, end, name in nav.tabs}
        await pilot.click(NavBar, offset=(tabs["lessons"][0] + 1, 0))
        await settle(pilot)
        assert app.current_mode == "lessons"
        nav = app.screen.query_one(NavBar)
        start, _ = {name: (s, e) for s, e, name in nav.tabs}["today"]
        await pilot.click(NavBar, offset=(start, 0))
        await settle(pilot)
        assert app.current_mode == "today"


async def test_a_remapped_key_shows_in_the_footer_at_once(
    db_path: Path, store: Store, project
) -> None:
    from mlpm.services import task_query

    tasks.add(store, "a task")
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert " a Add" in screen_text(app)
        keymap.path().parent.mkdir(parents=True, exist_ok=True)
        keymap.path().write_text(json.dumps({"board.add": "n"}))
        await pilot.pause(1.5)  # the app watches the file's mtime every half second
        await settle(pilot)
        text = screen_text(app)
        assert " n Add" in text and " a Add" not in text
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"from n", "enter")
        await settle(pilot)
        assert task_query.get(store, 2).title == "from n"
        keymap.path().write_text("{not json")
        await pilot.pause(1.5)
        await settle(pilot)
        assert any("ignored" in str(n.message) for n in app._notifications)
        keymap.path().unlink()
        await pilot.pause(1.5)
        await settle(pilot)
        assert " a Add" in screen_text(app)


def test_keymap_file_format() -> None:
    keymap.path().parent.mkdir(parents=True, exist_ok=True)
    keymap.path().write_text('{"app.undo": "ctrl+u", "board.add": "a, n"}')
    assert keymap.read() == {"app.undo": "ctrl+u", "board.add": "a,n"}
    keymap.path().write_text('["app.undo"]')
    with pytest.raises(ValueError, match="binding id"):
        keymap.read()
    keymap.path().unlink()
    assert keymap.read() == {} and keymap.stamp() is None
