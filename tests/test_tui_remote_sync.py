"""The Runs screen's remote sync (`R`): the project's W&B or MLflow remote synced in a child
process (stdin closed) from a worker, with one quiet status line; the UI keeps answering."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from mlpm.services import projects
from mlpm.store import Store
from mlpm.tui.app import MlpmApp
from mlpm.tui.run_sync_worker import LINE_ID
from mlpm.tui.widgets.line_table import LineTable

pytestmark = pytest.mark.anyio
DATA = Path(__file__).parent / "data" / "mlflow"


async def _line_when_done(pilot: Pilot[Any], seconds: float) -> str:
    """The status line's text once the sync's worker is done."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await pilot.pause(0.1)
        busy = [w for w in pilot.app.workers if w.group == LINE_ID and not w.is_finished]
        if not busy:
            break
    await pilot.pause(0.1)
    return str(pilot.app.screen.query_one(f"#{LINE_ID}", Static).render())


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc with a W&B key either
    for name in ("WANDB_API_KEY", "WANDB_IDENTITY_TOKEN_FILE", "NETRC", "MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)


async def test_a_missing_key_is_one_status_line_and_the_ui_never_waits(
    db_path: Path, store: Store, no_key
):
    project = projects.add(store, "asr")
    projects.edit(store, project.slug, wandb_entity="team", wandb_project="asr")
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("R")
        began = time.monotonic()
        await pilot.press("s")  # the screen answers while the child runs
        assert time.monotonic() - began < 1.0
        line = await _line_when_done(pilot, 60)
        assert line == "team/asr: no W&B API key: run `wandb login` or set WANDB_API_KEY"


async def test_no_remote_says_how_to_set_one(db_path: Path, store: Store, no_key):
    projects.add(store, "asr")
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("R")
        line = await _line_when_done(pilot, 10)
        assert line.startswith("no remote: set the project's W&B entity and project")


@pytest.mark.slow  # the child imports mlflow (seconds)
async def test_the_mlflow_remote_syncs_and_the_table_fills(
    db_path: Path, store: Store, no_key, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    pytest.importorskip("mlflow")
    copy = tmp_path / "server" / "mlflow.db"
    copy.parent.mkdir()
    shutil.copy(DATA / "mlflow.db", copy)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{copy}")
    projects.add(store, "asr")
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("R")
        line = await _line_when_done(pilot, 120)
        assert line == f"mlflow:sqlite:///{copy}: 7 added, 0 updated, 0 unchanged"
        for _ in range(50):  # the screen reloads once the runs arrived
            await pilot.pause(0.1)
            if pilot.app.screen.query_one("#runs-table", LineTable).row_count == 7:
                break
        assert pilot.app.screen.query_one("#runs-table", LineTable).row_count == 7
