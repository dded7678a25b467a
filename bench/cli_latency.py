"""Wall time of quick CLI commands with 2,000 tasks in the database (median of cold runs).

    python bench/cli_latency.py [--runs 15]

Prints each command's median beside `python -c pass` and, when Debian's taskwarrior is
installed, `task add` on a fresh data dir. Bar: each median <= 150 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def median_ms(cmd: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def mlpm_pkg() -> str:
    import mlpm

    return str(Path(mlpm.__file__).parent)


def seed(home: Path, count: int) -> None:
    from mlpm.services import lessons, projects
    from mlpm.store import Store

    os.environ["MLPM_HOME"] = str(home)
    store = Store.open(home / "data" / "mlpm.db")
    projects.add(store, "bench")
    now = "2026-01-01T00:00:00+00:00"
    with store.write("bench seed", undoable=False) as tx:
        tx.store.conn.executemany(
            'INSERT INTO task (project_id, title, "column", rank, estimate, tags, created_at,'
            " updated_at) VALUES (1, ?, 'backlog', ?, 2, '[\"bench\"]', ?, ?)",
            [(f"benchmark task number {i}", i, now, now) for i in range(count)],
        )
        tx.note("bench", 0, {"tasks": count})
    for i in range(20):
        lessons.add(store, f"lesson {i} about data pipelines and checkpoints")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tasks", type=int, default=2000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="mlpm-bench-"))
    seed(home, args.tasks)
    env = {**os.environ, "MLPM_HOME": str(home), "NO_COLOR": "1"}
    # Measure what an installed mlpm costs: bytecode compiled once, as pip does at install.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", mlpm_pkg()],
        env=env,
        check=False,
    )
    mlpm = [sys.executable, "-m", "mlpm"]
    exe = shutil.which("mlpm")
    if exe:
        mlpm = [exe]
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("mlpm --version", [*mlpm, "--version"]),
        ("mlpm task add", [*mlpm, "task", "add", "a new task", "-e", "1"]),
        ("mlpm lesson add", [*mlpm, "lesson", "add", "a new lesson", "-t", "x"]),
        ("mlpm today", [*mlpm, "today"]),
        ("mlpm task list", [*mlpm, "task", "list"]),
    ]
    print(f"{args.tasks} tasks in the database; median of {args.runs} runs each")
    for label, cmd in rows:
        print(f"{label:<18} {median_ms(cmd, env, args.runs):7.1f} ms")
    task = shutil.which("task")
    if task:
        tw = Path(tempfile.mkdtemp(prefix="tw-bench-"))
        (tw / "taskrc").write_text(f"data.location={tw}/data\nconfirmation=off\nverbose=nothing\n")
        tw_env = {**os.environ, "TASKRC": str(tw / "taskrc"), "TASKDATA": str(tw / "data")}
        ms = median_ms([task, "rc.hooks=off", "add", "a new task"], tw_env, args.runs)
        print(f"{'taskwarrior add':<18} {ms:7.1f} ms")
    else:
        print("taskwarrior add     (not installed: apt-get install taskwarrior)")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
