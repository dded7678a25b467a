"""The Runs table for work (issue 14 #2): the filter box (a search or a `--filter` expression),
columns chosen per project and remembered, sorting by a config column; and the bulk row
table that makes 10,000 runs repaint quickly (`LineTable`), checked against a `DataTable`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from mlpm.services import projects, run_columns, run_sync
from mlpm.tui.app import MlpmApp
from mlpm.tui.widgets.line_table import LineTable
from tests.test_tui_runs import (
    SPECS,
    all_screens,
    imported,
    order,
    runs_screen,
    settle,
    write_runs,
)

__all__ = ["all_screens", "imported"]  # fixtures

pytestmark = pytest.mark.anyio


def titles(app: MlpmApp) -> list[str]:
    table = app.screen.query_one("#runs-table", LineTable)
    return [str(c.label) for c in table.ordered_columns]


def status(app: MlpmApp) -> str:
    return str(app.screen.query_one("#runs-status", Static).render())


async def type_filter(pilot: Pilot[Any], text: str) -> None:
    await pilot.press("slash")
    await pilot.pause()
    box = pilot.app.screen.query_one("#runs-filter", Input)
    assert box.has_focus
    await pilot.press(*text)  # typed, key by key
    await pilot.press("enter")
    await settle(pilot)


async def test_a_typed_search_or_expression_shows_the_matching_runs(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        table_size = screen.table.size
        await pilot.press("slash")
        await pilot.pause()
        # The box opens over the table's last row: the table keeps its size (no jump, and no
        # layout and repaint of every row).
        assert screen.query_one("#runs-filter", Input).display
        assert screen.table.size == table_size
        await pilot.press("escape")
        await type_filter(pilot, "base")  # words: a search of names, groups, tags
        assert screen.table.size == table_size
        assert order(screen) == ["base0", "base1", "base2"]
        assert "3 of 8 runs" in status(app) and "filter base" in status(app)
        assert not screen.query_one("#runs-filter", Input).display  # closed after enter
        await pilot.press("slash", *["backspace"] * 4)
        await pilot.press(*"val.acc > 0.8 and seed < 3", "enter")
        await settle(pilot)
        assert order(screen) == ["aug0", "aug2"]  # 0.801, 0.805 (aug3 has seed 3)
        await pilot.press("s", "S")  # re-sorts (by name, reversed) keep the filter's runs only
        await settle(pilot)
        assert order(screen) == ["aug2", "aug0"] and "2 of 8 runs" in status(app)
        await pilot.press("t")  # the state filter narrows the kept runs again
        await pilot.pause()
        await pilot.press("space", "enter")  # the first state listed: finished
        await settle(pilot)
        assert "state finished" in status(app) and set(order(screen)) <= {"aug0", "aug2"}
        await pilot.press("escape")  # no marks: escape drops the filter
        await settle(pilot)
        assert len(order(screen)) == len(SPECS) and "of" not in status(app).split("runs")[0]


async def test_a_bad_expression_says_why_in_one_line_and_keeps_the_table(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        await type_filter(pilot, "aug")
        before = order(screen)
        await pilot.press("slash", *["backspace"] * 3, *"lr <", "enter")
        await settle(pilot)
        said = status(app)
        assert said.strip().startswith("bad filter 'lr <': expected a value after '<'")
        assert "\n" not in said.strip()
        assert order(screen) == before  # unchanged
        box = screen.query_one("#runs-filter", Input)
        assert box.display and box.value == "lr <"  # left to fix
        await pilot.press("escape")
        await settle(pilot)
        assert not box.display and order(screen) == before and "filter aug" in status(app)


async def test_chosen_columns_are_remembered_after_a_restart(db_path: Path, imported, store):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await pilot.pause()
        prompt = app.screen.query_one("#prompt", Input)
        prompt.value = "seed, lr,loss, sed"
        await pilot.press("enter")
        await settle(pilot)
        # a key no run has is kept, with the warning `runs list --columns` prints
        said = [n.message for n in app._notifications]
        assert "no run shown has 'sed'" in said and not any("'seed'" in m for m in said)
        assert titles(app)[6:] == ["seed", "lr", "loss", "sed", "Flag"]
        await pilot.press("C")
        await pilot.pause()
        app.screen.query_one("#prompt", Input).value = "seed, lr,loss"
        await pilot.press("enter")
        await settle(pilot)
        assert titles(app)[6:] == ["seed", "lr", "loss", "Flag"]
    project = projects.current_or_none(store)
    assert run_columns.saved(project) == ["seed", "lr", "loss"]  # as `runs list` reads them
    again = MlpmApp(db_path, screen="runs")
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert titles(again)[6:] == ["seed", "lr", "loss", "Flag"]
        screen = runs_screen(again)
        table = screen.query_one("#runs-table", LineTable)
        assert str(table.get_row("aug2")[6]) == "2" and str(table.get_row("aug2")[7]) == "0.001"
        await pilot.press("C")
        await pilot.pause()
        again.screen.query_one("#prompt", Input).value = ""  # empty: back to the default
        await pilot.press("enter")
        await settle(pilot)
        assert titles(again)[6] == "val.acc"


async def test_sort_by_a_config_column(db_path: Path, imported, store):
    run_columns.save(store, projects.current_or_none(store), ["seed", "val.acc"])
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        table = screen.query_one("#runs-table", LineTable)
        column = titles(app).index("seed")
        header = LineTable.HeaderSelected(table, column)
        table.post_message(header)
        await settle(pilot)
        # by seed, ties in start order (as `runs list --sort seed`)
        assert order(screen) == ["base0", "aug0", "base1", "aug1", "base2", "aug2", "aug3", "odd1"]
        assert "sorted by seed ↑" in status(app)
        await pilot.press("S")
        await settle(pilot)
        assert order(screen)[:2] == ["odd1", "aug3"]
        # `s` steps through every column, the config ones included
        await pilot.press("s")
        await settle(pilot)
        assert "sorted by val.acc ↑" in status(app)


class _Tables(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Message] = []

    def on_line_table_header_selected(self, message: LineTable.HeaderSelected) -> None:
        self.seen.append(message)

    def on_line_table_row_selected(self, message: LineTable.RowSelected) -> None:
        self.seen.append(message)

    def compose(self) -> ComposeResult:
        yield DataTable(id="plain", cursor_type="row", zebra_stripes=True)
        yield LineTable(id="lines")


def _cells(i: int) -> list[Text]:
    name = Text(f"run {i}", style="bold" if i % 2 else "")
    name.stylize("red", 0, 3)
    return [name, Text(f"{i * 7 % 5 / 3:.4g}", justify="right"), Text("–", style="dim")]


def _text(table: DataTable | LineTable, y: int) -> str:
    return "".join(seg.text for seg in table.render_line(y))


def _colours(table: DataTable | LineTable, y: int, x: int) -> tuple[Any, Any, bool]:
    """The colour, background and boldness of the character at `x`."""
    at = 0
    for seg in table.render_line(y):
        if at + len(seg.text) > x:
            style = seg.style
            assert style is not None
            return style.color, style.bgcolor, bool(style.bold)
        at += len(seg.text)
    raise AssertionError(f"no character at {x}")


async def test_the_line_table_draws_what_a_data_table_draws() -> None:
    """The runs table draws only the rows in view, each as one line: it must read as a
    row-cursor DataTable with zebra stripes does, header, cursor, stripes and cell colours."""
    rows = [(f"r{i}", _cells(i)) for i in range(30)]
    cells = dict(rows)
    app = _Tables()
    async with app.run_test(size=(60, 40)) as pilot:
        plain = app.query_one("#plain", DataTable)
        lines = app.query_one("#lines", LineTable)
        for title, width in (("Name", 8), ("N", 6), ("Flag", 3)):
            plain.add_column(title, width=width)
        lines.set_columns([Text("Name"), Text("N"), Text("Flag")], [8, 6, 3])
        for key, row in rows:
            plain.add_row(*row, key=key)
        lines.set_rows([k for k, _ in rows[:5]], cells)  # then replaced: none of it stays
        lines.set_rows([k for k, _ in rows], cells)
        plain.move_cursor(row=2)
        lines.move_cursor(row=2)
        app.set_focus(None)  # both drawn unfocused, then focused
        await pilot.pause()
        drawn = {(y, x): _colours(plain, y, x) for y in range(6) for x in (1, 5, 14, 17, 40)}
        plain.focus()
        await pilot.pause()
        drawn_focused = {(y, x): _colours(plain, y, x) for y in range(6) for x in (1, 5, 14, 40)}
        app.set_focus(None)
        await pilot.pause()
        assert lines.row_count == 30 and lines.get_row_index("r29") == 29
        assert lines.get_row("r3") == cells["r3"]
        for y in range(12):  # the header, the cursor's row, zebra stripes
            assert _text(lines, y)[:21] == _text(plain, y)[:21], y
        for (y, x), colours in drawn.items():
            assert _colours(lines, y, x) == colours, (y, x)
        lines.focus()
        await pilot.pause()
        for (y, x), colours in drawn_focused.items():
            assert _colours(lines, y, x) == colours, ("focused", y, x)
        app.set_focus(None)
        # a row whose cells are a new sequence is drawn again
        cells["r4"] = [Text("changed"), *cells["r4"][1:]]
        lines.refresh_row("r4")
        assert _text(lines, 5).startswith(" changed")
        lines.move_cursor(row=20)
        assert lines.cursor_key == "r20"
        reordered = [k for k, _ in reversed(rows[10:])]
        lines.set_rows(reordered, cells, keep="r20")  # a re-sort keeps the cursor on its row
        assert lines.row_keys == reordered and lines.cursor_key == "r20"
        assert "r3" not in lines
        lines.set_rows(reordered, cells, keep="r3")  # not shown: the first row
        assert lines.cursor_row == 0


async def test_the_line_table_scrolls_to_its_cursor_and_takes_clicks() -> None:
    app = _Tables()
    async with app.run_test(size=(60, 40)) as pilot:
        app.query_one("#plain").display = False
        lines = app.query_one("#lines", LineTable)
        lines.styles.height = 10  # the header and 9 rows
        lines.set_columns([Text("Name"), Text("N")], [8, 6])
        cells = {f"r{i}": [Text(f"run {i}"), Text(str(i))] for i in range(100)}
        lines.set_rows(list(cells), cells)
        lines.focus()
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        assert lines.cursor_key == "r99" and "run 99" in _text(lines, 9)
        assert _text(lines, 0).startswith(" Name")  # the header stays on top
        await pilot.press("g", "j", "j")
        assert lines.cursor_key == "r2"
        seen = app.seen
        await pilot.click(LineTable, offset=(12, 0))  # the header of N
        await pilot.click(LineTable, offset=(3, 5))  # the fifth row shown
        await pilot.pause()
        assert lines.cursor_key == "r4"
        assert [m.column_index for m in seen if isinstance(m, LineTable.HeaderSelected)] == [1]
        assert [m.key for m in seen if isinstance(m, LineTable.RowSelected)] == ["r4"]


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_snapshot_filtered_with_chosen_columns(
    snap_compare, db_path: Path, imported, store, all_screens, size
):
    run_columns.save(store, projects.current_or_none(store), ["seed", "lr", "val.acc"])

    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await type_filter(pilot, "val.acc > 0.75")
        await pilot.press("S")  # reversed: the last run first
        await settle(pilot)

    assert snap_compare(MlpmApp(db_path, screen="runs"), terminal_size=size, run_before=before)


async def test_one_run_is_counted_as_one_run(db_path: Path, store, project, tmp_path: Path):
    wandb_dir = write_runs(tmp_path / "runs")
    (one,) = wandb_dir.glob("offline-run-*-base0")
    assert run_sync.sync_local(store, [one]).added == 1
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert status(app).startswith(" 1 run  group all")  # was "1 runs"
        await type_filter(pilot, "base")
        assert status(app).startswith(" 1 of 1 run  group all")
