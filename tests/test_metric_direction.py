"""One rule for which way a metric is better and which metric matters: `runs list --check`,
`sig runs` and the TUI's Runs view agree on the same runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlpm.integrations import wandb_write as ww
from mlpm.services import metric_rules, run_sync
from mlpm.services import runs as service
from mlpm.store import Store
from mlpm.tui.app import MlpmApp
from mlpm.tui.screens.runs import RunsScreen
from mlpm.tui.screens.runs_data import fetch_flags, fetch_runs
from mlpm.tui.widgets.line_table import LineTable
from tests.test_tui_runs import settle

# Four steady runs, then one whose accuracy collapsed and one that improved beyond them.
ACCURACIES = {"ok0": 0.90, "ok1": 0.91, "ok2": 0.89, "ok3": 0.905, "collapsed": 0.3, "better": 2.0}


def _write(root: Path) -> None:
    for minute, (run_id, acc) in enumerate(ACCURACIES.items()):
        run_dir = root / f"offline-run-20260301_12{minute:02d}00-{run_id}"
        run_dir.mkdir(parents=True)
        data = ww.build_run(
            run_id,
            name=run_id,
            group="sweep",
            start=1_772_000_000 + minute * 60,
            history=[{"epoch": 1}],
            summary={"epoch": 10, "val/acc": acc},
            runtime=180,
        )
        (run_dir / f"run-{run_id}.wandb").write_bytes(data)


@pytest.fixture
def sweep(store: Store, project, tmp_path: Path) -> Store:
    _write(tmp_path / "wandb")
    run_sync.sync_local(store, [tmp_path / "wandb"])
    return store


def _cli_flags(cli: Any, *args: str) -> set[str]:
    listed = json.loads(cli("runs", "list", "--check", "--json", *args).stdout)
    return {r["id"] for r in listed if r["flag"]}


@pytest.mark.parametrize(
    ("metric", "higher"),
    [("val/acc", True), ("test.f1", True), ("val/loss", False), ("wer", False), ("runtime", False)],
)
def test_direction_is_guessed_from_the_name_unless_said(metric: str, higher: bool) -> None:
    guessed = metric_rules.direction(metric)
    assert guessed.higher_is_better is higher and guessed.guessed
    assert metric in (guessed.note() or "")
    said = metric_rules.direction(metric, not higher)
    assert said.higher_is_better is (not higher) and said.note() is None


def test_a_collapsed_accuracy_is_flagged_and_an_improvement_is_not_in_cli_and_tui(
    cli, sweep: Store
) -> None:
    runs = service.list_runs(sweep)
    data = fetch_runs(sweep, None)
    assert data.key_metric == "val/acc"  # the TUI's default metric: the runs' key metric
    tui = set(fetch_flags(sweep, runs, data.key_metric))
    assert tui == {"collapsed"}
    assert _cli_flags(cli, "--metric", "val/acc") == tui
    assert _cli_flags(cli) == tui  # without --metric: the same key metric
    line = next(
        x for x in cli("runs", "list", "--check").stdout.splitlines() if x.startswith("collapsed")
    )
    assert "⚠ val/acc:" in line


def test_saying_the_direction_flips_it_with_either_spelling(cli, sweep: Store) -> None:
    lower = _cli_flags(cli, "--metric", "val/acc", "--lower-is-better")
    assert lower == {"better"}
    assert _cli_flags(cli, "--metric", "val/acc", "--higher-is-better") == {"collapsed"}
    assert _cli_flags(cli, "--metric", "val/acc", "--higher") == {"collapsed"}  # old alias
    both = cli("runs", "list", "--check", "--higher-is-better", "--lower-is-better")
    assert both.exit_code == 2 and "not both" in both.stderr
    assert "--higher " not in cli("runs", "list", "--help").stdout  # hidden


def test_sig_runs_takes_the_same_direction(cli, sweep: Store) -> None:
    r = cli("sig", "runs", "ok0,ok1,ok2", "--vs", "collapsed", "--metric", "val/acc", "--json")
    data = json.loads(r.stdout)
    assert data["higher_is_better"] is metric_rules.higher_is_better("val/acc") is True


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_runs_view_flags_what_the_cli_flags(cli, db_path: Path, sweep: Store) -> None:
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        assert screen.metric == "val/acc"
        table = screen.query_one("#runs-table", LineTable)
        flag = [str(c.label) for c in table.ordered_columns].index("Flag")
        flagged = {key for key in table.row_keys if str(table.get_row(key)[flag]).strip()}
    assert flagged == _cli_flags(cli) == {"collapsed"}
