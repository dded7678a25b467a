"""Runs joined to tasks through real commits and manual links; cached history; regressions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlpm.integrations import wandb_history
from mlpm.integrations import wandb_write as ww
from mlpm.services import projects, run_checks, run_display, run_history, run_sync, tasks
from mlpm.services import runs as service
from mlpm.store import Store
from tests.wandb_runs import WandbRuns, git


def _link_commit(store: Store, task_id: int, sha: str, repo: Path) -> None:
    with store.write("test: commit link", undoable=False) as tx:
        tx.insert_many(
            "task_commit",
            ("task_id", "sha", "repo", "source", "linked_at"),
            [(task_id, sha, str(repo), "trailer", "2026-01-01T00:00:00+00:00")],
        )


@pytest.fixture
def synced(store: Store, runs_copy: WandbRuns) -> WandbRuns:
    projects.add(store, "asr", repo_path=str(runs_copy.repo))
    run_sync.sync_local(store)
    return runs_copy


def test_runs_join_a_task_through_its_commit_with_no_manual_step(cli, store, synced):
    task = tasks.add(store, "try a higher learning rate").task
    other = tasks.add(store, "unrelated").task
    # a second, real commit that names the task, as the git area would record it
    (synced.repo / "notes.txt").write_text("lr sweep\n")
    git(synced.repo, "add", "notes.txt")
    git(synced.repo, "commit", "-q", "-m", f"Sweep lr\n\nTask: {task.id}")
    later = git(synced.repo, "rev-parse", "HEAD")
    _link_commit(store, task.id, synced.commit, synced.repo)
    _link_commit(store, task.id, later, synced.repo)
    names = {r.label for r in service.runs_for_task(store, task.id)}
    assert names == {"base-a", "base-b", "killed"}  # every run made at that commit
    assert service.runs_for_task(store, other.id) == []
    assert service.get_run(store, "base-a").task_ids == [task.id]
    listed = json.loads(cli("runs", "list", "--task", str(task.id), "--json").stdout)
    assert {r["name"] for r in listed} == names
    assert f"#{task.id}" in cli("runs", "show", "base-a").stdout


def test_manual_links_cover_runs_without_a_commit(cli, store, synced):
    task = tasks.add(store, "baseline without git").task
    linked = cli("runs", "link", "no-git", str(task.id))
    assert linked.exit_code == 0, linked.output
    assert [r.label for r in service.runs_for_task(store, task.id)] == ["no-git"]
    again = cli("runs", "link", "no-git", str(task.id))
    assert again.exit_code == 1 and "already linked" in again.stderr
    missing = cli("runs", "link", "no-git", "999")
    assert missing.exit_code == 1 and "no task 999" in missing.stderr
    # the link is an undoable change, written through the event log
    row = store.one("SELECT * FROM event WHERE entity = 'task_run' ORDER BY id DESC")
    assert row["action"] == "insert" and row["undoable"] == 1
    assert cli("runs", "unlink", "no-git", str(task.id)).exit_code == 0
    assert service.runs_for_task(store, task.id) == []


def test_links_survive_a_re_sync(store, synced):
    task = tasks.add(store, "keep me").task
    service.link(store, "no-git", task.id)
    path = synced.file("no-git")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    report = run_sync.sync_local(store)
    assert report.updated == 1
    assert [r.label for r in service.runs_for_task(store, task.id)] == ["no-git"]


def test_history_is_read_once_then_served_from_the_cache(store, synced, monkeypatch):
    run = service.get_run(store, "base-a")
    first = run_history.history(store, run.id, ["loss", "val.acc", "missing"])
    assert first["loss"][:3] == [(0, 1.0), (1, 0.5), (2, pytest.approx(1 / 3))]
    assert len(first["val.acc"]) == 30 and "missing" not in first

    def no_reading(*_args, **_kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(wandb_history, "read_history", no_reading)
    assert run_history.history(store, run.id, ["loss"]) == {"loss": first["loss"]}
    # all keys cached:
    assert run_history.history(store, run.id, ["epoch"])["epoch"][-1] == (
        29,
        2.0,
    )  # all keys cached
    # a changed file (size or mtime) is read again
    path = synced.file("base-a")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    with pytest.raises(AssertionError, match="read again"):
        run_history.history(store, run.id, ["loss"])


def _group_run(root: Path, run_id: str, minute: int, runtime: int, **summary) -> None:
    run_dir = root / f"offline-run-20260301_12{minute:02d}00-{run_id}"
    run_dir.mkdir(parents=True)
    data = ww.build_run(
        run_id,
        name=run_id,
        group="aug",
        start=1_772_000_000 + minute * 60,
        history=[{"loss": 1.0}],
        summary={"epoch": 10, **summary},
        runtime=runtime,
    )
    (run_dir / f"run-{run_id}.wandb").write_bytes(data)


def test_a_run_much_slower_per_epoch_than_its_group_is_flagged(store, tmp_path, cli):
    root = tmp_path / "wandb"
    for i, runtime in enumerate((180, 185, 178, 182, 181)):
        _group_run(root, f"ok{i}", i, runtime, throughput=1000.0 + i)
    _group_run(root, "slow", 10, 9000, throughput=1001.0)  # 50x slower per epoch
    _group_run(root, "fine", 11, 183, throughput=1002.0)
    run_sync.sync_local(store, [root])
    flags = run_checks.regression_flags(store, service.group_runs(store, "aug"))
    assert set(flags) == {"slow"}
    assert flags["slow"].measures == ("runtime/epoch",)
    assert "significantly worse" in flags["slow"].message
    listed = cli("runs", "list", "--group", "aug", "--check")
    slow_line = next(line for line in listed.stdout.splitlines() if line.startswith("slow"))
    assert "⚠" in slow_line and "runtime/epoch" in slow_line
    data = {r["id"]: r["flag"] for r in json.loads(cli("runs", "list", "--check", "--json").stdout)}
    assert data["fine"] is None and data["slow"]


def test_a_lower_throughput_and_a_worse_key_metric_are_flagged(store, tmp_path):
    root = tmp_path / "wandb"
    for i in range(5):
        _group_run(root, f"ok{i}", i, 180, throughput=1000.0 + i, wer=0.10 + i / 1000)
    _group_run(root, "thin", 10, 181, throughput=200.0, wer=0.101)
    _group_run(root, "bad", 11, 181, throughput=1001.0, wer=0.30)
    run_sync.sync_local(store, [root])
    runs = service.group_runs(store, "aug")
    flags = run_checks.regression_flags(store, runs, metric="wer")
    assert set(flags) == {"thin", "bad"}
    assert flags["thin"].measures == ("throughput",) and flags["bad"].measures == ("wer",)
    # higher-is-better flips the direction for the key metric
    assert "bad" not in run_checks.regression_flags(
        store, runs, metric="wer", higher_is_better=True
    )


def test_metric_columns_and_values_for_a_runs_table(store, tmp_path):
    root = tmp_path / "wandb"
    _group_run(root, "a", 0, 100, throughput=10.0, val={"wer": 0.2})
    _group_run(root, "b", 1, 100, throughput=float("nan"))
    run_sync.sync_local(store, [root])
    runs = service.group_runs(store, "aug")
    assert run_display.metric_keys(runs) == ["epoch", "loss", "throughput", "val.wer"]
    assert run_display.metric_values(runs, "throughput") == [10.0]  # NaN left out
    assert run_display.metric_values(runs, "val.wer") == [0.2]
