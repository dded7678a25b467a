"""The Compare screen with two runs or two groups marked on the Runs screen: what changed in
their configs above the verdict, the same keys and values as `mlpm runs compare --json`
(runs from real offline `.wandb` files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from mlpm.tui.app import MlpmApp
from mlpm.tui.screens.compare import CompareScreen
from mlpm.tui.widgets.line_table import LineTable
from tests.test_runs_compare import many
from tests.test_tui_compare_many import mark, shown
from tests.test_tui_runs import MARKUP_NAME, imported, settle

__all__ = ["imported", "many"]  # fixtures shared

pytestmark = pytest.mark.anyio


def cli_changes(cli, *sides: str) -> dict[str, Any]:
    """What `runs compare SIDES --json` says changed: the keys that differ with each side's
    value(s) ("differ"), how many are the same ("same"), the seed-like keys."""
    done = cli("runs", "compare", *sides, "--json")
    assert done.exit_code == 0, done.output
    said: dict[str, Any] = json.loads(done.stdout)["what_changed"]
    return said


def on_screen(app: MlpmApp) -> dict[str, dict[str, str]]:
    """The what-changed table as drawn: key -> side -> value(s) (one word each here)."""
    lines = [line.split() for line in shown(app, "#compare-changes").splitlines()]
    header = next(i for i, words in enumerate(lines) if words and words[0] == "config")
    sides = lines[header][1:]
    rows = [words for words in lines[header + 1 :] if words and set(words[0]) != {"─"}]
    return {key: dict(zip(sides, cells, strict=True)) for key, *cells in rows}


async def open_two(pilot: Pilot[Any], groups: tuple[str, str], key: str = "M") -> CompareScreen:
    await settle(pilot)
    await mark(pilot, groups, key)
    await pilot.press("c")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen) and screen.shown is not None
    return screen


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_two_groups_show_what_changed_as_the_cli_says_above_the_verdict(
    cli, db_path: Path, many, size
):
    said = cli_changes(cli, "-g", "base", "-g", "wide")
    expected = said["differ"]
    assert expected == {"model.width": {"base": "256", "wide": "512"}}
    assert said["same"] == 3 and said["vary_within_alike"] == ["seed"]
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=size) as pilot:
        screen = await open_two(pilot, ("base", "wide"))
        changes = shown(app, "#compare-changes")
        assert " ".join(changes.split()).startswith(
            "What changed: 1 config key differs; 3 the same everywhere (hidden); "
            "varying alike within every side: seed"
        )
        assert on_screen(app) == expected
        assert shown(app, "#compare-verdict") == "wide is better than base"
        # above the verdict, in the report the arrows scroll
        changes_box = screen.query_one("#compare-changes", Static)
        verdict_box = screen.query_one("#compare-verdict", Static)
        assert changes_box.region.y < verdict_box.region.y
        assert changes_box.region.width > 0


async def test_two_runs_show_what_changed_and_names_stay_literal(cli, db_path: Path, imported):
    by_name = {r.label: r.id for r in imported}
    expected = cli_changes(cli, by_name["base-0"], "odd1")["differ"]
    assert expected == {"seed": {"base-0": "0", MARKUP_NAME: "9"}}
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#runs-table", LineTable)
        for run_id in (by_name["base-0"], "odd1"):
            table.move_cursor(row=table.get_row_index(run_id))
            await pilot.pause()
            await pilot.press("space")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert on_screen(app) == expected  # the name "[red]x[/red]" is a header, as written


async def test_another_saved_comparison_hides_the_diff_of_the_one_just_made(db_path: Path, many):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_two(pilot, ("base", "wide"))
        first = screen.shown
        await pilot.press("d")  # compared again the other way: a second saved comparison
        await settle(pilot)
        assert screen.shown is not None and screen.shown.id != first.id
        assert screen.query_one("#compare-changes").display
        screen.query_one("#compare-log").focus()
        await pilot.press("down")
        await settle(pilot)
        assert screen.shown is not None and screen.shown.id == first.id
        assert not screen.query_one("#compare-changes").display
