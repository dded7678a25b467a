"""The commit hook's trailer: the task's number on a replica that does not sync, a global id
prefix once it does (the same task on every replica)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlpm.integrations import git_hook
from mlpm.services import commit_scan, commits, sync_run, task_query, tasks
from mlpm.store import Store
from tests.git_repos import GitRepo


def test_once_sync_is_set_up_the_hook_writes_a_global_id_prefix(
    store: Store, asr, repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("before the hook")
    git_hook.install(repo.path, store.path)
    tasks.start(store, 2)
    repo.commit("local only")
    assert repo.git("log", "-1", "--format=%B").endswith("Task: 2")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    sync_run.setup(store, str(remote))
    sha = repo.commit("Tune the loader")
    gid = task_query.get(store, 2).gid
    trailer = repo.git("log", "-1", "--format=%B").rsplit("Task: ", 1)[1]
    assert len(trailer) == 8 and gid.startswith(trailer)
    commit_scan.sync(store, asr)
    assert sha in {c.sha for c in commits.commits_for_task(store, 2)}
