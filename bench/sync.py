"""Sync costs at full scale: three replicas and a bare repository in a temp dir, real git.

    python bench/sync.py [--tasks 10000] [--ops 200000] [--changes 100]

The op files of `--tasks` tasks and about `--ops` ops from 3 replicas are written directly
(shaped as `task add`, `task move today` and `task edit` write them, appended in parts as
the sync does); each replica's database gets every op by the bulk path and its rows from
`sync rebuild`'s code, is set up with `sync_run.setup` and synced, then one warm-up edit is
synced across. Timed, with real code: one replica edits tasks until it has made `--changes`
ops and syncs; another's `mlpm sync` bringing them (wall, CPU with git's, the git commands
inside it), beside plain `git fetch` and `git push` of the same repository; a full
`sync rebuild`; the log's bytes per op; `task add` and `lesson add` (CLI, median of 5,
alternating) with sync set up and on a copy without.
Bars (issue 13): a sync bringing 100 ops <= 0.3 s beyond git's own time; rebuild <= 3 s;
<= 300 bytes per op; quick commands no slower with sync set up.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from isolated import isolated

if TYPE_CHECKING:  # mlpm is imported inside `isolated` (its bytecode goes to the temp dir)
    from mlpm.store.ops import Op

GIT_TIME = [0.0, 0]  # seconds and commands spent in git by mlpm's sync (see _count_git)
GIT_EACH: list[tuple[float, str]] = []  # with --profile: each git command and its time


# -- building the state fast: op files written directly ------------------------------

MONTH = "2026-11"
AT = "2026-11-20T10:00:00+00:00"
AUTHORS = ("ana@example.com", "ben@example.com", "cy@example.com")


def _task_ops(
    replica: str, author: str, clock: int, project: str, n: int, edits: int
) -> tuple[list[Op], int]:
    """One task's life: created (8 ops), planned for today (5 ops + a move), then `edits`
    field changes (titles, notes, moves, ranks)."""
    from mlpm.store.ids import mint
    from mlpm.store.ops import Op

    gid = mint()
    out: list[Op] = []

    def put(kind: str, entity: str, name: str, value: object) -> None:
        nonlocal clock
        clock += 1
        out.append(Op(clock, replica, AT, author, kind, entity, name, value))

    title = f"benchmark task {n} on the data loader of {replica[:6]}"
    for name, value in (
        ("project_id", project),
        ("title", title),
        ("notes", ""),
        ("column", "backlog"),
        ("rank", float(n)),
        ("tags", {"add": "bench"}),
        ("created_at", AT),
        ("updated_at", AT),
    ):
        put("task", gid, name, value)
    plan = mint()
    for name, value in (
        ("day", "2026-11-20"),
        ("task_id", gid),
        ("position", float(n)),
        ("forced", 0),
        ("added_at", AT),
    ):
        put("day_plan", plan, name, value)
    put("task", gid, "column", "today")
    for e in range(edits):
        pick = e % 4
        if pick == 0:
            put("task", gid, "title", f"{title} (take {e})")
        elif pick == 1:
            put("task", gid, "notes", f"tried batch size {32 << (e % 4)}; loss went down")
        elif pick == 2:
            put("task", gid, "column", ("doing", "today", "backlog")[e % 3])
        else:
            put("task", gid, "rank", n + e / 10)
    return out, clock


def generate(replicas: list[str], tasks: int, ops: int) -> tuple[dict[str, list[Op]], str]:
    """`tasks` tasks spread over the replicas, about `ops` ops in all; and the project gid."""
    from mlpm.store.ids import mint
    from mlpm.store.ops import Op

    project = mint()
    per_task = max(0, round(ops / tasks) - 14)
    by_replica: dict[str, list[Op]] = {r: [] for r in replicas}
    clocks = dict.fromkeys(replicas, 0)
    first = replicas[0]
    for name, value in (
        ("slug", "bench"),
        ("name", "bench"),
        ("status", "active"),
        ("settings", "{}"),
        ("created_at", AT),
        ("updated_at", AT),
    ):
        clocks[first] += 1
        by_replica[first].append(
            Op(clocks[first], first, AT, AUTHORS[0], "project", project, name, value)
        )
    for n in range(tasks):
        r = replicas[n % len(replicas)]
        author = AUTHORS[n % len(replicas)]
        made, clocks[r] = _task_ops(r, author, clocks[r], project, n, per_task)
        by_replica[r] += made
    return by_replica, project


def push_files(root: Path, remote: Path, by_replica: dict[str, list[Op]]) -> None:
    """Write each replica's op files as the sync does (appends of 1,000 lines, so they roll
    into parts), one commit per replica, and push the ops branch."""
    from mlpm.integrations import sync_repo

    seed = root / "seed"
    # (git warns that the fresh bare repository is empty: that is the point)
    subprocess.run(["git", "clone", "-q", str(remote), str(seed)], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(seed), "checkout", "-q", "--orphan", sync_repo.BRANCH])
    for replica, ops in by_replica.items():
        lines = [o.line() for o in ops]
        for at in range(0, len(lines), 1000):
            sync_repo.append(seed, replica, MONTH, lines[at : at + 1000])
        sync_repo.commit(seed, [f"{sync_repo.OPS_DIR}/{replica}"], f"mlpm ops from {replica}")
    sync_repo.git(seed, "push", "-q", "origin", f"HEAD:refs/heads/{sync_repo.BRANCH}")


# -- timing -----------------------------------------------------------------------------


def cpu() -> float:
    """CPU seconds of this process and its finished children (git)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    GIT_TIME[:] = [0.0, 0]
    c, start = cpu(), time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start, cpu() - c


def git_time(repo: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True)
    return time.perf_counter() - start


def _count_git() -> None:
    """Time every git command the sync runs (a bench-only wrapper around sync_repo.git)."""
    from mlpm.integrations import sync_repo

    plain = sync_repo.git

    def counted(*args: Any, **kw: Any) -> Any:
        start = time.perf_counter()
        try:
            return plain(*args, **kw)
        finally:
            GIT_TIME[0] += time.perf_counter() - start
            GIT_TIME[1] += 1
            GIT_EACH.append((time.perf_counter() - start, " ".join(map(str, args[1:4]))))

    sync_repo.git = counted  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks, over 3 replicas")
    parser.add_argument("--ops", type=int, default=200_000, help="ops in all (about)")
    parser.add_argument("--changes", type=int, default=100, help="ops the timed sync brings")
    parser.add_argument("--runs", type=int, default=5, help="runs of each quick command")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed sync")
    parser.add_argument(
        "--new-replica", action="store_true", help="also time a new replica's first sync"
    )
    args = parser.parse_args()
    with isolated("mlpm-bench-sync-") as root:
        run(root, args)


def replica_store(root: Path, n: int, replica: str, ops: list[Any], remote: Path) -> Any:
    """Replica n's database: every op (bulk), its rows (rebuild), its sync clone."""
    from mlpm.services import settings, sync_merge, sync_run
    from mlpm.store import Store

    store = Store.open(root / f"r{n}" / "mlpm.db")
    with store.write("bench replica", undoable=False) as tx:
        tx.update("setting", "sync.replica", {"value": json.dumps(replica)})
        tx.insert("setting", {"key": "sync.author", "value": json.dumps(AUTHORS[n])})
    sync_merge.keep(store, ops)
    waiting = sync_merge.rebuild(store).waiting
    if waiting:
        raise SystemExit(f"rows not built: {waiting[:3]}")
    settings.put(store, "current_project", "bench", command="project use bench")
    sync_run.setup(store, str(remote))
    sync_run.run(store)  # the first sync: reads the other replicas' files whole
    return store


def run(root: Path, args: argparse.Namespace) -> None:
    from mlpm.integrations import sync_repo
    from mlpm.services import sync_run, tasks
    from mlpm.store.ids import mint

    remote = root / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    names = [mint()[:17] for _ in range(3)]
    started = time.perf_counter()
    by_replica, _project = generate(names, args.tasks, args.ops)
    push_files(root, remote, by_replica)
    every = [op for ops in by_replica.values() for op in ops]
    stores = [replica_store(root, n, r, every, remote) for n, r in enumerate(names)]
    made = time.perf_counter() - started
    a, b = stores[0], stores[1]
    count = a.scalar("SELECT COUNT(*) FROM task")
    print(f"{count:,} tasks, {len(every):,} ops from 3 replicas (built in {made:.1f} s)")

    # A plain clone of the same repository, for git's own fetch and push times.
    plain = root / "plain"
    subprocess.run(["git", "clone", "-q", "-b", sync_repo.BRANCH, str(remote), str(plain)])
    _count_git()
    ids = b.column("SELECT id FROM task ORDER BY id")
    # A first round, untimed: the first fast-forward after a clone re-hashes every file git
    # wrote in the clone's last second (git's racy-clean check); later ones do not.
    tasks.edit(b, ids[-1], title="warm-up on b")
    sync_run.run(b)
    sync_run.run(a)
    before = b.scalar("SELECT COUNT(*) FROM op")
    n = 0
    while b.scalar("SELECT COUNT(*) FROM op") - before < args.changes:
        tasks.edit(b, ids[n], title=f"retitled on b, {n}")
        n += 1
    sent, send_wall, send_cpu = timed(sync_run.run, b)
    send_git = GIT_TIME[0]
    fetch = git_time(plain, "fetch", "-q", "origin")
    GIT_EACH.clear()
    report, wall, used = timed(sync_run.run, a)
    git_inside, git_count = GIT_TIME
    if args.profile:
        for took, what in GIT_EACH:
            print(f"  git {what}: {took * 1000:.0f} ms")
        profile(sync_run.run, b)  # a sync with nothing to bring, profiled
        profile(sync_run.rebuild, b)
    (plain / "pushed").write_text("x\n")
    git_time(plain, "add", "pushed")
    git_time(plain, "commit", "-q", "-m", "plain push")
    push = git_time(plain, "push", "-q", "origin", "HEAD:refs/heads/plain-push")
    print(f"sync sending {sent.sent} ops: {send_wall:.2f} s wall, {send_cpu:.2f} s CPU"
          f" (git inside: {send_git:.2f} s)")  # fmt: skip
    print(f"sync bringing {report.received} ops: {wall:.2f} s wall, {used:.2f} s CPU"
          f" ({git_count} git commands inside: {git_inside:.2f} s)")  # fmt: skip
    print(f"  plain git fetch {fetch:.2f} s + git push {push:.2f} s = {fetch + push:.2f} s;"
          f" beyond them {max(0.0, wall - fetch - push):.2f} s (bar 0.3 s)")  # fmt: skip
    result, wall, used = timed(sync_run.rebuild, a)
    print(f"rebuild of {result['rows']:,} rows from the log: {wall:.2f} s wall,"
          f" {used:.2f} s CPU (bar 3 s)")  # fmt: skip
    if args.new_replica:
        from mlpm.store import Store

        joining = Store.open(root / "r-new" / "mlpm.db")
        sync_run.setup(joining, str(remote))
        report, wall, used = timed(sync_run.run, joining)
        print(f"a new replica's first sync, {report.received:,} ops in: {wall:.2f} s wall,"
              f" {used:.2f} s CPU (no bar)")  # fmt: skip
        joining.close()
    repo = sync_run.repo_dir(a)
    files = list(sync_repo.op_files(repo))
    size = sum(f.path.stat().st_size for f in files)
    lines = sum(f.path.read_bytes().count(b"\n") for f in files)
    print(f"log: {size / 1e6:.1f} MB in {len(files)} files, {size / lines:.0f} bytes per op"
          " (bar 300)")  # fmt: skip
    for s in stores:
        s.close()
    quick_commands(root, a.path, args.runs)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def profile(fn: Callable[..., Any], *args: Any) -> None:
    import cProfile
    import pstats

    GIT_EACH.clear()
    prof = cProfile.Profile()
    prof.runcall(fn, *args)
    pstats.Stats(prof).sort_stats("cumtime").print_stats(18)
    for took, what in GIT_EACH:
        print(f"  git {what}: {took * 1000:.0f} ms")


def quick_commands(root: Path, source: Path, runs: int) -> None:
    """`task add` and `lesson add` on two fresh copies of replica a's database (so both files
    are in the same state): one still set up for sync (its clone is there), one without."""
    import sqlite3

    db, bare = root / "synced" / "mlpm.db", root / "unsynced" / "mlpm.db"
    for copy in (db, bare):
        copy.parent.mkdir()
        shutil.copy(source, copy)
    conn = sqlite3.connect(bare)
    conn.execute("DELETE FROM setting WHERE key IN ('sync.dir', 'sync.url', 'sync.offsets')")
    conn.commit()
    conn.close()
    print(f"quick commands, median of {runs} (sync set up / not; runs alternate):")
    for label, cmd in (
        ("task add", ["task", "add", "a new task", "-e", "1"]),
        ("lesson add", ["lesson", "add", "a new lesson", "-t", "x"]),
    ):
        walls: dict[Path, list[float]] = {db: [], bare: []}
        for n in range(runs + 1):  # the first, untimed, compiles mlpm's bytecode
            for path in (db, bare):
                env = {**os.environ, "MLPM_DB": str(path), "NO_COLOR": "1"}
                start = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "mlpm", *cmd], env=env, capture_output=True
                )
                if n:
                    walls[path].append(time.perf_counter() - start)
                if done.returncode:
                    raise SystemExit(done.stderr.decode())
        synced, plain = (statistics.median(walls[p]) * 1000 for p in (db, bare))
        print(f"  {label:<11} {synced:5.0f} ms / {plain:5.0f} ms")


if __name__ == "__main__":
    main()
