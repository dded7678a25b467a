"""The Runs screen on real offline W&B runs that ended every way (tests/wandb_endings.py): the
CLI and the TUI list the same runs in the same order for the same filter, sort and columns;
the state filter; and the run detail (enter) with the exit code and the traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, SelectionList, Static

from mlpm.services import runs as run_service
from mlpm.store import Store
from mlpm.tui.app import MlpmApp
from mlpm.tui.screens.runs_detail import RunDetailScreen
from mlpm.tui.widgets.line_table import LineTable
from tests.test_tui_runs import goto, order, runs_screen, settle
from tests.wandb_endings import Endings, endings, endings_copy

__all__ = ["endings", "endings_copy"]  # fixtures

pytestmark = pytest.mark.anyio


@pytest.fixture
def synced(cli, project, endings_copy: Endings, store: Store) -> dict[str, str]:
    """The runs imported as `mlpm runs sync` does; run name -> id."""
    assert cli("runs", "sync", str(endings_copy.repo / "wandb")).exit_code == 0
    return {r.label: r.id for r in run_service.list_runs(store)}


def cli_ids(cli, *args: str) -> tuple[list[str], list[str]]:
    """The runs `runs list ARGS --json` prints, and the columns it shows."""
    done = cli("runs", "list", *args, "--json")
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    return [r["id"] for r in rows], list(rows[0]["columns"]) if rows else []


async def click_header(pilot: Pilot[Any], title: str) -> None:
    table = pilot.app.screen.query_one("#runs-table", LineTable)
    index = [str(c.label) for c in table.ordered_columns].index(title)
    table.post_message(LineTable.HeaderSelected(table, index))
    await settle(pilot)


async def pick_states(pilot: Pilot[Any], *toggle: str) -> list[str]:
    """`t`, then space on each state of `toggle` (on or off), then enter; the picker's
    labels."""
    await pilot.press("t")
    await pilot.pause()
    options = pilot.app.screen.query_one(SelectionList)
    labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    at = 0
    for state in toggle:
        index = next(i for i, label in enumerate(labels) if label.startswith(f"{state} "))
        moves = ["down" if index > at else "up"] * abs(index - at)
        await pilot.press(*moves, "space")
        at = index
    await pilot.press("enter")
    await settle(pilot)
    return labels


async def apply_filter(pilot: Pilot[Any], text: str) -> None:
    await pilot.press("slash")
    await pilot.pause()
    pilot.app.screen.query_one("#runs-filter", Input).value = text
    await pilot.press("enter")
    await settle(pilot)


async def test_cli_and_tui_list_the_same_runs_in_the_same_order(cli, db_path: Path, synced):
    expr = "lr < 1e-3 or seed = 0"
    ids, columns = cli_ids(
        cli,
        "--filter",
        expr,
        "--sort",
        "-val/acc",
        "--columns",
        "seed,lr,val/acc",
        "--save-columns",
    )
    assert columns == ["seed", "lr", "val/acc"] and 3 < len(ids) < len(synced)
    finished, _ = cli_ids(cli, "--state", "finished", "--filter", "name ~ new*", "--sort", "seed")
    assert len(finished) == 3
    words, _ = cli_ids(cli, "--filter", "NEW-s", "--sort", "seed")  # words: a search, as `/`
    assert 0 < len(words) < len(synced)
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        table = screen.query_one("#runs-table", LineTable)
        assert [str(c.label) for c in table.ordered_columns][6:-1] == columns  # remembered
        await apply_filter(pilot, expr)
        await click_header(pilot, "val/acc")
        await click_header(pilot, "val/acc")  # again: descending
        assert order(screen) == ids
        await apply_filter(pilot, "name ~ new*")
        await pick_states(pilot, "finished")
        await click_header(pilot, "seed")
        assert order(screen) == finished
        await pick_states(pilot, "finished")  # untick it: every state again
        await apply_filter(pilot, "NEW-s")
        assert order(screen) == words


async def test_the_state_filter_shows_the_states_chosen(db_path: Path, synced):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        labels = await pick_states(pilot, "failed")
        assert "finished  (7)" in labels and "killed  (1)" in labels  # each with its count
        assert order(screen) == [synced["new-s3"]]
        said = str(screen.query_one("#runs-status", Static).render())
        assert f"1 of {len(synced)} runs" in said and "state failed" in said
        await pick_states(pilot, "failed", "killed")  # failed off, killed on
        assert order(screen) == [synced["stopped"]]
        await pick_states(pilot, "failed")  # and failed on again: both
        assert set(order(screen)) == {synced["new-s3"], synced["stopped"]}
        said = str(screen.query_one("#runs-status", Static).render())
        assert "state failed, killed" in said
        await pick_states(pilot, "failed", "killed")  # none chosen: every state
        assert len(order(screen)) == len(synced)
        await pick_states(pilot, "failed")
        await pilot.press("t", "escape")  # cancelled: the table stays as it was
        await settle(pilot)
        assert order(screen) == [synced["new-s3"]]


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_two_states_list_the_runs_the_cli_lists_for_them(cli, db_path: Path, synced, size):
    ids, _ = cli_ids(cli, "--state", "failed", "--state", "killed", "--sort", "name")
    assert sorted(ids) == sorted([synced["new-s3"], synced["stopped"]])
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        await pick_states(pilot, "killed", "failed")
        await click_header(pilot, "Name")
        assert order(screen) == ids


def detail_text(app: MlpmApp) -> str:
    return str(app.screen.query_one("#run-detail-body", Static).render())


async def test_the_detail_of_a_run_that_raised_shows_its_exit_code_and_traceback(
    db_path: Path, synced
):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        await goto(screen, pilot, synced["new-s3"])
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.2)
        assert isinstance(app.screen, RunDetailScreen)
        text = detail_text(app)
        lines = text.splitlines()
        assert lines[0].endswith("new-s3  failed  exit code 1")
        start = lines.index("output (last 12 lines of output.log)")
        assert lines[start + 1 : start + 10] == [f"  epoch {e}" for e in range(8)] + [
            "  Traceback (most recent call last):"
        ]
        assert lines[start + 12] == "  RuntimeError: diverged at epoch 7"
        assert "  lr = 0.0005" in lines and "  model = conformer-s" in lines  # config
        assert any(line.startswith("  val/acc = ") for line in lines)  # summary
        await pilot.press("escape")
        await settle(pilot)
        assert runs_screen(app) is screen
        # a finished run has no output section: its output is not the story
        await goto(screen, pilot, synced["new-s0"])
        await pilot.press("enter")
        await pilot.pause(0.3)
        text = detail_text(app)
        assert "finished  exit code 0" in text.splitlines()[0] and "output" not in text


async def test_the_detail_has_every_row_runs_show_prints(cli, db_path: Path, synced):
    # the page says it is what `runs show` prints; it left out the project row
    printed = cli("runs", "show", "new-s3").stdout.splitlines()
    rows = [line.split()[0] for line in printed[1:] if line.startswith("  ") and "=" not in line]
    rows = [r for r in rows if r not in ("job", "exit")]  # "job type", "exit code": two words
    assert "project" in rows
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        await goto(runs_screen(app), pilot, synced["new-s3"])
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.2)
        lines = detail_text(app).splitlines()
        shown = {line.split()[0] for line in lines if line.startswith("  ") and line.strip()}
        assert set(rows) <= shown
        project = next(line for line in printed if line.startswith("  project"))
        assert project in lines
