"""Run charts (`services/run_chart`, `mlpm runs chart`) on real offline W&B runs: x axes,
W&B's debiased EMA, log y, a group's mean with its band, what is drawn, the legend.

The session's runs written by the installed wandb (`wandb_runs`: base-a and base-b of group
g, 30 and 40 steps of `loss = 1/(step+1)`, `epoch = step // 10`, `val.acc = step/100`) are
used where their values are enough; runs whose values differ per seed are written in
wandb's file format with `wandb_write.build_run`, as the runs tests do.
"""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path
from typing import Any

import pytest

from mlpm.integrations.wandb_write import build_run
from mlpm.services import chart_legend, chart_math, run_chart, run_sync
from mlpm.services import runs as run_service
from mlpm.store import Store
from tests.wandb_runs import WandbRuns

ACCS = (0.751, 0.748, 0.755)


@pytest.fixture
def real(cli, store: Store, wandb_runs: WandbRuns) -> dict[str, run_service.Run]:
    """The session's real runs, synced into the test's database, by name."""
    assert cli("runs", "sync", str(wandb_runs.repo / "wandb")).exit_code == 0
    return {r.label: r for r in run_service.list_runs(store)}


def write(root: Path, specs: list[dict[str, Any]]) -> Path:
    """`.wandb` files of runs whose rows are given (`rows`), under root/wandb."""
    for i, spec in enumerate(specs):
        run_dir = root / "wandb" / f"offline-run-20260301_12{i:02d}00-{spec['id']}"
        run_dir.mkdir(parents=True)
        data = build_run(
            spec["id"],
            project="asr",
            name=spec.get("name", spec["id"]),
            group=spec.get("group", ""),
            start=1_772_000_000.0 + i * 3600,
            history=spec["rows"],
            runtime=100,
        )
        (run_dir / f"run-{spec['id']}.wandb").write_bytes(data)
    return root / "wandb"


@pytest.fixture
def seeds(store: Store, tmp_path: Path) -> list[run_service.Run]:
    """Three seeds of group "aug" with different accuracies, and times 1 s (seed 0), 2 s and
    3 s per step (so their time axes differ); seed 2 stops after 20 steps."""
    specs = [
        {
            "id": f"aug{s}",
            "name": f"aug-lr3e-4-seed{s}",
            "group": "aug",
            "rows": [
                {"acc": a * (step + 1) / 30, "_runtime": (s + 1) * step, "epoch": step // 10}
                for step in range(20 if s == 2 else 30)
            ],
        }
        for s, a in enumerate(ACCS)
    ]
    report = run_sync.sync_local(store, [write(tmp_path / "seeds", specs)])
    assert report.added == 3, report.warnings
    return run_service.list_runs(store)


def chart(store: Store, runs: list[run_service.Run], *metrics: str, **options: Any):
    opts = run_chart.ChartOptions(tuple(metrics), **options)
    return run_chart.build(store, run_chart.plan(runs, mean=opts.mean), opts)


# -- the arithmetic ---------------------------------------------------------------------------


def test_ema_is_debiased_as_in_wandb():
    # by hand: last = w*last + (1-w)*y; debias = w*debias + (1-w); shown = last / debias
    assert chart_math.ema([1.0, 0.0, 1.0], 0.5) == pytest.approx([1.0, 1 / 3, 0.625 / 0.875])
    assert chart_math.ema([3.0, 4.0], 0.0) == [3.0, 4.0]


def test_smoothing_a_real_run_keeps_its_first_point(store, real):
    drawn = chart(store, [real["base-a"]], "loss", smooth=0.6)
    (series,) = drawn.series
    # loss 1, 1/2, 1/3: 1.0; (0.24 + 0.2) / 0.64; (0.264 + 0.4/3) / 0.784
    assert series.ys[:3] == pytest.approx([1.0, 0.6875, (0.264 + 0.4 / 3) / 0.784])
    assert series.xs[:3] == [0, 1, 2]
    assert "EMA 0.6" in drawn.title()


def test_x_as_epoch_and_as_seconds_since_the_start_on_real_runs(store, real):
    by_epoch = chart(store, [real["base-b"]], "loss", x="epoch")
    # `epoch` is step // 10, a whole number: the 10 steps of each epoch spread across it
    assert by_epoch.series[0].xs == pytest.approx([s / 10 for s in range(40)])
    assert "whole epochs: the steps of each are spread evenly across it" in by_epoch.notes
    (by_time,) = chart(store, [real["base-b"]], "loss", x="time").series
    assert len(by_time.xs) == 40 and by_time.xs == sorted(by_time.xs)
    assert 0 <= by_time.xs[0] < 60  # `_runtime`: seconds since the run started
    assert (
        chart(store, [real["base-b"]], "loss", x="time")
        .title()
        .startswith("loss vs seconds since start")
    )


def test_a_run_without_epoch_is_drawn_by_step_and_said(store, tmp_path):
    rows = [{"loss": 1.0 / (s + 1)} for s in range(5)]
    run_sync.sync_local(store, [write(tmp_path / "plain", [{"id": "plain", "rows": rows}])])
    drawn = chart(store, run_service.list_runs(store), "loss", x="epoch")
    assert drawn.series[0].xs == [0, 1, 2, 3, 4]
    assert "run plain has no `epoch`: drawn by step" in drawn.notes
    # every run drawn by step: the title and the x axis say step, not epoch
    assert drawn.title().startswith("loss vs step · 1 run")
    assert drawn.x_scale() == (1.0, "step")


def test_one_run_with_epoch_keeps_the_epoch_title(store, tmp_path):
    plain = {"id": "plain", "rows": [{"loss": 1.0 / (s + 1)} for s in range(5)]}
    timed = {"id": "timed", "rows": [{"loss": 1.0 / (s + 1), "epoch": s} for s in range(5)]}
    run_sync.sync_local(store, [write(tmp_path / "two", [plain, timed])])
    drawn = chart(store, run_service.list_runs(store), "loss", x="epoch")
    assert drawn.title().startswith("loss vs epoch · 2 runs")
    assert "run plain has no `epoch`: drawn by step" in drawn.notes


def test_a_groups_mean_of_runs_of_different_lengths_at_shared_steps(store, real):
    drawn = chart(store, [real["base-a"], real["base-b"]], "val.acc", mean=True)
    (mean,) = drawn.series
    assert mean.label == "g" and mean.low is not None and mean.counts is not None
    assert mean.xs == list(range(40))
    assert mean.counts == [2] * 30 + [1] * 10  # base-a ends at step 29
    assert mean.ys == pytest.approx([s / 100 for s in range(40)])
    assert mean.low == pytest.approx(mean.ys) and mean.high == pytest.approx(mean.ys)
    assert "means at the steps runs share" in drawn.notes
    assert "g: 1 of 2 runs where others end" in drawn.notes
    assert "mean (min–max)" in drawn.title()


def test_with_means_on_a_group_of_one_marked_run_stays_that_run(real):
    units = run_chart.plan([real["base-a"], real["no-git"], real["base-b"]], mean=True)
    assert [(u.label, u.group, len(u.run_ids)) for u in units] == [
        ("g", True, 2),
        ("no-git", False, 1),
    ]


def test_min_max_and_std_bands_at_the_steps_the_seeds_share(store, seeds):
    (minmax,) = chart(store, seeds, "acc", mean=True).series
    (std,) = chart(store, seeds, "acc", mean=True, band="std").series
    at = minmax.xs.index(19)  # every seed logged step 19
    values = [a * 20 / 30 for a in ACCS]
    assert minmax.counts and minmax.counts[at] == 3
    assert minmax.ys[at] == pytest.approx(statistics.mean(values))
    assert (minmax.low or [])[at] == pytest.approx(min(values))
    assert (minmax.high or [])[at] == pytest.approx(max(values))
    sd = statistics.stdev(values)  # the sample deviation: seeds are a sample
    assert (std.low or [])[at] == pytest.approx(statistics.mean(values) - sd)
    assert (std.high or [])[at] == pytest.approx(statistics.mean(values) + sd)
    at29 = minmax.xs.index(29)  # seed 2 stopped at step 19
    assert minmax.counts[at29] == 2


def test_on_a_time_axis_the_seeds_are_interpolated_on_one_grid(store, seeds):
    drawn = chart(store, seeds, "acc", x="time", mean=True)
    (mean,) = drawn.series
    # seed 1 lasts longest: 30 steps of 2 s (seed 2: 20 of 3 s, seed 0: 30 of 1 s)
    assert len(mean.xs) == chart_math.GRID and mean.xs[0] == 0 and mean.xs[-1] == 2 * 29
    assert mean.counts and mean.counts[0] == 3 and mean.counts[-1] == 1
    assert mean.ys[0] == pytest.approx(statistics.mean(a / 30 for a in ACCS))
    assert mean.ys[-1] == pytest.approx(ACCS[1])
    # where all three overlap (up to seed 0's last point at 29 s), between seed 0's points
    at = max(i for i, x in enumerate(mean.xs) if x <= 29)
    assert mean.counts[at] == 3 and mean.counts[at + 1] == 2
    assert f"means of runs interpolated at {chart_math.GRID} x values" in drawn.notes


def test_log_y_leaves_out_the_points_at_or_below_zero_and_says_so(store, tmp_path):
    rows = [{"delta": v} for v in (-1.0, 0.0, 0.5, 2.0)]
    run_sync.sync_local(store, [write(tmp_path / "d", [{"id": "d", "rows": rows}])])
    drawn = chart(store, run_service.list_runs(store), "delta", log_y=True)
    assert drawn.series[0].xs == [2, 3] and drawn.series[0].ys == [0.5, 2.0]
    assert "2 points ≤ 0 left out of the log scale" in drawn.notes
    assert "log y" in drawn.title()


def test_more_runs_than_lines_says_which_are_drawn(store, real):
    runs = [real[n] for n in ("base-a", "base-b", "killed", "no-git")]
    drawn = chart(store, runs, "loss", "val.acc", limit=4)  # 2 metrics: 2 runs each
    assert drawn.notes[0] == "drawing 2 of 4 runs: base-a, base-b"
    assert {s.label for s in drawn.series} == {"base-a", "base-b"}
    assert len(drawn.series) == 4  # each run's loss and val.acc


def test_bad_options_are_one_line_errors():
    from mlpm.errors import UsageError

    for bad, said in (
        ({"smooth": 1.0}, "smoothing is a weight from 0"),
        ({"x": "wall"}, "x axis is one of step, epoch, time"),
        ({"band": "iqr"}, "band is one of minmax, std"),
    ):
        with pytest.raises(UsageError, match=said):
            run_chart.ChartOptions(("loss",), **bad).check()
    with pytest.raises(UsageError, match="at most 4 metrics"):
        run_chart.ChartOptions(("a", "b", "c", "d", "e")).check()


# -- the legend ---------------------------------------------------------------------------------


SWEEP = [f"sweep-lr{lr}-seed{s}" for lr in ("3e-4", "1e-3") for s in range(3)]


def test_the_legend_says_the_shared_prefix_once_and_fits_80_columns():
    three = chart_legend.fit(SWEEP[:3], 80)
    assert three.common == "sweep-lr3e-4-…"  # cut at a separator
    assert three.labels == ["seed0", "seed1", "seed2"]
    legend = chart_legend.fit(SWEEP, 80)
    assert legend.common == "sweep-…" and legend.more == 0
    assert legend.labels[:4] == ["lr3e…ed0", "lr3e…ed1", "lr3e…ed2", "lr1e…ed0"]
    assert len(legend.text()) <= 80


def test_the_legend_cuts_labels_and_counts_the_rest_in_30_columns():
    legend = chart_legend.fit(SWEEP, 30)
    text = legend.text()
    assert len(text) <= 30 and text.endswith("more") and legend.more >= 1
    assert all(len(label) >= chart_legend.MIN_LABEL for label in legend.labels)
    assert all("…" in label for label in legend.labels)  # cut in the middle, ends kept
    assert legend.labels[0].endswith("0")


def test_the_legend_never_overflows_and_shows_names_literally():
    names = ["\x1b[31mred", "[b]bold[/b]", "a-very-long-run-name-that-goes-on", "x"]
    for width in range(12, 120):
        assert len(chart_legend.fit(names, width).text()) <= width, width
    text = chart_legend.fit(names, 100).text()
    assert "\\x1b[31mred" in text and "\x1b" not in text and "[b]bold[/b]" in text
    # names sharing only part of a word keep it: "run1", "run12" are not cut to "", "2"
    assert chart_legend.fit(["run1", "run12"], 80).labels == ["run1", "run12"]


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_draws_a_groups_mean_with_legend_and_notes(cli, real):
    result = cli("runs", "chart", "--group", "g", "-m", "loss", "--smooth", "0.6", "--width", "70")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "loss vs step · 3 runs · mean (min–max) · EMA 0.6"
    assert any("┤" in line for line in lines)  # the plot's y axis
    assert all(len(line) <= 70 for line in lines[1:-3])
    assert "■ g" in result.stdout
    assert "means at the steps runs share" in result.stdout


def test_cli_runs_and_several_metrics(cli, real):
    result = cli("runs", "chart", "base-a", "base-b", "-m", "loss", "-m", "val.acc", "--x", "epoch")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("loss, val.acc vs epoch · 2 runs")
    assert "base-…  ■ a  ■ b" in result.stdout  # the legend, shared prefix once
    lines = result.stdout.splitlines()
    # one panel per metric, stacked (20 rows: 10 each), each under its metric's name
    assert sum(line.lstrip().startswith("┌") for line in lines) == 2
    assert [line.strip() for line in lines if line.strip() in ("loss", "val.acc")] == [
        "loss",
        "val.acc",
    ]


def test_cli_draws_the_runs_key_metric_when_none_is_given(cli, real):
    result = cli("runs", "chart", "base-a", "--height", "8")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("val.acc vs step · 1 run")  # as the TUI's first chart


def test_cli_json_is_the_services_chart(cli, store, real):
    result = cli("runs", "chart", "base-a", "-m", "loss", "--log-y", "--json")
    data = json.loads(result.stdout)
    same = chart(store, [real["base-a"]], "loss", log_y=True).to_json()
    assert data == json.loads(json.dumps(same))
    assert data["series"][0]["x"][:3] == [0, 1, 2] and data["log_y"] is True


def test_cli_bad_input_is_one_line(cli, real):
    for args, said, code in (
        (["base-a", "--smooth", "1.5"], "smoothing is a weight from 0", 2),
        (["nope"], "nope", 1),
        ([], "give runs to chart", 2),
        (["base-a", "-m", "nothing"], "no run drawn has a history of nothing", 1),
        (["--group", "zz"], "no runs in group 'zz'", 1),
    ):
        result = cli("runs", "chart", *args)
        assert result.exit_code == code, (args, result.output)
        assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1, args
        assert "Traceback" not in result.output


def test_cli_names_reach_the_terminal_literally(cli, store, tmp_path):
    rows = [{"loss": 1.0 / (s + 1)} for s in range(5)]
    spec = {"id": "odd", "name": "\x1b[31mred[/]", "rows": rows}
    run_sync.sync_local(store, [write(tmp_path / "odd", [spec])])
    result = cli("runs", "chart", "odd", "-m", "loss", "--width", "60")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "■ \\x1b[31mred[/]" in result.stdout


@pytest.mark.parametrize("store_name", ["mlflow.db", "mlruns"])
def test_mlflow_runs_have_a_time_axis_from_their_points_timestamps(
    cli, store, tmp_path, store_name
):
    data = Path(__file__).parent / "data" / "mlflow" / store_name
    copy = tmp_path / store_name
    (shutil.copytree if data.is_dir() else shutil.copy)(data, copy)
    assert cli("runs", "sync", str(copy)).exit_code == 0
    stopped = run_service.get_run(store, "stopped")
    drawn = chart(store, [stopped], "loss", x="time")
    # mlflow logged step s at start + (s + 1) s: seconds since the first point (not drawn
    # by step with a note, as a run without times would be)
    assert drawn.series[0].xs == pytest.approx(list(range(12)))
    assert drawn.notes == []


def test_colour_output_draws_lines_in_colour_on_the_terminals_own_background(store, real):
    from mlpm.services import chart_draw

    drawn = chart(store, [real["base-a"], real["base-b"]], "loss", "val.acc")
    out = chart_draw.text(drawn, 60, 20, colour_on=True)
    r, g, b = chart_draw.colour(1)
    assert f"\x1b[38;2;{r};{g};{b}m" in out  # base-b's colour
    assert "48;5;15m" not in out and "38;5;0m" not in out  # not black on white
