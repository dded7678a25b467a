"""Runs that did not finish, on real offline runs: compared fairly, flagged as what they are."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from mlpm.integrations.wandb_local import read_run
from mlpm.store import Store
from tests.wandb_endings import Endings, endings, endings_copy
from tests.wandb_runs import WandbRuns

__all__ = ["endings", "endings_copy"]  # fixtures from tests.wandb_endings


def _sig(cli, *args: str) -> dict:
    r = cli("sig", "runs", *args, "--metric", "val/acc", "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_each_ending_has_its_state(endings: Endings):
    states = {name: read_run(path) for name, path in endings.by_name.items()}
    assert states["base-s0"].state == "finished"
    assert (states["new-s3"].state, states["new-s3"].exit_code) == ("failed", 1)
    assert (states["stopped"].state, states["stopped"].exit_code) == ("killed", 255)
    assert states["preempted"].state == "preempted"
    assert states["new-s3"].summary["epoch"] == 7  # it died at epoch 7


def test_sig_runs_compares_the_finished_seeds_paired(cli, project, endings_copy: Endings):
    assert cli("runs", "sync", str(endings_copy.repo / "wandb")).exit_code == 0
    groups = _sig(cli, "--group-a", "base", "--group-b", "new")
    by_hand = _sig(cli, "base-s0,base-s1,base-s2", "--vs", "new-s0,new-s1,new-s2")
    assert groups["why"].startswith("paired by config 'seed'")
    assert by_hand["why"].startswith("paired by config 'seed'")
    assert groups["n_a"] == groups["n_b"] == 3
    assert groups["p_value"] == by_hand["p_value"] and groups["test"] == by_hand["test"]
    assert any("left out 1 unfinished run of new (new-s3" in w for w in groups["warnings"])
    # Counted on request: the failed seed has no partner, so the pairs stay the same three.
    counted = _sig(cli, "--group-a", "base", "--group-b", "new", "--include-unfinished")
    assert counted["why"].startswith("paired by config 'seed'")
    assert counted["n_b"] == 3 and counted["p_value"] == by_hand["p_value"]
    assert any("whose 'seed' the other side lacks (new-s3)" in w for w in counted["warnings"])


def test_list_check_flags_an_ending_as_what_it_was(cli, project, endings_copy: Endings):
    cli("runs", "sync", str(endings_copy.repo / "wandb"))
    lines = {line.split()[1]: line for line in cli("runs", "list", "--check").stdout.splitlines()}
    assert "⚠ failed at epoch 7 (exit code 1)" in lines["new-s3"]
    assert "⚠ killed at epoch 7 (exit code 255)" in lines["stopped"]
    assert "(marked preempting, no exit record)" in lines["preempted"]
    assert "preempted " in lines["preempted"]  # the state column fits its longest state
    assert "⚠" not in lines["new-s0"] and "⚠" not in lines["long"]


def test_a_sigkilled_run_in_a_group_is_flagged_as_a_crash_not_for_its_runtime(
    cli, project, runs_copy: WandbRuns
):
    cli("runs", "sync", str(runs_copy.repo / "wandb"))
    (line,) = [x for x in cli("runs", "list", "--check").stdout.splitlines() if " killed " in x]
    assert "⚠ crashed at epoch" in line and "(no exit record)" in line
    assert "runtime/epoch" not in line


def test_stored_runs_with_an_exit_code_become_failed_or_killed(db_path, cli):
    old = Store.open(db_path, migrate=False)
    old.migrate(stop_before=["m002_run_states"])
    now = "2026-01-01T00:00:00+00:00"
    with old.write("seed", undoable=False) as tx:
        for run_id, state, code in (
            ("f", "crashed", 1),
            ("k", "crashed", 255),
            ("c", "crashed", None),
        ):
            tx.insert(
                "run",
                {
                    "id": run_id,
                    "source": "offline",
                    "state": state,
                    "exit_code": code,
                    "imported_at": now,
                    "updated_at": now,
                },
            )
    old.close()
    runs = json.loads(cli("runs", "list", "--json").stdout)
    assert {r["id"]: r["state"] for r in runs} == {"f": "failed", "k": "killed", "c": "crashed"}


def test_damage_inside_a_history_is_reported_with_what_it_cost(cli, project, endings_copy):
    path = endings_copy.by_name["long"]
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for offset in range(50):  # 50 flipped bytes in the middle of a 400-row file
        data[middle + offset] ^= 0xFF
    path.write_bytes(bytes(data))
    sync = cli("runs", "sync", "--full", str(endings_copy.repo / "wandb"))
    (warning,) = [line for line in sync.stderr.splitlines() if str(path) in line]
    assert "damaged chunk skipped with the rest of their 32 KiB block" in warning
    shown = cli("runs", "show", "long", "-m", "val/acc")
    assert shown.exit_code == 0, shown.output
    (lost_line,) = [line for line in shown.stderr.splitlines() if "lost to damage" in line]
    assert str(path) in lost_line and "history rows lost to damage (steps " in lost_line
    rows = int(lost_line.split(": ")[-1].split()[0])
    (curve,) = [line for line in shown.stdout.splitlines() if " points" in line]
    points = int(curve.split("(")[1].split()[0])
    assert 0 < rows < 400 and points + rows == 400
    assert f"({points} points, {rows} lost to damage," in curve
    again = cli("runs", "show", "long", "-m", "val/acc")  # from the cache: the same account
    assert again.stderr == shown.stderr and again.stdout == shown.stdout


def test_runs_of_other_repositories_are_not_filed_under_the_current_project(
    cli, store, runs_copy: WandbRuns, endings_copy: Endings, tmp_path
):
    from mlpm.services import projects

    projects.add(store, "asr", repo_path=str(runs_copy.repo))
    projects.add(store, "other", repo_path=str(endings_copy.repo))
    projects.use(store, "asr")
    nogit = tmp_path / "nogit"
    shutil.copytree(
        runs_copy.by_name["no-git"].parent, nogit / runs_copy.by_name["no-git"].parent.name
    )
    shutil.rmtree(runs_copy.by_name["no-git"].parent)
    r = cli("runs", "sync", str(runs_copy.repo), str(nogit), str(endings_copy.repo))
    assert r.exit_code == 0, r.output
    assert "filed: 3 under asr, 10 under other, 1 unassigned (commit in no project's" in r.stdout
    listed = {x["name"]: x["project_id"] for x in json.loads(cli("runs", "list", "--json").stdout)}
    asr, other = projects.get(store, "asr").id, projects.get(store, "other").id
    assert listed["base-a"] == asr and listed["killed"] == asr
    assert listed["new-s3"] == other and listed["no-git"] is None
    assert "filed:" not in cli("runs", "sync", str(runs_copy.repo), "--full").stdout


def test_a_run_killed_in_its_first_seconds_keeps_its_start_and_config(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from datetime import datetime

    from tests.wandb_runs import wandb_env

    (tmp_path / "early.py").write_text(
        "import pathlib, sys, time, wandb\n"
        "run = wandb.init(project='p', config={'lr': 0.01, 'model': 'conformer'})\n"
        "run.log({'loss': 1.0})\n"
        "pathlib.Path(sys.argv[1]).write_text('ready')\n"
        "time.sleep(60)\n"
    )
    marker = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "early.py", str(marker)],
        cwd=tmp_path,
        env=wandb_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        (path,) = (tmp_path / "wandb").glob("offline-run-*/run-*.wandb")
        live = read_run(path)
        assert path.stat().st_size == 7  # wandb-core has not flushed its first block
        assert live.state == "running" and live.problems == []  # not yet a warning
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    time.sleep(0.5)
    info = read_run(path)
    assert info.state == "crashed" and path.stat().st_size == 7
    stamp = path.parent.name.split("-")[2]
    local = datetime.strptime(stamp, "%Y%m%d_%H%M%S").astimezone()
    assert info.start_time and info.start_time.endswith("+00:00")
    assert datetime.fromisoformat(info.start_time) == local  # the folder's local time
    assert info.config == {"lr": 0.01, "model": "conformer"}
    assert any("start time from the folder name, config from its logs" in p for p in info.problems)


def test_the_default_sync_finds_subfolder_and_wandb_dir_runs(
    cli, store, endings_copy: Endings, tmp_path, monkeypatch
):
    from mlpm.services import projects

    projects.add(store, "asr", repo_path=str(endings_copy.repo))
    runs = sorted((endings_copy.repo / "wandb").glob("offline-run-*"))
    (endings_copy.repo / "exp" / "wandb").mkdir(parents=True)
    shutil.move(runs[0], endings_copy.repo / "exp" / "wandb" / runs[0].name)
    elsewhere = tmp_path / "scratch"
    (elsewhere / "wandb").mkdir(parents=True)
    shutil.move(runs[1], elsewhere / "wandb" / runs[1].name)
    monkeypatch.setenv("WANDB_DIR", str(elsewhere))
    r = cli("runs", "sync")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"{len(runs)} added, 0 updated")


def _old_records() -> list[bytes]:
    """The records of a real run written by wandb 0.17.9 (see test_wandb_files)."""
    import base64
    import zlib

    from mlpm.integrations import wandb_records as wr
    from tests.test_wandb_files import WANDB_0_17_9

    data = zlib.decompress(base64.b64decode(WANDB_0_17_9))
    return list(wr.records(data, wr.HEADER_LEN, wr.Scan()))


def _write(path, records: list[bytes]) -> None:
    from mlpm.integrations import wandb_write as ww

    writer = ww.RecordWriter()
    for record in records:
        writer.add(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(writer.getvalue())
    os.utime(path, (0, 0))  # long dead


def test_a_run_killed_under_old_wandb_shows_its_last_logged_values(tmp_path):
    from mlpm.integrations import wandb_records as wr

    records = _old_records()
    kinds = [wr.record_kind(r)[0] for r in records]
    last_row = max(i for i, k in enumerate(kinds) if k == wr.R_HISTORY)
    assert wr.R_SUMMARY not in kinds[: last_row + 1]  # 0.17 wrote the summary at the end
    path = tmp_path / "offline-run-20261126_234720-juukl8l1" / "run-juukl8l1.wandb"
    _write(path, records[: last_row + 1])  # killed after its 20th row
    info = read_run(path)
    assert info.state == "crashed"
    assert info.summary["loss"] == 0.05 and info.summary["val"] == {"acc": 0.95}
    assert info.summary["_step"] == 19


def test_the_fractional_runtime_beats_the_exit_records_whole_seconds(tmp_path):
    from mlpm.integrations import wandb_records as wr
    from mlpm.integrations import wandb_write as ww

    records = _old_records()
    exit_at = next(i for i, r in enumerate(records) if wr.record_kind(r)[0] == wr.R_EXIT)
    records[exit_at] = ww.pb_field(wr.R_EXIT, ww.pb_field(2, 1))  # exit code 0, 1 s
    path = tmp_path / "offline-run-20261126_234720-juukl8l1" / "run-juukl8l1.wandb"
    _write(path, records)
    info = read_run(path)
    assert info.state == "finished" and info.runtime == pytest.approx(0.14817094802856445)
