"""Build a full-scale sync state for bench/sync.py fast: the op files of three replicas are
written directly (ops shaped as `task add`, `task move today` and `task edit` write them),
pushed to a bare repository, and each replica's database gets every op through the store's
bulk path and its rows from `sync rebuild`'s code. What the bench then times is real code.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlpm.integrations import sync_repo
from mlpm.store.ids import mint
from mlpm.store.ops import Op

MONTH = "2026-11"
AT = "2026-11-20T10:00:00+00:00"
AUTHORS = ("ana@example.com", "ben@example.com", "cy@example.com")


def _task_ops(
    replica: str, author: str, clock: int, project: str, n: int, edits: int
) -> tuple[list[Op], int]:
    """One task's life: created (8 ops), planned for today (5 ops + a move), then `edits`
    field changes (titles, notes, moves, ranks)."""
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
    seed = root / "seed"
    subprocess.run(["git", "clone", "-q", str(remote), str(seed)], check=True)
    subprocess.run(["git", "-C", str(seed), "checkout", "-q", "--orphan", sync_repo.BRANCH])
    for replica, ops in by_replica.items():
        lines = [o.line() for o in ops]
        for at in range(0, len(lines), 1000):
            sync_repo.append(seed, replica, MONTH, lines[at : at + 1000])
        sync_repo.commit(seed, [f"{sync_repo.OPS_DIR}/{replica}"], f"mlpm ops from {replica}")
    sync_repo.git(seed, "push", "-q", "origin", f"HEAD:refs/heads/{sync_repo.BRANCH}")
