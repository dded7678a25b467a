"""The Compare view: from the Runs screen (two groups, two runs) and on its own (key 8).

Runs come from real `.wandb` files imported with the runs services (see test_tui_runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from mlpm.services import comparisons, tasks
from mlpm.services import runs as run_service
from mlpm.services.significance.run_compare import compare_runs
from mlpm.store import Store
from mlpm.tui.app import MlpmApp
from mlpm.tui.screens.compare import CompareScreen
from mlpm.tui.screens.runs import RunsScreen
from mlpm.tui.screens.runs_data import CompareRequest
from mlpm.tui.widgets.line_table import LineTable
from tests.test_tui_runs import MARKUP_NAME, all_screens, imported, settle

__all__ = ["all_screens", "imported"]  # fixtures shared from test_tui_runs

pytestmark = pytest.mark.anyio


def shown(app: MlpmApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def mark_groups(pilot: Pilot[Any], first: str, second: str) -> RunsScreen:
    """Mark two whole W&B groups on the Runs screen (M on a run of each)."""
    screen = pilot.app.screen
    assert isinstance(screen, RunsScreen)
    table = screen.query_one("#runs-table", LineTable)
    for group in (first, second):
        run_id = next(r.id for r in screen.data.runs if r.group == group)
        table.move_cursor(row=table.get_row_index(run_id))
        await pilot.pause()
        await pilot.press("M")
    return screen


async def test_two_groups_give_a_verdict_first_then_the_numbers_and_a_saved_record(
    db_path: Path, imported, store: Store
):
    task = tasks.add(store, "try augmentation").task
    for run in imported:
        if run.group:
            run_service.link(store, run.id, task.id)
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#runs-table", LineTable)
        assert str(table.get_row("base0")[4]) == f"#{task.id}"  # the Task column
        assert str(table.get_row("odd1")[4]) == "–"
        await mark_groups(pilot, "base", "aug")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        verdict = shown(app, "#compare-verdict")
        assert verdict == "aug is better than base"
        body = shown(app, "#compare-body").splitlines()
        # the difference with its 95% CI comes right after the verdict
        assert body[0].startswith("  difference (B - A) +0.0")
        assert "95% CI [" in body[0]
        text = "\n".join(body)
        # aug's seed 3 has no partner in base: seeds 0-2 pair on the seeds both share
        assert "base: mean 0.7513 (n = 3)" in text and "aug: mean 0.801 (n = 3)" in text
        assert "test: paired t-test" in text and "p = " in text
        assert "why: paired by config 'seed'" in text
        assert "warning: left out 1 run of aug whose 'seed' the other side lacks" in text
        assert "effect size: d_z" in text
        assert "warning: higher val.acc taken as better" in text
        saved_text = shown(app, "#compare-saved")
        assert "saved as comparison #1, linked to task #1, with its 6 runs" in saved_text
        log = app.screen.query_one("#compare-log", DataTable)
        assert log.row_count == 1
    [saved] = comparisons.list_comparisons(store)
    assert (saved.label_a, saved.label_b, saved.metric) == ("base", "aug", "val.acc")
    assert saved.verdict == "b_better" and saved.task_id == task.id
    assert sorted(saved.runs_a) == ["base0", "base1", "base2"]
    assert sorted(saved.runs_b) == ["aug0", "aug1", "aug2"]  # the runs compared
    assert saved.p_value is not None and saved.p_value < 0.05
    assert saved.ci_low is not None and saved.ci_low > 0


async def test_flipping_the_direction_compares_again_and_saves_anew(
    db_path: Path, imported, store: Store
):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await mark_groups(pilot, "base", "aug")
        await pilot.press("c")
        await settle(pilot)
        assert "d" in {b.binding.key for b in app.screen.active_bindings.values()}
        await pilot.press("d")
        await settle(pilot)
        assert shown(app, "#compare-verdict") == "base is better than aug"
        assert "warning: higher val.acc taken as better" not in shown(app, "#compare-body")
        assert "saved as comparison #2" in shown(app, "#compare-saved")
    newest, first = comparisons.list_comparisons(store)
    assert first.result["higher_is_better"] is True and first.verdict == "b_better"
    assert newest.result["higher_is_better"] is False and newest.verdict == "a_better"


async def test_undo_removes_the_saved_comparison(db_path: Path, imported, store: Store):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await mark_groups(pilot, "base", "aug")
        await pilot.press("c")
        await settle(pilot)
        assert len(comparisons.list_comparisons(store)) == 1
        await pilot.press("u")
        await settle(pilot)
        assert comparisons.list_comparisons(store) == []
        assert app.screen.query_one("#compare-log", DataTable).row_count == 0
        assert shown(app, "#compare-saved") == "undone: this comparison is no longer saved"
        assert shown(app, "#compare-verdict") == "aug is better than base"  # still readable


async def test_a_failed_comparison_says_why_and_saves_nothing(db_path: Path, imported, store):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        request = CompareRequest.two("no.such.metric", runs_a=("base0",), runs_b=("aug0",))
        app.push_screen(CompareScreen(request))
        await settle(pilot)
        assert "no comparison" in shown(app, "#compare-verdict")
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert any("numeric 'no.such.metric'" in m for m in errors), errors
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
    assert comparisons.list_comparisons(store) == []


async def test_the_compare_screen_alone_lists_saved_comparisons_and_shows_each(
    db_path: Path, imported, store: Store
):
    for a, b in (("base0", "aug0"), ("base", "aug")):
        out = (
            compare_runs(store, [], [], metric="val.acc", group_a=a, group_b=b)
            if a == "base"
            else compare_runs(store, [a], ["odd1"], metric="val.acc")
        )
        comparisons.save(
            store, out.result.to_json(), inputs=out.inputs, runs_a=out.runs_a, runs_b=out.runs_b
        )
    app = MlpmApp(db_path, screen="compare")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        log = app.screen.query_one("#compare-log", DataTable)
        assert log.row_count == 2
        # newest first, and shown
        assert shown(app, "#compare-verdict") == "aug is better than base"
        assert str(log.get_row_at(1)[4]) == MARKUP_NAME  # outside names stay literal
        await pilot.press("down")
        await settle(pilot)
        assert shown(app, "#compare-verdict").startswith("too few runs (1 vs 1)")
        # the list says it in words, never the record's code
        verdicts = [str(log.get_row_at(i)[5]) for i in range(log.row_count)]
        assert "too few to tell" in verdicts and "too_few" not in verdicts, verdicts
        assert f"{MARKUP_NAME}: mean 0.6 (n = 1)" in shown(app, "#compare-body")
        # escape goes back only from a pushed comparison, never out of the mode
        await pilot.press("escape")
        assert isinstance(app.screen, CompareScreen)


async def test_no_saved_comparison_says_how_to_make_one(db_path: Path, project):
    app = MlpmApp(db_path, screen="compare")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "mark two runs or two groups and press c" in shown(app, "#compare-verdict")


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_snapshot(snap_compare, db_path: Path, imported, all_screens, size):
    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await mark_groups(pilot, "base", "aug")
        await pilot.press("c")
        # the comparison runs in a worker: on a loaded machine, wait for its screen
        for _ in range(200):
            if isinstance(pilot.app.screen, CompareScreen) and "better" in shown(
                pilot.app, "#compare-verdict"
            ):
                break
            await pilot.pause(0.05)
        await settle(pilot)

    assert snap_compare(MlpmApp(db_path, screen="runs"), terminal_size=size, run_before=before)


async def test_saved_suites_and_sequential_checks_are_shown_like_any_comparison(
    db_path: Path, store: Store, project
):
    from mlpm.services.significance.saving import save_check
    from mlpm.services.significance.sequential import sequential
    from mlpm.services.significance.suite import suite

    rows = [
        {"method": m, "task": t, "seed": s, "score": base + 0.01 * s + (0.05 if t == "b" else 0)}
        for m, base in (("ppo", 0.6), ("dqn", 0.4))
        for t in ("a", "b")
        for s in range(4)
    ]
    save_check(lambda: store, suite(rows, resamples=200))
    a, b = "0.71,0.74,0.70,0.73,0.72,0.75", "0.78,0.80,0.77,0.81,0.79,0.80"
    save_check(lambda: store, sequential(a, b))
    app = MlpmApp(db_path, screen="compare")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        log = app.screen.query_one("#compare-log", DataTable)
        assert [str(log.get_row_at(i)[5]) for i in range(2)] == ["B better", "suite"]
        assert shown(app, "#compare-verdict").startswith("B is better than A (anytime-valid CI")
        assert "method: group-sequential paired t" in shown(app, "#compare-body")
        await pilot.press("down")
        await settle(pilot)
        assert shown(app, "#compare-verdict").startswith("2 methods on 2 tasks: highest IQM")
        body = shown(app, "#compare-body")
        assert "IQM [95% CI]" in body and "performance profiles" in body and "a = ppo" in body
