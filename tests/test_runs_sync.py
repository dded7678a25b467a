"""`mlpm runs sync`, `list` and `show` on real offline runs: defaults, re-sync, bad input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mlpm.errors import UsageError
from mlpm.integrations import wandb_records as wr
from mlpm.integrations.wandb_local import read_run
from mlpm.services import projects, run_display, run_history, run_sync
from mlpm.services import runs as service
from tests.wandb_runs import WandbRuns


def _warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("warning:")]


def test_sync_defaults_to_the_projects_wandb_directory(cli, store, runs_copy: WandbRuns):
    projects.add(store, "asr", repo_path=str(runs_copy.repo))
    result = cli("runs", "sync")
    assert result.exit_code == 0, result.output
    assert "4 added, 0 updated, 0 unchanged (4 files)" in result.stdout
    # at most the killed run may warn (when its last record was cut off)
    assert all("killed" not in w or "run-" in w for w in _warnings(result))
    assert len(_warnings(result)) <= 1
    listed = json.loads(cli("runs", "list", "--json").stdout)
    by_name = {r["name"]: r for r in listed}
    assert set(by_name) == {"base-a", "base-b", "no-git", "killed"}
    assert by_name["killed"]["state"] == "crashed"
    assert by_name["base-a"]["state"] == "finished"
    assert by_name["base-a"]["commit"] == runs_copy.commit
    assert by_name["no-git"]["commit"] is None
    assert by_name["base-b"]["config"] == {"lr": 0.2}
    assert by_name["base-a"]["project_id"] == projects.current(store).id


def test_a_second_sync_of_unchanged_files_skips_them_and_writes_nothing(
    cli, store, runs_copy: WandbRuns
):
    assert cli("runs", "sync", str(runs_copy.repo / "wandb")).exit_code == 0
    events = store.scalar("SELECT COUNT(*) FROM event")
    again = cli("runs", "sync", str(runs_copy.repo / "wandb"))
    assert "0 added, 0 updated, 4 unchanged" in again.stdout
    assert _warnings(again) == []
    assert store.scalar("SELECT COUNT(*) FROM event") == events
    # a file that changed is read again
    path = runs_copy.file("base-a")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert "0 added, 1 updated, 3 unchanged" in cli("runs", "sync", str(path.parent.parent)).stdout


def test_bad_files_warn_once_each_and_the_good_runs_still_import(cli, runs_copy: WandbRuns):
    wandb_dir = runs_copy.repo / "wandb"
    garbage = wandb_dir / "offline-run-20260101_000000-junk0001"
    garbage.mkdir()
    (garbage / "run-junk0001.wandb").write_text("not a run at all\n")
    header_only = wandb_dir / "offline-run-20260101_000000-head0001"
    header_only.mkdir()
    (header_only / "run-head0001.wandb").write_bytes(wr.FILE_HEADER)
    os.utime(header_only / "run-head0001.wandb", (0, 0))
    corrupt = runs_copy.file("base-b")
    data = bytearray(corrupt.read_bytes())
    data[len(data) // 2] ^= 0x55
    corrupt.write_bytes(bytes(data))
    result = cli("runs", "sync", str(wandb_dir))
    assert result.exit_code == 0, result.output
    warnings = _warnings(result)
    for name in ("junk0001", "head0001", "run-" + corrupt.stem[4:]):
        assert sum(name in w for w in warnings) == 1, warnings
    assert any("not a .wandb file" in w for w in warnings)
    listed = {r["id"]: r for r in json.loads(cli("runs", "list", "--json").stdout)}
    assert "junk0001" not in listed
    assert listed["head0001"]["state"] == "crashed"
    assert sum(r["name"] == "base-b" for r in listed.values()) == 1
    # warnings are not repeated for files that did not change
    assert _warnings(cli("runs", "sync", str(wandb_dir))) == []


def test_a_failed_write_leaves_no_half_written_rows(store, runs_copy: WandbRuns, monkeypatch):
    monkeypatch.setattr(run_sync, "_FILE_COLUMNS", ("no_such_column",) * 7)
    with pytest.raises(Exception, match="no_such_column"):
        run_sync.sync_local(store, [runs_copy.repo / "wandb"])
    assert store.scalar("SELECT COUNT(*) FROM run") == 0
    assert store.scalar("SELECT COUNT(*) FROM run_file") == 0


def test_a_directory_whose_name_is_not_utf8(cli, store, runs_copy: WandbRuns):
    root = runs_copy.root / "odd"
    root.mkdir()
    odd = root / os.fsdecode(b"offline-run-20260101_000000-\xff\xfe")
    shutil.copytree(runs_copy.file("base-a").parent, odd)
    result = cli("runs", "sync", str(root))
    assert result.exit_code == 0, result.output
    run = service.list_runs(store)[0]
    assert run.name == "base-a"
    assert run.path and service.fs_path(run.path) == odd / runs_copy.file("base-a").name
    assert "\ufffd" in run.to_json()["path"]
    assert run_history.history(store, run.id, ["loss"])["loss"][0] == (0, 1.0)
    shown = cli("runs", "show", run.id)
    assert shown.exit_code == 0 and "\ufffd" in shown.stdout


def test_list_filters_and_show_prints_config_summary_and_sparklines(cli, runs_copy: WandbRuns):
    assert cli("runs", "sync", str(runs_copy.repo / "wandb")).exit_code == 0
    group = json.loads(cli("runs", "list", "--group", "g", "--json").stdout)
    assert {r["name"] for r in group} == {"base-a", "base-b", "killed"}
    tagged = json.loads(cli("runs", "list", "--tag", "ablation", "--json").stdout)
    assert [r["name"] for r in tagged] == ["base-b"]
    text = cli("runs", "list").stdout
    assert "base-a" in text and "finished" in text and runs_copy.commit[:7] in text
    shown = cli("runs", "show", "base-b", "--metric", "loss", "-m", "val.acc", "-m", "nope")
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    assert "lr = 0.2" in out and "best = 0.5" in out
    assert runs_copy.commit in out and "ablation" in out
    history = out.split("\nhistory\n")[1]
    loss_line = next(line for line in history.splitlines() if line.strip().startswith("loss "))
    assert "█" in loss_line and "▁" in loss_line and "(40 points" in loss_line
    assert "nope" in out and "(not logged)" in out
    data = json.loads(cli("runs", "show", "base-b", "-m", "loss", "--json").stdout)
    assert data["history"]["loss"][:2] == [[0, 1.0], [1, 0.5]]


def test_bad_references_and_paths_are_one_line_errors(cli, store):
    missing = cli("runs", "show", "nope")
    assert missing.exit_code == 1 and "error: no run 'nope'" in missing.stderr
    assert "Traceback" not in missing.output
    nowhere = cli("runs", "sync", "/no/such/dir")
    assert nowhere.exit_code == 1 and "no such file or directory" in nowhere.stderr
    projects.add(store, "asr")  # no repository path
    no_repo = cli("runs", "sync")
    assert no_repo.exit_code == 2 and "has no repository path" in no_repo.stderr


def test_sparkline_scales_and_averages():
    assert run_display.sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert run_display.sparkline([5, 5, 5]) == "▄▄▄"
    assert len(run_display.sparkline([float(i) for i in range(1000)], width=20)) == 20
    assert run_display.sparkline([]) == "" and run_display.sparkline([float("nan")]) == ""


def test_db_paths_round_trip_for_any_bytes(tmp_path: Path):
    for raw in (b"/tmp/plain", b"/tmp/caf\xc3\xa9", b"/tmp/\xff\xfe/run.wandb"):
        path = Path(os.fsdecode(raw))
        stored = service.db_path(path)
        stored.encode("utf-8")  # storable in SQLite
        assert service.fs_path(stored) == path


def test_runs_commands_never_import_wandb_or_heavy_libraries(runs_copy: WandbRuns, tmp_path):
    """The TUI's process may call these services: wandb must never load there."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from mlpm.cli import main\n"
        "for args in (['runs', 'sync', sys.argv[1]], ['runs', 'list'],"
        " ['runs', 'show', 'base-a', '-m', 'loss']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, exc.code\n"
        "heavy = [m for m in ('wandb', 'numpy', 'scipy', 'git', 'textual', 'pydantic')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    from mlpm.store import Store

    Store.open(tmp_path / "hygiene.db").close()  # migrations (sqlite-utils, numpy) run here
    env = {**os.environ, "MLPM_DB": str(tmp_path / "hygiene.db")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(runs_copy.repo / "wandb")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr


def test_relative_paths_and_the_latest_run_link_store_one_absolute_path(
    cli, store, runs_copy: WandbRuns, monkeypatch
):
    monkeypatch.chdir(runs_copy.repo)
    assert cli("runs", "sync", "wandb").exit_code == 0
    latest = runs_copy.repo / "wandb" / "latest-run"
    assert latest.is_symlink()
    again = cli("runs", "sync", "wandb/latest-run")
    assert "0 added, 0 updated, 1 unchanged" in again.stdout
    paths = [r.path for r in service.list_runs(store)]
    assert len(paths) == 4 and all(p and Path(p).is_absolute() for p in paths)
    monkeypatch.chdir(runs_copy.root)
    assert run_history.history(store, "base-a", ["loss"])["loss"][0] == (0, 1.0)


def test_sync_full_re_reads_unchanged_files(cli, runs_copy: WandbRuns):
    wandb_dir = str(runs_copy.repo / "wandb")
    assert cli("runs", "sync", wandb_dir).exit_code == 0
    again = cli("runs", "sync", "--full", wandb_dir)
    assert "0 added, 4 updated, 0 unchanged" in again.stdout
    mixed = cli("runs", "sync", wandb_dir, "--remote", "a/b")
    assert mixed.exit_code == 2 and "not both" in mixed.stderr


@pytest.mark.parametrize("name", ["", "   ", "x" * 1001], ids=["empty", "blank", "huge"])
def test_a_bad_metric_name_is_a_one_line_error(cli, store, runs_copy: WandbRuns, name):
    assert cli("runs", "sync", str(runs_copy.repo / "wandb")).exit_code == 0
    result = cli("runs", "show", "base-b", "-m", name)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: a metric name ") and result.stderr.count("\n") == 1
    assert "internal error" not in result.output
    with pytest.raises(UsageError):
        run_history.history(store, service.get_run(store, "base-b").id, [name])
    # the history cache is untouched: the other metrics still read back
    assert "(40 points" in cli("runs", "show", "base-b", "-m", "loss").stdout


@pytest.mark.parametrize("name", [".", "loss.", "\x00", "val..acc", "_step.x", "lóss\u202e"])
def test_odd_metric_names_are_simply_not_logged(cli, runs_copy: WandbRuns, name):
    assert cli("runs", "sync", str(runs_copy.repo / "wandb")).exit_code == 0
    result = cli("runs", "show", "base-b", "-m", "loss", "-m", name)
    assert result.exit_code == 0, result.output
    assert "(not logged)" in result.stdout and "(40 points" in result.stdout


def _truncated_copy(source: Path, folder: Path, size: int = 3000) -> Path:
    """The first `size` bytes of a run's file, in another run folder, same embedded run id."""
    folder.mkdir(parents=True)
    copy = folder / f"run-{folder.name.rsplit('-', 1)[-1]}.wandb"
    copy.write_bytes(source.read_bytes()[:size])
    return copy


def _shown(cli, run_id: str) -> dict:
    return json.loads(cli("runs", "show", run_id, "-m", "loss", "--json").stdout)


def test_a_truncated_duplicate_synced_later_never_replaces_the_finished_run(
    cli, runs_copy: WandbRuns
):
    original = runs_copy.file("base-b")
    assert cli("runs", "sync", str(runs_copy.repo / "wandb")).exit_code == 0
    run_id = read_run(original).run_id
    before = _shown(cli, run_id)
    wb = runs_copy.root / "wb"
    trunc = _truncated_copy(original, wb / "offline-run-20261124_103000-trunc1")
    assert read_run(trunc).run_id == run_id and read_run(trunc).state != "finished"

    result = cli("runs", "sync", str(wb))
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated" in result.stdout and "1 duplicate ignored" in result.stdout
    (warning,) = _warnings(result)
    assert run_id in warning and str(original) in warning and str(trunc) in warning
    after = _shown(cli, run_id)
    assert after["state"] == "finished" and after["path"] == str(original)
    assert after["runtime"] == before["runtime"] and after["summary"] == before["summary"]
    assert after["history"] == before["history"]
    # the ignored copy is remembered: no second warning, nothing changes
    again = cli("runs", "sync", str(wb))
    assert _warnings(again) == [] and _shown(cli, run_id)["path"] == str(original)
    assert "0 updated" in cli("runs", "sync", str(original.parent)).stdout


@pytest.mark.parametrize("stamp", ["20000101_000000", "20991231_235959"], ids=["first", "last"])
def test_two_copies_in_one_sync_keep_the_finished_one_whichever_comes_first(
    cli, runs_copy: WandbRuns, stamp
):
    original = runs_copy.file("base-a")
    wandb_dir = runs_copy.repo / "wandb"
    trunc = _truncated_copy(original, wandb_dir / f"offline-run-{stamp}-trunc1")
    result = cli("runs", "sync", str(wandb_dir))
    assert result.exit_code == 0, result.output
    assert "4 added, 0 updated, 0 unchanged, 1 duplicate ignored (5 files)" in result.stdout
    run_id = read_run(original).run_id
    naming = [w for w in _warnings(result) if str(trunc) in w]
    assert len(naming) == 1 and str(original) in naming[0] and run_id in naming[0]
    shown = _shown(cli, run_id)
    assert (shown["state"], shown["path"]) == ("finished", str(original))
    assert len(shown["history"]["loss"]) == 30


def test_a_crashed_copy_with_more_records_beats_a_shorter_one(cli, runs_copy: WandbRuns):
    killed = runs_copy.file("killed")
    folder = runs_copy.root / "wb" / "offline-run-20261124_103000-short1"
    short = _truncated_copy(killed, folder, size=killed.stat().st_size // 2)
    old = killed.stat().st_mtime - 3600
    os.utime(short, (old, old))  # long silent: crashed, not running
    assert cli("runs", "sync", str(folder)).exit_code == 0
    run_id = read_run(killed).run_id
    assert _shown(cli, run_id)["path"] == str(short)
    result = cli("runs", "sync", str(killed.parent))
    assert "0 added, 1 updated" in result.stdout
    assert any(str(short) in w and str(killed) in w for w in _warnings(result))
    assert _shown(cli, run_id)["path"] == str(killed)


def test_a_resync_of_the_original_repairs_a_run_a_duplicate_had_replaced(
    cli, store, runs_copy: WandbRuns
):
    """A database an earlier mlpm damaged: the run row took a truncated copy's data while
    the original's file fingerprint stayed, so the original looked unchanged."""
    original = runs_copy.file("base-b")
    assert cli("runs", "sync", str(original.parent)).exit_code == 0
    run_id = read_run(original).run_id
    trunc = _truncated_copy(original, runs_copy.root / "wb" / "offline-run-20261124_1030-trunc1")
    info = read_run(trunc)
    info.path = str(trunc)
    with store.write("old runs sync", undoable=False) as tx:
        run_sync.upsert_runs(tx, [run_sync.run_row(info, None, "2026-11-24")])
    assert _shown(cli, run_id)["state"] != "finished"

    result = cli("runs", "sync", str(original.parent))
    assert "0 added, 1 updated, 0 unchanged" in result.stdout
    shown = _shown(cli, run_id)
    assert (shown["state"], shown["path"]) == ("finished", str(original))
    assert len(shown["history"]["loss"]) == 40
    assert "1 unchanged" in cli("runs", "sync", str(original.parent)).stdout


def test_a_folder_without_runs_says_so(cli, runs_copy: WandbRuns, tmp_path: Path):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "notes.txt").write_text("no runs here\n")
    result = cli("runs", "sync", str(empty))
    assert result.exit_code == 0, result.output
    assert _warnings(result) == [f"warning: no W&B run files (*.wandb) under {empty}"]
    both = cli("runs", "sync", str(empty), str(runs_copy.repo / "wandb"))
    assert "4 added" in both.stdout and len([w for w in _warnings(both) if "no W&B" in w]) == 1
    data = json.loads(cli("runs", "sync", str(empty), "--json").stdout)
    assert data["files"] == 0
    assert data["warnings"] == [f"no W&B run files (*.wandb) under {empty}"]
