"""The Compare screen with three or more groups or runs marked on the Runs screen: each
side's verdict against the baseline, what changed, the metric table and the test, the same
words and numbers as `mlpm runs compare` (runs from real offline `.wandb` files)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from mlpm.services import comparisons
from mlpm.services.significance.multi_runs import compare_many
from mlpm.services.significance.run_sides import SideRef
from mlpm.store import Store
from mlpm.tui.app import MlpmApp
from mlpm.tui.screens.compare import CompareScreen
from mlpm.tui.screens.runs import RunsScreen
from mlpm.tui.widgets.line_table import LineTable
from tests.runs_many import CRASHED
from tests.test_runs_compare import many
from tests.test_tui_runs import all_screens, settle

__all__ = ["all_screens", "many"]  # fixtures shared

pytestmark = pytest.mark.anyio
GROUPS = ("base", "wide", "deep")


def shown(app: MlpmApp, selector: str) -> str:
    """The widget's content as drawn at its width (lines right-trimmed)."""
    widget = app.screen.query_one(selector, Static)
    console = Console(width=widget.content_size.width, file=io.StringIO(), color_system=None)
    with console.capture() as capture:
        console.print(widget.content)
    return "\n".join(line.rstrip() for line in capture.get().splitlines()).strip("\n")


async def mark(pilot: Pilot[Any], groups: tuple[str, ...] = GROUPS, key: str = "M") -> None:
    """On the Runs screen, `key` (M: the whole group; space: the run) on the first run of
    each group."""
    screen = pilot.app.screen
    assert isinstance(screen, RunsScreen)
    table = screen.query_one("#runs-table", LineTable)
    for group in groups:
        run_id = next(r.id for r in screen.data.runs if r.group == group)
        table.move_cursor(row=table.get_row_index(run_id))
        await pilot.pause()
        await pilot.press(key)


async def open_compare(pilot: Pilot[Any], groups: tuple[str, ...] = GROUPS, key: str = "M"):
    await settle(pilot)
    await mark(pilot, groups, key)
    await pilot.press("c")
    for _ in range(200):  # the comparison runs in the database worker
        screen = pilot.app.screen
        if isinstance(screen, CompareScreen) and screen.many is not None:
            break
        await pilot.pause(0.05)
    await settle(pilot)


async def test_three_groups_show_verdicts_what_changed_the_table_and_the_test(
    db_path: Path, many, store: Store
):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen) and screen.request is not None
        assert [s.group for s in screen.request.sides] == list(GROUPS)
        verdict = shown(app, "#compare-verdict").splitlines()
        assert verdict[0] == "wide vs base: wide is better than base"
        assert verdict[1].startswith("deep vs base: no detectable difference")
        body = shown(app, "#compare-body")
        assert "What changed: 2 config keys differ; 2 the same everywhere (hidden)" in body
        assert "varying alike within every side: seed" in body
        assert "val/acc (higher is better)" in body
        assert "all 3 on the 3 seed values they share (Friedman)" in body
        assert f"warning: left out 1 unfinished run of deep: {CRASHED} (crashed)" in body
        assert "against base · b: another baseline" in shown(app, "#compare-saved")
    assert comparisons.list_comparisons(store) == []  # shown, not saved


async def test_the_screen_shows_what_the_cli_prints(db_path: Path, many, store: Store, cli):
    out = cli("runs", "compare", "-g", "base", "-g", "wide", "-g", "deep")
    assert out.exit_code == 0
    printed = [line.split() for line in out.stdout.splitlines() if line.strip()]
    result = compare_many(store, [SideRef(group=g) for g in GROUPS])
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await open_compare(pilot)
        body = shown(app, "#compare-body")
        on_screen = [line.split() for line in body.splitlines()]
        verdicts = shown(app, "#compare-verdict").splitlines()
    # every row of the config diff and the metric table, cell for cell
    for key, cells in result.diff.rows:
        assert [key, *cells] in printed and [key, *cells] in on_screen
    for row in result.rows:
        words = " ".join(row.cells()).split()
        assert words in printed and words in on_screen
    # every line of the test, word for word (the screen wraps long lines), and each
    # side's verdict
    flowing = " ".join(body.split())
    for line in result.test_lines():
        assert line.split() in printed and " ".join(line.split()) in flowing
    for side, words in result.verdicts().items():
        assert f"{side} vs base: {words}" in verdicts
        assert any(f"{side}: {words}" in line for line in out.stdout.splitlines())


async def test_b_picks_another_baseline_and_d_flips_the_direction(db_path: Path, many):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        keys = {b.binding.key for b in screen.active_bindings.values()}
        assert {"b", "d"} <= keys
        await pilot.press("b")
        await settle(pilot)
        assert screen.many is not None and screen.many.baseline == "wide"
        verdict = shown(app, "#compare-verdict").splitlines()
        assert verdict == [
            "base vs wide: wide is better than base",
            "deep vs wide: wide is better than deep",
        ]
        await pilot.press("d")
        await settle(pilot)
        assert screen.many is not None and not screen.many.way.higher_is_better
        first = shown(app, "#compare-verdict").splitlines()[0]
        assert first == "base vs wide: base is better than wide"
        await pilot.press("b", "b")
        await settle(pilot)
        assert screen.many is not None and screen.many.baseline == "base"  # round again
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)


async def test_three_single_runs_get_their_values_and_no_made_up_test(db_path: Path, many):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_compare(pilot, key="space")
        screen = app.screen
        assert isinstance(screen, CompareScreen) and screen.many is not None
        assert [r.label for r in screen.many.rows] == ["base-0", "wide-0", "deep-0"]
        assert shown(app, "#compare-verdict").startswith("no test: one run a side")
        table = [line.split() for line in shown(app, "#compare-body").splitlines()]
        assert ["run", "val/acc"] in table and ["wide-0", "0.802"] in table
        # nothing to test against another baseline
        assert "b" not in {b.binding.key for b in screen.active_bindings.values()}


async def test_two_groups_still_save_their_comparison(db_path: Path, many, store: Store):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await mark(pilot, ("base", "wide"))
        await pilot.press("c")
        await settle(pilot)
        assert shown(app, "#compare-verdict") == "wide is better than base"
        assert "b" not in {b.binding.key for b in app.screen.active_bindings.values()}
    [saved] = comparisons.list_comparisons(store)
    assert (saved.label_a, saved.label_b) == ("base", "wide")


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_snapshot(snap_compare, db_path: Path, many, all_screens, size):
    async def before(pilot: Pilot[Any]) -> None:
        await open_compare(pilot)

    assert snap_compare(MlpmApp(db_path, screen="runs"), terminal_size=size, run_before=before)


async def test_a_side_without_a_finished_run_is_left_out_and_said(db_path: Path, many):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        table = screen.query_one("#runs-table", LineTable)
        by_name = {r.label: r.id for r in screen.data.runs}
        for name in ("base-0", CRASHED, "wide-0"):
            table.move_cursor(row=table.get_row_index(by_name[name]))
            await pilot.pause()
            await pilot.press("space")
        await pilot.press("c")
        for _ in range(200):
            if isinstance(app.screen, CompareScreen) and app.screen.many is not None:
                break
            await pilot.pause(0.05)
        await settle(pilot)
        compare = app.screen
        assert isinstance(compare, CompareScreen) and compare.many is not None
        assert [s.label for s in compare.many.sides] == ["base-0", "wide-0"]
        assert shown(app, "#compare-verdict").startswith("wide-0 vs base-0: too few pairs (1)")
        assert compare.query_one("#compare-verdict").has_class("-too_few")
        body = " ".join(shown(app, "#compare-body").split())
        assert f"warning: left out {CRASHED} (crashed): no finished run" in body
