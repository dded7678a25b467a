"""The Runs table for work (issue 14 #2): the filter box (a search or a `--filter` expression),
columns chosen per project and remembered, sorting by a config column; and the bulk row
replacement that makes 10,000 runs repaint quickly, checked against `DataTable.add_row`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from mlpm.services import projects, run_columns
from mlpm.tui.app import MlpmApp
from mlpm.tui.widgets.bulk_table import BulkTable
from tests.test_tui_runs import SPECS, all_screens, imported, order, runs_screen, settle

__all__ = ["all_screens", "imported"]  # fixtures

pytestmark = pytest.mark.anyio


def titles(app: MlpmApp) -> list[str]:
    table = app.screen.query_one("#runs-table", DataTable)
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
        await type_filter(pilot, "base")  # words: a search of names, groups, tags
        assert order(screen) == ["base0", "base1", "base2"]
        assert "3 of 8 runs" in status(app) and "filter base" in status(app)
        assert not screen.query_one("#runs-filter", Input).display  # closed after enter
        await pilot.press("slash", *["backspace"] * 4)
        await pilot.press(*"val.acc > 0.8 and seed < 3", "enter")
        await settle(pilot)
        assert order(screen) == ["aug0", "aug2"]  # 0.801, 0.805 (aug3 has seed 3)
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
        prompt.value = "seed, lr,loss"
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
        table = screen.query_one("#runs-table", DataTable)
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
        table = screen.query_one("#runs-table", DataTable)
        column = titles(app).index("seed")
        header = DataTable.HeaderSelected(table, table.ordered_columns[column].key, column, "")
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
    def compose(self) -> ComposeResult:
        yield DataTable(id="plain", cursor_type="row", zebra_stripes=True)
        yield BulkTable(id="bulk", cursor_type="row", zebra_stripes=True)


def _cells(i: int) -> list[Text]:
    name = Text(f"run {i}", style="bold" if i % 2 else "")
    name.stylize("red", 0, 3)
    return [name, Text(f"{i * 7 % 5 / 3:.4g}", justify="right"), Text("–", style="dim")]


def _drawn(table: DataTable, y: int) -> list[tuple[str, Any]]:
    """Each drawn character with its style (segments may split differently)."""
    return [(ch, seg.style or None) for seg in table.render_line(y) for ch in seg.text]


async def test_bulk_rows_are_the_rows_add_row_makes() -> None:
    """`BulkTable.set_rows` and its quick drawing reach into DataTable's private parts: rows
    must read back, and every character draw in the same style, as a plain DataTable's rows
    added one by one (this fails first if Textual changes them)."""
    rows = [(f"r{i}", _cells(i)) for i in range(30)]
    app = _Tables()
    async with app.run_test(size=(60, 40)) as pilot:
        plain = app.query_one("#plain", DataTable)
        bulk = app.query_one("#bulk", BulkTable)
        for table in (plain, bulk):
            table.add_column("Name", width=8)
            table.add_column("N", width=6)
            table.add_column("Flag", width=3)
        for key, cells in rows:
            plain.add_row(*cells, key=key)
        bulk.set_rows(
            [k for k, _ in rows[:5]], dict(rows)
        )  # then replaced: nothing of the first rows stays
        bulk.set_rows([k for k, _ in rows], dict(rows))
        await pilot.pause()
        assert [r.key.value for r in bulk.ordered_rows] == [r.key.value for r in plain.ordered_rows]
        assert bulk.row_count == plain.row_count == 30
        assert bulk.get_row("r3") == plain.get_row("r3") and bulk.get_row_index("r29") == 29
        for table in (plain, bulk):
            table.update_cell("r3", table.ordered_columns[1].key, Text("9", justify="right"))
            table.move_cursor(row=2)
        app.set_focus(None)  # both drawn unfocused
        await pilot.pause()
        for y in range(12):  # the header, the cursor's row, zebra stripes, an updated cell
            assert _drawn(plain, y) == _drawn(bulk, y), y
        bulk.move_cursor(row=20)
        await pilot.pause()
        assert bulk.coordinate_to_cell_key(bulk.cursor_coordinate).row_key.value == "r20"
        reordered = list(reversed(rows[10:]))
        bulk.set_rows([k for k, _ in reordered], dict(rows))
        await pilot.pause()
        assert [r.key.value for r in bulk.ordered_rows] == [k for k, _ in reordered]
        assert "r3" not in bulk.rows
        assert str(bulk.get_row("r29")[0]) == "run 29"


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
