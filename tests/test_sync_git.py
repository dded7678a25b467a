"""Sync through a real git remote: three databases, a bare repository and three clones in a
temp dir, made by real git."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest

from mlpm.integrations import sync_recover, sync_repo
from mlpm.services import (
    commit_scan,
    commits,
    projects,
    settings,
    sync_files,
    sync_merge,
    sync_run,
    task_query,
    tasks,
)
from mlpm.services.task_ids import resolve
from mlpm.store import Store


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Ada")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "ada@example.org")


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    return bare


@pytest.fixture
def replicas(tmp_path: Path, remote: Path) -> list[Store]:
    """Three databases synced through `remote`; the first made the project "asr"."""
    stores = [Store.open(tmp_path / f"m{i}" / "mlpm.db") for i in range(3)]
    projects.add(stores[0], "asr")
    for s in stores:
        sync_run.setup(s, str(remote))
    sync_run.run(stores[0])
    for s in stores[1:]:
        sync_run.run(s)
        settings.put(s, "current_project", "asr", command="project use asr")
    yield stores
    for s in stores:
        s.close()


def local(store: Store, gid: str) -> int:
    return int(store.scalar("SELECT id FROM task WHERE gid = ?", (gid,)))


def sync_all(stores: list[Store]) -> None:
    for _ in range(2):  # the first round carries every change to the remote, the second back
        for s in stores:
            report = sync_run.run(s)
            assert not report.problems


def test_a_task_made_on_one_machine_reaches_the_others_under_the_same_short_id(replicas):
    a, b, _ = replicas
    made = tasks.add(a, "tune the learning rate").task
    other = tasks.add(b, "clean the data").task  # local id 1 on both: no collision
    sync_all(replicas)
    for s in replicas:
        assert task_query.get(s, resolve(s, made.short_id)).title == "tune the learning rate"
        assert task_query.get(s, resolve(s, other.short_id)).title == "clean the data"
    # The local integer ids still mean this replica's own tasks.
    assert task_query.get(a, resolve(a, "1")).title == "tune the learning rate"
    assert task_query.get(b, resolve(b, "1")).title == "clean the data"


def test_concurrent_edit_and_move_keep_both(replicas):
    a, b, _ = replicas
    gid = tasks.add(a, "train").task.gid
    sync_all(replicas)
    tasks.edit(a, local(a, gid), title="train v2", notes="bigger batch")
    tasks.move(b, local(b, gid), "today")
    sync_all(replicas)
    for s in replicas:
        t = task_query.get(s, local(s, gid))
        assert (t.title, t.notes, t.column) == ("train v2", "bigger batch", "today")


def test_drop_against_start_keeps_one_everywhere_and_history_shows_both(replicas):
    a, b, c = replicas
    gid = tasks.add(a, "risky idea").task.gid
    sync_all(replicas)
    tasks.start(a, local(a, gid))
    tasks.drop(b, local(b, gid), "superseded")
    sync_all(replicas)
    kept = {task_query.get(s, local(s, gid)).column for s in replicas}
    assert len(kept) == 1
    [column] = kept
    history = sync_merge.column_history(c, gid)
    assert {m["to"] for m in history} >= {"doing", "dropped"}
    assert [m["to"] for m in history if m["kept"]] == [column]


def test_a_rejected_push_is_fetched_merged_and_pushed_again(replicas, monkeypatch):
    a, b, _ = replicas
    tasks.add(a, "from a")
    sync_run.run(a)
    tasks.add(b, "from b")
    real_fetch = sync_repo.fetch
    calls = []

    def stale_first(repo: Path) -> bool:  # b misses a's push once: its push is rejected
        calls.append(repo)
        return real_fetch(repo) if len(calls) > 1 else False

    monkeypatch.setattr(sync_repo, "fetch", stale_first)
    report = sync_run.run(b)
    assert report.pushes == 2 and report.received > 0
    monkeypatch.setattr(sync_repo, "fetch", real_fetch)
    sync_run.run(a)
    titles = lambda s: sorted(t.title for t in task_query.list_tasks(s))  # noqa: E731
    assert titles(a) == titles(b) == ["from a", "from b"]


def test_a_corrupt_line_is_reported_with_file_and_line_and_skipped(replicas):
    a, b, _ = replicas
    tasks.add(a, "before")
    sync_run.run(a)
    repo = Path(sync_run.status(a)["dir"])
    me = sync_run.status(a)["replica"]
    [own] = [f for f in sync_repo.op_files(repo) if f.replica == me]
    lines = own.path.read_text().count("\n")
    with open(own.path, "a") as f:
        f.write('{"v":1,"l":"oops"\n')  # hand-edited
    # A replica running a newer mlpm, with a kind this one does not know.
    newer = repo / "ops" / "wnewer" / "2026-03.jsonl"
    newer.parent.mkdir()
    newer.write_text('{"v":2,"l":7,"k":"widget","e":"gdead","f":"shape","x":"round"}\n')
    subprocess.run(["git", "-C", str(repo), "add", "ops/wnewer"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "newer"], check=True)
    tasks.add(a, "after")
    sync_run.run(a)
    report = sync_run.run(b)
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"{own.relative}:{lines + 1}: not JSON")
    assert {t.title for t in task_query.list_tasks(b)} >= {"before", "after"}
    # The op of a newer mlpm is kept (passed on, rebuilt around), not dropped.
    assert b.scalar("SELECT COUNT(*) FROM op WHERE kind = 'widget'") == 1
    assert sync_run.rebuild(b)["problems"] == [report.problems[0]]
    # Read once: the next sync does not report the same line again.
    assert sync_run.run(b).problems == []


def test_status_rebuild_and_private_files_through_the_cli(replicas, cli, tmp_path):
    a, *_ = replicas
    tasks.add(a, "x")
    db = str(a.path)
    status = json.loads(cli("--db", db, "sync", "status", "--json").stdout)
    assert status["ops_waiting"] > 0 and status["last_sync"]
    assert {r["this"] for r in status["replicas"]} == {True}
    done = json.loads(cli("--db", db, "sync", "--json").stdout)
    assert done["sent"] == status["ops_waiting"]
    status = json.loads(cli("--db", db, "sync", "status", "--json").stdout)
    assert status["ops_waiting"] == 0 and status["commits_unpushed"] == 0
    before = [(t.gid, t.title, t.column) for t in task_query.list_tasks(a)]
    assert json.loads(cli("--db", db, "sync", "rebuild", "--json").stdout)["problems"] == []
    assert [(t.gid, t.title, t.column) for t in task_query.list_tasks(a)] == before
    for f in sync_repo.op_files(Path(status["dir"])):
        assert stat.S_IMODE(f.path.stat().st_mode) == 0o600


def test_sync_before_setup_is_one_clear_line(cli, project):
    result = cli("sync")
    assert result.exit_code != 0
    assert "sync is not set up" in result.stderr and "Traceback" not in result.output


def test_a_trailer_with_a_short_id_resolves_to_the_same_task_on_every_replica(replicas, tmp_path):
    code = tmp_path / "code"
    subprocess.run(["git", "init", "--quiet", str(code)], check=True)
    a, b, _ = replicas
    made = tasks.add(a, "fix the loader").task
    tasks.add(b, "something else on b")  # b's task 1 is another task
    sync_all(replicas)
    message = f"Fix the loader\n\nTask: {made.short_id}"
    subprocess.run(
        ["git", "-C", str(code), "commit", "--quiet", "--allow-empty", "-m", message], check=True
    )
    for s in replicas:
        project = projects.edit(s, "asr", repo_path=str(code))
        commit_scan.sync(s, project)
        linked = s.query("SELECT task_id FROM task_commit")
        assert [r["task_id"] for r in linked] == [local(s, made.gid)]


def test_task_show_lists_the_moves_of_every_replica_and_which_was_kept(replicas, cli):
    a, b, _ = replicas
    gid = tasks.add(a, "risky").task.gid
    sync_all(replicas)
    tasks.start(a, local(a, gid))
    tasks.drop(b, local(b, gid), "superseded")
    sync_all(replicas)
    shown = json.loads(
        cli("--db", str(b.path), "task", "show", str(local(b, gid)), "--json").stdout
    )
    moves = shown["synced_moves"]
    assert {m["to"] for m in moves} >= {"doing", "dropped"}
    assert [m["to"] for m in moves if m["kept"]] == [shown["column"]]
    text = cli("--db", str(b.path), "task", "show", str(local(b, gid))).stdout
    assert "moves on every replica" in text and "overruled" in text


def test_an_undo_after_sync_reaches_the_other_replicas(replicas, cli):
    a, b, _ = replicas
    gid = tasks.add(a, "first title").task.gid
    sync_all(replicas)
    tasks.edit(a, local(a, gid), title="second title")
    sync_all(replicas)
    assert task_query.get(b, local(b, gid)).title == "second title"
    assert cli("--db", str(a.path), "undo").exit_code == 0
    sync_all(replicas)
    assert task_query.get(b, local(b, gid)).title == "first title"
    # Undoing the add itself removes the task everywhere.
    made = tasks.add(a, "short-lived").task
    sync_all(replicas)
    assert cli("--db", str(a.path), "undo").exit_code == 0
    sync_all(replicas)
    assert b.scalar("SELECT COUNT(*) FROM task WHERE gid = ?", (made.gid,)) == 0


def test_op_files_roll_into_parts_and_every_part_is_read_once(replicas, monkeypatch):
    a, b, _ = replicas
    monkeypatch.setattr(sync_repo, "PART_BYTES", 500)  # a few ops a part
    for n in range(3):
        tasks.add(a, f"task {n}")
        sync_run.run(a)
    repo = Path(sync_run.status(a)["dir"])
    me = sync_run.status(a)["replica"]
    parts = sorted(f.path.name for f in sync_repo.op_files(repo) if f.replica == me)
    assert len(parts) >= 3 and all(p.endswith(".jsonl") for p in parts)
    assert all(f.path.stat().st_size < 500 + 1500 for f in sync_repo.op_files(repo))
    assert sync_run.run(a).sent == 0  # what is in the parts is not written again
    report = sync_run.run(b)
    assert {t.title for t in task_query.list_tasks(b)} == {"task 0", "task 1", "task 2"}
    assert sync_run.run(b).received == 0 and report.problems == []


def test_a_first_sync_cut_before_its_first_commit_is_written_again(tmp_path):
    remote = tmp_path / "second.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    fresh = Store.open(tmp_path / "fresh" / "mlpm.db")
    projects.add(fresh, "cv")
    sync_run.setup(fresh, str(remote))
    repo = Path(sync_run.status(fresh)["dir"])
    me = sync_run.status(fresh)["replica"]
    # As if killed between appending its ops and its first commit: the file is there, staged.
    sync_run.seed(fresh)
    sync_files.write_own(repo, me, sync_files.unwritten(fresh, me, 0))
    subprocess.run(["git", "-C", str(repo), "add", "ops"], check=True)
    (repo / ".git" / sync_recover.MARK).touch()
    report = sync_run.run(fresh)
    assert report.repaired and report.sent > 0 and report.pushes == 1
    listed = subprocess.run(
        ["git", "-C", str(remote), "ls-tree", "-r", "--name-only", "mlpm-ops"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"ops/{me}/" in listed
    fresh.close()


def test_a_rebuild_keeps_the_links_a_git_scan_found_and_rebuilds_the_manual_ones(
    replicas, tmp_path
):
    code = tmp_path / "code"
    subprocess.run(["git", "init", "--quiet", str(code)], check=True)
    a, *_ = replicas
    made = tasks.add(a, "fix the loader").task
    other = tasks.add(a, "other").task
    for message in (f"Fix the loader\n\nTask: {made.short_id}", "unrelated"):
        subprocess.run(
            ["git", "-C", str(code), "commit", "--quiet", "--allow-empty", "-m", message],
            check=True,
        )
    project = projects.edit(a, "asr", repo_path=str(code))
    commit_scan.sync(a, project)
    head = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    commits.link_commit(a, other.id, head, project)
    links = lambda: sorted(  # noqa: E731
        (r["task_id"], r["source"]) for r in a.query("SELECT * FROM task_commit")
    )
    before = links()
    assert sorted(s for _, s in before) == ["manual", "trailer"]
    assert sync_run.rebuild(a)["problems"] == []
    assert links() == before
