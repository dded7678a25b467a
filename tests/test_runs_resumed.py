"""A run resumed offline (`wandb.init(mode="offline", id=X, resume="allow")` twice) writes two
folders: mlpm joins them into one run with both segments of its history, in step order."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wandb_runs import wandb_env

pytestmark = pytest.mark.slow  # four wandb.init calls

SCRIPT = """
import sys, time, wandb
def segment(run_id, steps, explicit, ending):
    run = wandb.init(project="resume", id=run_id, resume="allow", name=run_id,
                     config={"lr": 0.1})
    for step in steps:
        values = {"loss": 1.0 / (step + 1), "seg": float(ending)}
        run.log(values, step=step) if explicit else run.log(values)
    run.summary["ending"] = ending
    run.finish(exit_code=ending)
    time.sleep(1.1)  # folder names have whole seconds: the next one must differ
segment("stepped", range(0, 30), True, 1)  # a first try that failed at step 29
segment("stepped", range(30, 50), True, 0)  # resumed with its steps, finished
segment("restart", range(5), False, 0)
segment("restart", range(3), False, 0)  # resumed without steps: wandb counts from 0 again
"""


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("resumed")
    (root / "resume.py").write_text(SCRIPT)
    subprocess.run(
        [sys.executable, "resume.py"], cwd=root, env=wandb_env(root), check=True, timeout=300
    )
    return root / "wandb"


def _history(cli, run: str, metric: str) -> tuple[list[list[float]], dict]:
    shown = cli("runs", "show", run, "-m", metric, "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    return data["history"][metric], data


def test_a_resumed_run_is_one_run_with_both_segments(cli, project, resumed: Path, tmp_path):
    wandb_dir = tmp_path / "wandb"
    shutil.copytree(resumed, wandb_dir, symlinks=True)
    assert len(list(wandb_dir.glob("offline-run-*-stepped"))) == 2
    synced = cli("runs", "sync", str(wandb_dir), "--json")
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["added"] == 2  # two runs, not four
    points, run = _history(cli, "stepped", "loss")
    assert [p[0] for p in points] == list(range(50))  # both segments, in step order
    assert run["state"] == "finished" and run["exit_code"] == 0  # the latest segment's
    assert run["summary"]["seg"] == 0 and run["summary"]["_step"] == 49
    assert "offline-run-" in run["path"] and run["path"] == max(
        str(p) for p in wandb_dir.glob("offline-run-*-stepped/*.wandb")
    )
    # Unchanged, nothing is read again, and the run stays joined.
    again = json.loads(cli("runs", "sync", str(wandb_dir), "--json").stdout)
    assert again["unchanged"] == 4 and again["added"] == again["updated"] == 0
    assert [p[0] for p in _history(cli, "stepped", "loss")[0]] == list(range(50))


def test_a_segment_that_counts_from_zero_again_is_drawn_after_the_first(
    cli, project, resumed: Path, tmp_path
):
    wandb_dir = tmp_path / "wandb"
    shutil.copytree(resumed, wandb_dir, symlinks=True)
    cli("runs", "sync", str(wandb_dir))
    shown = cli("runs", "show", "restart", "-m", "loss", "--json")
    points = json.loads(shown.stdout)["history"]["loss"]
    assert [p[0] for p in points] == list(range(8))
    assert [p[1] for p in points][-3:] == [1.0, 0.5, 1 / 3]  # the second segment, shifted
    assert "segment 2 of the resumed run starts again at step 0: drawn after step 4" in (
        shown.stderr
    )


def test_a_third_segment_joins_the_stored_run(cli, project, resumed: Path, tmp_path):
    wandb_dir = tmp_path / "wandb"
    wandb_dir.mkdir()
    first, second = sorted(resumed.glob("offline-run-*-stepped"))
    shutil.copytree(first, wandb_dir / first.name)
    cli("runs", "sync", str(wandb_dir))
    assert json.loads(cli("runs", "show", "stepped", "--json").stdout)["state"] == "failed"
    shutil.copytree(second, wandb_dir / second.name)  # resumed after the first sync
    synced = json.loads(cli("runs", "sync", str(wandb_dir), "--json").stdout)
    assert synced["updated"] == 1 and synced["added"] == 0
    points, run = _history(cli, "stepped", "loss")
    assert run["state"] == "finished" and len(points) == 50


def test_damage_in_a_segment_is_warned_about(cli, project, resumed: Path, tmp_path):
    wandb_dir = tmp_path / "wandb"
    shutil.copytree(resumed, wandb_dir, symlinks=True)
    cli("runs", "sync", str(wandb_dir))
    latest = max(wandb_dir.glob("offline-run-*-stepped/*.wandb"))
    data = bytearray(latest.read_bytes())
    data[-200] ^= 0xFF  # in its tail: the exit or the last rows
    latest.write_bytes(bytes(data))
    synced = cli("runs", "sync", str(wandb_dir))
    (warning,) = [line for line in synced.stderr.splitlines() if str(latest) in line]
    assert "damaged chunk" in warning
