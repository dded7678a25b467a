"""The Runs screen, driven with Pilot on runs imported from real `.wandb` files.

The files are written directly in wandb's offline format (`wandb_write.build_run`, as the W&B
tests and benchmark do), then imported with `run_sync.sync_local`, as `mlpm runs sync` does.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from mlpm.integrations.wandb_write import build_run
from mlpm.services import comparisons, run_sync
from mlpm.services import runs as run_service
from mlpm.store import Store
from mlpm.tui import app as app_module
from mlpm.tui.app import SCREENS_REGISTRY, MlpmApp
from mlpm.tui.screens.runs import RunsScreen
from mlpm.tui.widgets.line_table import LineTable
from mlpm.tui.widgets.metric_chart import MetricChart, plot_label, thin

pytestmark = pytest.mark.anyio

START = 1_772_000_000.0
STEPS = 30
MARKUP_NAME = "[red]x[/red]"
SPECS: list[dict[str, Any]] = [
    *(
        {"id": f"base{s}", "name": f"base-{s}", "group": "base", "seed": s, "acc": a, "rt": 90}
        for s, a in enumerate((0.751, 0.748, 0.755))
    ),
    *(
        {"id": f"aug{s}", "name": f"aug-{s}", "group": "aug", "seed": s, "acc": a, "rt": 95}
        for s, a in enumerate((0.801, 0.797, 0.805))
    ),
    # the same accuracy, but its epochs took 50x longer: flagged against aug-0..2
    {"id": "aug3", "name": "aug-3-slow", "group": "aug", "seed": 3, "acc": 0.802, "rt": 4500},
    {"id": "odd1", "name": MARKUP_NAME, "group": "", "seed": 9, "acc": 0.6, "rt": 60},
]


def history(final_acc: float, steps: int = STEPS) -> list[dict[str, float]]:
    return [
        {
            "loss": 2.0 / (step + 1),
            "epoch": step // 10 + 1,
            "val.acc": final_acc * (step + 1) / steps,
        }
        for step in range(steps)
    ]


def write_runs(root: Path) -> Path:
    """Every run of SPECS as a `.wandb` file under `root/wandb` (wandb 0.22+ offline layout)."""
    wandb_dir = root / "wandb"
    for i, spec in enumerate(SPECS):
        run_dir = wandb_dir / f"offline-run-20260301_12{i:02d}00-{spec['id']}"
        run_dir.mkdir(parents=True)
        data = build_run(
            spec["id"],
            project="asr",
            name=spec["name"],
            group=spec["group"],
            job_type="train",
            config={"seed": spec["seed"], "lr": 0.001},
            commit=hashlib.sha1(spec["id"].encode()).hexdigest(),
            start=START + i * 3600,
            history=history(spec["acc"]),
            runtime=spec["rt"],
        )
        (run_dir / f"run-{spec['id']}.wandb").write_bytes(data)
    return wandb_dir


@pytest.fixture
def imported(store: Store, project, tmp_path: Path) -> list[run_service.Run]:
    """The runs of SPECS, imported into the test's database."""
    report = run_sync.sync_local(store, [write_runs(tmp_path / "runs")])
    assert report.added == len(SPECS) and not report.warnings
    return run_service.list_runs(store)


@pytest.fixture
def all_screens(monkeypatch: pytest.MonkeyPatch) -> None:
    """The navigation bar lists every registered screen, whichever modules exist yet, so
    snapshots do not change as other screens land."""
    monkeypatch.setattr(app_module, "available_screens", lambda: dict(SCREENS_REGISTRY))


async def settle(pilot: Pilot[Any], rounds: int = 200) -> None:
    """Wait until the screens' own workers (loads, flags, chart, comparison) are done."""
    quiet = 0
    for _ in range(rounds):
        await pilot.pause(0.02)
        busy = [
            w
            for w in pilot.app.workers
            if w.group.startswith(("runs-", "compare-")) and not w.is_finished
        ]
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:  # a finished worker may start another (the table, then its flags)
            return
    raise AssertionError("the screen's workers did not finish")


def runs_screen(app: MlpmApp) -> RunsScreen:
    screen = app.screen
    assert isinstance(screen, RunsScreen)
    return screen


def order(screen: RunsScreen) -> list[str]:
    table = screen.query_one("#runs-table", LineTable)
    return list(table.row_keys)


def cell(screen: RunsScreen, run_id: str, title: str) -> str:
    table = screen.query_one("#runs-table", LineTable)
    column = [str(c.label) for c in table.ordered_columns].index(title)
    return str(table.get_row(run_id)[column])


async def goto(screen: RunsScreen, pilot: Pilot[Any], run_id: str) -> None:
    table = screen.query_one("#runs-table", LineTable)
    table.move_cursor(row=table.get_row_index(run_id))
    await settle(pilot)


async def test_the_table_lists_runs_grouped_with_metrics_and_the_regression_flag(
    db_path: Path, imported
):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        table = screen.query_one("#runs-table", LineTable)
        titles = [str(c.label) for c in table.ordered_columns]
        assert titles[:6] == ["", "Name", "Group", "State", "Task", "Commit"]
        # the evaluation metric comes first, before counters such as epoch
        assert titles[6] == "val.acc" and titles[-1] == "Flag" and "epoch" in titles
        # grouped: aug's runs, base's runs, then the ungrouped run
        assert order(screen) == ["aug0", "aug1", "aug2", "aug3", "base0", "base1", "base2", "odd1"]
        assert cell(screen, "aug1", "val.acc") == "0.797"
        assert cell(screen, "base0", "Commit") == hashlib.sha1(b"base0").hexdigest()[:7]
        assert cell(screen, "aug0", "State") == "finished"
        # the slow run is flagged; no other run is
        assert re.fullmatch(r"⚠ slow [0-9.]+×", cell(screen, "aug3", "Flag"))  # short
        assert [r for r in order(screen) if cell(screen, r, "Flag")] == ["aug3"]
        await goto(screen, pilot, "aug3")
        status = str(screen.query_one("#runs-status", Static).render())
        assert "much worse than the baseline" in status and "8 runs" in status
        # The order and "group all" give way to the cursor run's flag, read whole at 160
        # columns and from its start at 80 (it was cut after "⚠ runtime/ep")
        message = screen.flags["aug3"].message
        assert message in status and "sorted by" not in status
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        status = str(screen.query_one("#runs-status", Static).render())
        assert status.startswith(f" 8 runs  ⚠ {message[:40]}")
        await goto(screen, pilot, "aug0")  # no flag: the whole line again
        status = str(screen.query_one("#runs-status", Static).render())
        assert status.startswith(" 8 runs  group all  sorted by")


async def test_a_markup_name_is_shown_literally_in_table_status_and_chart(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        assert cell(screen, "odd1", "Name") == MARKUP_NAME
        await goto(screen, pilot, "odd1")
        chart = screen.query_one(MetricChart)
        assert [c.label for c in chart.curves] == [MARKUP_NAME]
        svg = app.export_screenshot()
        # the brackets are on screen (not eaten as markup), in the table and the legend
        assert svg.count("[red]x[/red]") >= 2, "name not literal"
    # control characters in names never reach the plot's ANSI parser
    assert plot_label("\x1b[31mred") == "\\x1b[31mred"


async def test_runs_synced_by_another_process_show_up_with_their_flags(
    db_path: Path, imported, store: Store, tmp_path: Path
):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        assert len(order(screen)) == len(SPECS)
        run_dir = tmp_path / "later" / "offline-run-20260302_090000-aug9"
        run_dir.mkdir(parents=True)
        data = build_run(
            "aug9",
            name="aug-9",
            group="aug",
            config={"seed": 9},
            start=START + 86_400,
            history=history(0.79),
            runtime=9000,
        )
        (run_dir / "run-aug9.wandb").write_bytes(data)
        run_sync.sync_local(store, [run_dir.parent])  # as `mlpm runs sync` elsewhere
        for _ in range(60):
            await settle(pilot)
            if "aug9" in order(screen) and cell(screen, "aug9", "Flag"):
                break
        assert order(screen)[:5] == ["aug0", "aug1", "aug2", "aug3", "aug9"]
        # slower epochs, and a val.acc below the 4 earlier aug runs
        assert re.fullmatch(r"⚠ slow [0-9.]+× \+1", cell(screen, "aug9", "Flag"))
        await goto(screen, pilot, "aug9")  # the whole of it in the status line
        status = str(screen.query_one("#runs-status", Static).render())
        assert "runtime/epoch: " in status and "val.acc: " in status


async def test_sort_by_keys_and_by_clicking_headers(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        await pilot.press("s")  # group -> name
        await settle(pilot)
        assert order(screen) == ["odd1", "aug0", "aug1", "aug2", "aug3", "base0", "base1", "base2"]
        assert "sorted by Name ↑" in str(screen.query_one("#runs-status", Static).render())
        await pilot.press("S")
        assert order(screen)[0] == "base2" and order(screen)[-1] == "odd1"
        # clicking the val.acc header sorts by it, ascending, then descending
        table = screen.query_one("#runs-table", LineTable)
        column = [str(c.label) for c in table.ordered_columns].index("val.acc")
        table.post_message(LineTable.HeaderSelected(table, column))
        await settle(pilot)
        assert order(screen) == ["odd1", "base1", "base0", "base2", "aug1", "aug0", "aug3", "aug2"]
        table.post_message(LineTable.HeaderSelected(table, column))
        await settle(pilot)
        assert order(screen)[:2] == ["aug2", "aug3"]
        # the cursor stays on the same run through re-sorting
        await goto(screen, pilot, "base1")
        await pilot.press("s")
        await settle(pilot)
        assert screen.current is not None and screen.current.id == "base1"


async def test_filter_by_group_through_the_picker(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["all groups", "aug  (4)", "base  (3)"]
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        screen = runs_screen(app)
        assert order(screen) == ["base0", "base1", "base2"]
        assert "group base" in str(screen.query_one("#runs-status", Static).render())
        await pilot.press("w", "enter")  # "all groups"
        await settle(pilot)
        assert len(order(screen)) == len(SPECS)


async def test_the_chart_follows_the_cursor_overlays_marked_runs_and_changes_metric(
    db_path: Path, imported
):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        chart = screen.query_one(MetricChart)
        assert chart.metric == "val.acc"
        assert [c.label for c in chart.curves] == ["aug-0"]
        points = chart.curves[0].points
        assert (
            len(points) == STEPS and points[0][0] == 0 and points[-1] == (29, pytest.approx(0.801))
        )
        assert chart.query_one("#chart-plot").display is True

        await pilot.press("space", "down", "space", "down")
        await settle(pilot)
        # marked runs overlaid, plus the run under the cursor
        assert [c.label for c in chart.curves] == ["aug-2", "aug-0", "aug-1"]
        assert "2 marked" in str(screen.query_one("#runs-status", Static).render())
        assert cell(screen, "aug0", "") == "●" and cell(screen, "aug2", "") == " "

        await pilot.press("m")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels[0] == "val.acc" and "loss" in labels
        await pilot.press(*["down"] * labels.index("loss"), "enter")
        await settle(pilot)
        assert chart.metric == "loss"
        assert chart.curves[0].points[0] == (0, 2.0)
        table = screen.query_one("#runs-table", LineTable)
        assert str(table.ordered_columns[6].label) == "loss"  # the chosen metric's column first

        await pilot.press("escape")  # clears the marks
        await settle(pilot)
        assert [c.label for c in chart.curves] == ["aug-2"]


async def test_a_run_whose_file_is_gone_says_so_in_the_chart(db_path: Path, imported):
    run = next(r for r in imported if r.id == "base1")
    assert run.path is not None
    run_service.fs_path(run.path).unlink()
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        await goto(screen, pilot, "base1")
        message = str(screen.query_one("#chart-message", Static).render())
        assert "the file of run base1 is gone" in message
        # marked beside a readable run: that one is drawn, the missing one noted once
        await pilot.press("space", "up", "space", "down", "up")
        await settle(pilot)
        assert [c.label for c in screen.query_one(MetricChart).curves] == ["base-0"]
        told = [n.message for n in app._notifications if "is gone" in n.message]
        assert len(told) == 1


async def test_the_history_read_for_the_chart_is_cached(db_path: Path, imported, store):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    cached = store.scalar("SELECT COUNT(DISTINCT path) FROM run_history_cache")
    assert cached == 1  # only the run that was drawn


async def test_compare_needs_two_marked_runs_or_two_groups(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        await pilot.press("space", "c")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert any("mark two runs" in n.message for n in app._notifications)
        # three runs from one group: each run a side of its own
        await pilot.press("down", "space", "down", "space")
        three = screen.comparison()
        assert not isinstance(three, str) and three.many
        assert [side.runs for side in three.sides] == [("aug0",), ("aug1",), ("aug2",)]
        # whole groups marked with M become group sides
        await pilot.press("escape")
        await goto(screen, pilot, "base0")
        await pilot.press("M")
        await goto(screen, pilot, "aug0")
        await pilot.press("M")
        request = screen.comparison()
        assert not isinstance(request, str)
        assert (request.group_a, request.group_b, request.metric) == ("base", "aug", "val.acc")
        # part of a group: the marked runs, by group
        await pilot.press("space")  # unmark aug0
        request = screen.comparison()
        assert not isinstance(request, str)
        assert request.group_a is None
        assert request.runs_a == ("base0", "base1", "base2")
        assert request.runs_b == ("aug1", "aug2", "aug3")


async def test_marking_two_runs_and_pressing_c_opens_the_saved_comparison(
    db_path: Path, imported, store
):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "down", "space", "c")
        await settle(pilot)
        verdict = str(app.screen.query_one("#compare-verdict", Static).render())
        assert verdict.startswith("too few runs (1 vs 1)")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RunsScreen)
    [saved] = comparisons.list_comparisons(store)
    assert (saved.runs_a, saved.runs_b, saved.metric) == (["aug0"], ["aug1"], "val.acc")


def test_the_tui_process_never_imports_wandb(db_path: Path, imported, tmp_path: Path):
    """Drive the screen (table, chart, compare) in a fresh interpreter, then look."""
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from mlpm.tui.app import MlpmApp
        from tests.test_tui_runs import settle

        async def main():
            app = MlpmApp({str(db_path)!r}, screen="runs")
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                await pilot.press("m")
                await pilot.pause(0.2)
                await pilot.press("enter")
                await settle(pilot)
                await pilot.press("M", "down", "down", "down", "down", "M", "c")
                await settle(pilot)
                verdict = str(app.screen.query_one("#compare-verdict").render())
                assert "better" in verdict, verdict
        asyncio.run(main())
        assert "textual_plotext" in sys.modules and "scipy" in sys.modules, "not driven"
        print("wandb" in sys.modules, [m for m in sys.modules if m.startswith("wandb")][:3])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False []"


async def test_no_runs_says_how_to_import_them(db_path: Path, project):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        status = str(app.screen.query_one("#runs-status", Static).render())
        assert "mlpm runs sync" in status
        await pilot.press("c")
        await pilot.pause()
        assert any("no numeric summary metric" in n.message for n in app._notifications)


def test_thinning_keeps_the_ends():
    points = [(i, float(i)) for i in range(1000)]
    kept = thin(points, 100)
    assert len(kept) == 100 and kept[0] == (0, 0.0) and kept[-1] == (999, 999.0)
    assert thin(points[:10], 100) == points[:10]


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_snapshot(snap_compare, db_path: Path, imported, all_screens, size):
    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("down", "space", "down", "down", "space")
        await settle(pilot)

    assert snap_compare(MlpmApp(db_path, screen="runs"), terminal_size=size, run_before=before)
