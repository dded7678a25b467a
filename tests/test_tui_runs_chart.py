"""The Runs screen's chart options, driven with Pilot on runs imported from `.wandb` files:
x axis, smoothing, log y, group mean and band, several metrics, which runs are drawn; the
chart is the one `mlpm runs chart` draws; snapshots at 80×24 and 160×45."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from mlpm.services import chart_math
from mlpm.tui.app import MlpmApp
from mlpm.tui.widgets.metric_chart import MetricChart
from tests.test_tui_runs import SPECS, STEPS, all_screens, goto, imported, runs_screen, settle

__all__ = ["all_screens", "imported"]  # fixtures

pytestmark = pytest.mark.anyio


def shown(chart: MetricChart, part: str) -> str:
    return str(chart.query_one(f"#chart-{part}", Static).render())


async def pick(pilot: Pilot[Any], label: str) -> None:
    """Choose `label` in the open picker."""
    await pilot.pause()
    options = pilot.app.screen.query_one(OptionList)
    labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    await pilot.press(*["down"] * labels.index(label), "enter")
    await settle(pilot)


async def test_keys_change_the_x_axis_smoothing_log_scale_and_metrics(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        chart = runs_screen(app).query_one(MetricChart)
        assert chart.chart is not None and chart.chart.options.x == "step"

        await pilot.press("X")
        await settle(pilot)
        epochs = [x for x, _ in chart.curves[0].points]  # step // 10 + 1, spread evenly
        assert epochs == pytest.approx([1 + s / 10 for s in range(STEPS)])
        assert shown(chart, "title").startswith("val.acc vs epoch · 1 run")
        await pilot.press("X")  # these files log no `_runtime`: by step, and said
        await settle(pilot)
        assert "run aug-0 has no `_runtime`: drawn by step" in shown(chart, "notes")
        await pilot.press("X")
        await settle(pilot)
        assert chart.chart.options.x == "step" and not chart.query_one("#chart-notes").display

        raw = [y for _, y in chart.curves[0].points]
        await pilot.press("z")
        await settle(pilot)
        smoothed = [y for _, y in chart.curves[0].points]
        assert smoothed == pytest.approx(chart_math.ema(raw, 0.6))
        assert smoothed[0] == pytest.approx(raw[0])  # debiased: not pulled towards 0
        assert "EMA 0.6" in shown(chart, "title")
        await pilot.press("z", "z")  # 0.9, then off
        await settle(pilot)
        assert [y for _, y in chart.curves[0].points] == raw

        await pilot.press("L")
        await settle(pilot)
        assert chart.chart.options.log_y and "log y" in shown(chart, "title")

        await pilot.press("plus")
        await pick(pilot, "loss")
        assert chart.chart.options.metrics == ("val.acc", "loss")
        assert {s.metric for s in chart.chart.series} == {"val.acc", "loss"}
        assert shown(chart, "title").startswith("val.acc, loss vs step")
        await pilot.press("minus")
        await settle(pilot)
        assert chart.chart.options.metrics == ("val.acc",)


async def test_a_marked_group_is_drawn_as_its_mean_with_a_band(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        chart = runs_screen(app).query_one(MetricChart)
        await pilot.press("M", "b")  # the cursor's group (aug, 4 runs), as its mean
        await settle(pilot)
        (mean,) = chart.chart.series if chart.chart else []
        assert mean.label == "aug" and mean.low is not None and mean.high is not None
        accs = [s["acc"] for s in SPECS if s["group"] == "aug"]
        assert mean.ys[-1] == pytest.approx(sum(accs) / len(accs))
        assert (mean.low[-1], mean.high[-1]) == pytest.approx((min(accs), max(accs)))
        assert "mean (min–max)" in shown(chart, "title")
        assert "■ aug" in shown(chart, "legend")
        await pilot.press("B")
        await settle(pilot)
        assert "mean (±1 std)" in shown(chart, "title")
        await pilot.press("b")  # every run again
        await settle(pilot)
        assert [c.label for c in chart.curves] == ["aug-0", "aug-1", "aug-2", "aug-3-slow"]


async def test_more_marked_runs_than_lines_says_which_are_drawn(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        chart = screen.query_one(MetricChart)
        await pilot.press("plus")
        await pick(pilot, "loss")  # two metrics: 4 runs each, 8 lines
        await pilot.press("M")
        await goto(screen, pilot, "base0")
        await pilot.press("M")
        await settle(pilot)
        notes = shown(chart, "notes")
        assert notes.startswith("drawing 4 of 7 runs: aug-0, aug-1, aug-2, aug-3-slow")
        assert len(chart.chart.series if chart.chart else []) == 8


async def test_the_tui_draws_the_chart_the_cli_prints(db_path: Path, imported, cli):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        await goto(screen, pilot, "base0")
        await pilot.press("M", "b", "X", "z")
        await settle(pilot)
        tui = screen.query_one(MetricChart).chart
        assert tui is not None
    printed = cli(
        *("runs", "chart", "base0", "base1", "base2", "--mean"),
        *("-m", "val.acc", "--x", "epoch", "--smooth", "0.6", "--json"),
    )
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout) == json.loads(json.dumps(tui.to_json()))


async def test_several_metrics_below_the_table_get_a_taller_chart(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chart = runs_screen(app).query_one(MetricChart)
        before = chart.size.height
        await pilot.press("plus")
        await pick(pilot, "loss")
        assert chart.size.height > before
        await pilot.press("minus")
        await settle(pilot)
        assert chart.size.height == before


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_snapshot(snap_compare, db_path: Path, imported, all_screens, size):
    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("M", "b", "plus")
        await pick(pilot, "loss")
        await pilot.press("z")
        await settle(pilot)

    assert snap_compare(MlpmApp(db_path, screen="runs"), terminal_size=size, run_before=before)


async def test_the_taller_chart_goes_back_to_its_place_beside_the_table_when_wide(
    db_path: Path, imported
):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chart = runs_screen(app).query_one(MetricChart)
        await pilot.press("plus")
        await pick(pilot, "loss")
        await pilot.resize_terminal(160, 45)
        await settle(pilot)
        assert runs_screen(app).has_class("-wide")
        assert chart.size.height > 30  # the whole height beside the table, not 16 rows
