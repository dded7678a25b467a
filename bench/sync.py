"""Sync costs: three replicas and a bare repository in a temp dir, made by real git.

    python bench/sync.py [--tasks 3000] [--changes 50]

Each replica adds `--tasks` tasks (a title, a tag, a move: about 12 ops each) and all sync.
Then one replica retitles `--changes` tasks (2 ops each) and syncs; another syncs that in,
timed beside plain `git fetch` and `git push` of the same clone. Last, a full rebuild of the
tables from the op log, and the log's bytes per op. Bars (issue 13): a sync bringing 100 ops
<= 0.3 s beyond git's own time; rebuild <= 3 s at 10,000 tasks; <= 300 bytes per op.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from isolated import isolated


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def git_time(repo: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=3000, help="tasks added on each replica")
    parser.add_argument("--changes", type=int, default=50, help="tasks retitled (2 ops each)")
    args = parser.parse_args()
    with isolated("mlpm-bench-sync-") as root:
        run(root, args.tasks, args.changes)


def run(root: Path, count_tasks: int, changes: int) -> None:
    from mlpm.integrations import sync_repo
    from mlpm.services import projects, settings, sync_run, tasks
    from mlpm.store import Store

    remote = root / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    stores = [Store.open(root / f"r{i}" / "mlpm.db") for i in range(3)]
    projects.add(stores[0], "bench")
    for s in stores:
        sync_run.setup(s, str(remote))
    sync_run.run(stores[0])
    for s in stores[1:]:
        sync_run.run(s)
        settings.put(s, "current_project", "bench", command="project use bench")
    started = time.perf_counter()
    for s in stores:
        for i in range(count_tasks):
            task = tasks.add(s, f"benchmark task {i} on the loader", tags=["bench"]).task
            if i % 3 == 0:
                tasks.move(s, task.id, "today", force=True)
    made = time.perf_counter() - started
    for _ in range(2):
        for s in stores:
            sync_run.run(s)
    a, b = stores[0], stores[1]
    ops = a.scalar("SELECT COUNT(*) FROM op")
    count = a.scalar("SELECT COUNT(*) FROM task")
    print(f"{count:,} tasks, {ops:,} ops from 3 replicas (made in {made:.1f} s)")

    ids = b.column("SELECT id FROM task ORDER BY id LIMIT ?", (changes,))
    for n, task_id in enumerate(ids):
        tasks.edit(b, task_id, title=f"retitled {n}")
    sync_run.run(b)
    repo = sync_run.repo_dir(a)
    report, took = timed(sync_run.run, a)
    fetch = git_time(repo, "fetch", "--quiet", "origin")
    push = git_time(repo, "push", "--quiet", "origin", f"HEAD:refs/heads/{sync_repo.BRANCH}")
    print(f"sync bringing {report.received} ops: {took:.2f} s"
          f" (plain git fetch {fetch:.2f} s, git push {push:.2f} s;"
          f" beyond them {max(0.0, took - fetch - push):.2f} s; bar 0.3 s)")  # fmt: skip
    result, took = timed(sync_run.rebuild, a)
    print(f"rebuild of {result['rows']:,} rows from the log: {took:.2f} s (bar 3 s at 10,000)")
    files = list(sync_repo.op_files(repo))
    size = sum(f.path.stat().st_size for f in files)
    lines = sum(f.path.read_bytes().count(b"\n") for f in files)
    print(f"log: {size / 1e6:.1f} MB in {len(files)} files, {size / lines:.0f} bytes per op")
    for s in stores:
        s.close()


if __name__ == "__main__":
    main()
