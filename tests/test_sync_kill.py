"""Nothing lost: `mlpm sync` killed with SIGKILL at points swept across its run (mlpm alone,
or mlpm with the git it was running), then the next sync finishes the job and every replica
converges; a clone left mid-rebase with git's own lock is repaired; a line edited by hand is
reported where it is and skipped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mlpm.integrations import sync_recover, sync_repo
from mlpm.services import sync_run, task_query, tasks
from mlpm.store import Store
from tests import test_sync_git

# The three replicas and their bare remote, as in test_sync_git.
git_identity, remote, replicas = (
    test_sync_git.git_identity,
    test_sync_git.remote,
    test_sync_git.replicas,
)
local, sync_all = test_sync_git.local, test_sync_git.sync_all

ROUNDS = 6


def sync_cmd(store: Store) -> list[str]:
    return [sys.executable, "-m", "mlpm", "--db", str(store.path), "sync", "--json"]


def killed_sync(store: Store, after: float, *, group: bool) -> bool:
    """Start `mlpm sync` and SIGKILL it after `after` seconds (with `group`, the git it runs
    too); True if it was still running when killed."""
    proc = subprocess.Popen(
        sync_cmd(store),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=after)
        return False
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait()
        return True


def next_sync(store: Store) -> dict:
    done = subprocess.run(sync_cmd(store), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def board(store: Store) -> list[tuple[str, str, str, str]]:
    return sorted((t.gid, t.title, t.column, t.notes) for t in task_query.list_tasks(store))


def test_a_sync_killed_anywhere_is_finished_by_the_next_and_replicas_converge(replicas):
    a, b, c = replicas
    tasks.add(a, "measure")
    started = time.monotonic()
    next_sync(a)
    whole = time.monotonic() - started
    next_sync(b), next_sync(c)
    [(measured, *_)] = board(c)
    cut, repaired = 0, 0
    for n in range(ROUNDS):
        tasks.add(a, f"a{n}")
        tasks.add(b, f"b{n}")
        tasks.edit(c, local(c, measured), notes=f"c{n}")
        after = whole * (n + 0.5) / ROUNDS  # from mlpm's start-up to its last push
        for store in (a, b, c):
            cut += killed_sync(store, after, group=n % 2 == 0)
        for store in (a, b, c):
            repaired += next_sync(store)["repaired"]
    assert cut >= ROUNDS and repaired >= 1  # the sweep did cut syncs in the middle
    sync_all(replicas)
    assert board(a) == board(b) == board(c)
    titles = [title for _, title, *_ in board(a)]
    expected = {f"{who}{n}" for who in "ab" for n in range(ROUNDS)}
    assert sorted(titles) == sorted({"measure", *expected})  # every task once, none twice
    assert task_query.get(a, local(a, measured)).notes == f"c{ROUNDS - 1}"
    for store in replicas:
        status = sync_run.status(store)
        assert status["ops_waiting"] == 0 and status["commits_unpushed"] == 0


def git(repo: Path, *args: str, **kw: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **kw},
        check=False,
    )


def test_a_clone_left_mid_rebase_with_a_stale_index_lock_is_repaired(replicas):
    a, b, _ = replicas
    tasks.add(a, "from a")
    sync_run.run(a)
    tasks.add(b, "from b")
    repo = Path(sync_run.status(b)["dir"])
    sync_run._send(b, repo, sync_run.replica_id_of(b), sync_run.SyncReport(""))
    git(repo, "fetch", "--quiet", "origin")
    # A rebase cut short (it stops after its first commit), then a git killed holding the lock.
    stopped = git(repo, "rebase", "--exec", "false", "origin/mlpm-ops")
    assert stopped.returncode != 0 and (repo / ".git" / "rebase-merge").is_dir()
    (repo / ".git" / "index.lock").write_text("")
    (repo / ".git" / sync_recover.MARK).touch()
    assert "index.lock" in git(repo, "add", ".").stderr  # git itself refuses to work here
    report = sync_run.run(b)
    assert report.repaired and not report.problems
    assert not (repo / ".git" / "index.lock").exists()
    assert not (repo / ".git" / "rebase-merge").exists()
    assert git(repo, "symbolic-ref", "--short", "HEAD").stdout.strip() == "mlpm-ops"
    sync_run.run(a)
    titles = lambda s: sorted(t.title for t in task_query.list_tasks(s))  # noqa: E731
    assert titles(a) == titles(b) == ["from a", "from b"]


def test_a_line_edited_by_hand_after_it_was_read_is_reported_where_it_is(replicas):
    a, b, _ = replicas
    tasks.add(a, "one")
    sync_run.run(a)
    sync_run.run(b)
    repo = Path(sync_run.status(a)["dir"])
    me = sync_run.status(a)["replica"]
    [own] = [f for f in sync_repo.op_files(repo) if f.replica == me]
    lines = own.path.read_text().splitlines(keepends=True)
    lines[1] = '{"v":1,"l":"two","k":"task","e":"gdead","f":"title","x":"longer than it was"}\n'
    own.path.write_text("".join(lines))
    tasks.add(a, "two")
    sync_run.run(a)
    report = sync_run.run(b)
    assert report.problems == [
        f"{own.relative}:2: the Lamport clock 'l' is not a positive whole number; skipped"
    ]
    assert sorted(t.title for t in task_query.list_tasks(b)) == ["one", "two"]
