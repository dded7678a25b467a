"""Wall and CPU time of quick CLI commands on a database of N tasks (median of cold runs).

    python bench/cli_latency.py [--runs 15] [--tasks 2000]

Prints each command's median beside `python -c pass` and, when Debian's taskwarrior is
installed, `task add` on a fresh data dir. Bars: each median <= 150 ms; `board` <= 1.5 x
`today` at 100,000 tasks. Runs in a temporary mlpm of its own (see isolated.py): MLPM_DB and
MLPM_HOME are ignored, and bytecode goes to a temp folder, never into the package.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from isolated import isolated


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def medians_ms(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `runs` runs of `cmd`."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu = _children_cpu()
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((_children_cpu() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def mlpm_pkg() -> str:
    import mlpm

    return str(Path(mlpm.__file__).parent)


def seed(db: Path, count: int) -> None:
    from mlpm.services import lessons, projects
    from mlpm.store import Store

    store = Store.open(db)
    projects.add(store, "bench")
    now = "2026-01-01T00:00:00+00:00"
    with store.write("bench seed", undoable=False) as tx:
        tx.insert_many(
            "task",
            ("project_id", "title", "column", "rank", "estimate", "tags", "created_at",
             "updated_at"),
            [(1, f"benchmark task number {i}", "backlog", i, 2, '["bench"]', now, now)
             for i in range(count)],
        )  # fmt: skip
    for i in range(20):
        lessons.add(store, f"lesson {i} about data pipelines and checkpoints")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tasks", type=int, default=2000)
    args = parser.parse_args()
    with isolated("mlpm-bench-cli-") as root:
        seed(root / "home" / "data" / "mlpm.db", args.tasks)
        env = {**os.environ, "NO_COLOR": "1"}
        # Measure what an installed mlpm costs: bytecode compiled once, as pip does at
        # install, but into the bench's PYTHONPYCACHEPREFIX, not the package.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", mlpm_pkg()], env=env, check=False)
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
            ("mlpm board", [*mlpm, "board"]),
            ("mlpm task list", [*mlpm, "task", "list"]),
        ]
        print(f"{args.tasks} tasks in the database; median of {args.runs} runs each")
        print(f"{'':<18} {'wall':>10} {'cpu':>10}")
        results = {}
        for label, cmd in rows:
            wall, cpu = results[label] = medians_ms(cmd, env, args.runs)
            print(f"{label:<18} {wall:7.1f} ms {cpu:7.1f} ms")
        (today_wall, today_cpu), (board_wall, board_cpu) = (
            results["mlpm today"],
            results["mlpm board"],
        )
        wall_ratio, cpu_ratio = board_wall / today_wall, board_cpu / max(today_cpu, 1e-6)
        print(f"board / today      {wall_ratio:7.2f} x  {cpu_ratio:7.2f} x   (bar: <= 1.5 x)")
        task = shutil.which("task")
        if task:
            tw = root / "tw-bench"
            tw.mkdir()
            (tw / "taskrc").write_text(
                f"data.location={tw}/data\nconfirmation=off\nverbose=nothing\n"
            )
            tw_env = {**os.environ, "TASKRC": str(tw / "taskrc"), "TASKDATA": str(tw / "data")}
            wall, cpu = medians_ms([task, "rc.hooks=off", "add", "a new task"], tw_env, args.runs)
            print(f"{'taskwarrior add':<18} {wall:7.1f} ms {cpu:7.1f} ms")
        else:
            print("taskwarrior add     (not installed: apt-get install taskwarrior)")


if __name__ == "__main__":
    main()
