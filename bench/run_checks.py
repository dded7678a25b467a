"""How long the regression flags of 10,000 runs take (`runs list --check`, the TUI's Flag
column).

    python bench/run_checks.py [--runs 10000] [--groups 100] [--repeats 2]

Seeds a fresh database with `--runs` imported runs in `--groups` W&B groups (bulk insert,
seeded random numbers: runtime, epoch or only a step, a throughput under one of its names,
val/acc; a few runs regress by a lot, some start at the same second, some miss a number,
every state), then times `run_checks.regression_flags` on every run with val/acc as the
metric, as the TUI's Runs screen asks for them: the first call in this process (it pays for
any import it needs) and `--repeats - 1` more. Prints the wall and CPU time of each, how many
runs are flagged and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

from isolated import isolated

STATES = ["finished"] * 40 + ["failed", "crashed", "killed", "preempted", "running"]
THROUGHPUTS = ("throughput", "samples_per_sec")
COLUMNS = (
    "id",
    "source",
    "wandb_project",
    "name",
    "group_name",
    "job_type",
    "tags",
    "state",
    "exit_code",
    "start_time",
    "runtime",
    "config",
    "summary",
    "commit_sha",
    "imported_at",
    "updated_at",
)


def summary_of(rnd: random.Random, regressed: bool) -> tuple[float, dict[str, float]]:
    """A run's runtime and summary; a regressed run is slower and worse."""
    slow = 3.0 if regressed else 1.0
    runtime = rnd.gauss(600, 20) * slow
    summary: dict[str, float] = {"_runtime": runtime}
    if rnd.random() < 0.9:
        summary["epoch"] = 10
    summary["_step"] = 1000 + rnd.randrange(3)
    if rnd.random() < 0.95:
        summary[THROUGHPUTS[rnd.random() < 0.1]] = rnd.gauss(1000, 30) / slow
    if rnd.random() < 0.97:
        summary["val/acc"] = round(rnd.gauss(0.8, 0.01) - 0.05 * regressed, 3)  # ties
    return runtime, summary


def seed(path: Path, n_runs: int, n_groups: int) -> None:
    """A project and `n_runs` runs, as `runs sync` would store them."""
    from mlpm import clock
    from mlpm.services import projects
    from mlpm.store import Store

    rnd = random.Random(14)
    store = Store.open(path)
    projects.add(store, "bench")
    now = clock.stamp()
    rows = []
    for i in range(n_runs):
        group, nth = i % n_groups, i // n_groups
        nth -= nth % 10 == 9  # every tenth run starts with the one before it
        state = STATES[rnd.randrange(len(STATES))]
        runtime, summary = summary_of(rnd, rnd.random() < 0.03)
        start = (
            f"2026-{1 + nth // 600:02d}-{1 + nth // 24 % 25:02d}T{nth % 24:02d}:{group % 60:02d}"
        )
        rows.append(
            (
                f"r{i:05d}",
                "offline",
                "asr",
                f"g{group}-{i}",
                f"sweep-{group:03d}",
                "train",
                "[]",
                state,
                None if state in ("finished", "running", "crashed", "preempted") else 1,
                f"{start}:00+00:00",
                runtime,
                json.dumps({"seed": i}),
                json.dumps(summary),
                f"{i:040x}",
                now,
                now,
            )
        )
    with store.write("bench seed", undoable=False) as tx:
        tx.insert_many("run", COLUMNS, rows)
    store.close()


def measure(path: Path, repeats: int) -> list[tuple[float, float, int]]:
    """Wall and CPU seconds of each call, and how many runs it flagged."""
    from mlpm.services import run_checks
    from mlpm.services import runs as run_service
    from mlpm.store import Store

    store = Store.open(path)
    runs = run_service.list_runs(store)
    out = []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        flags = run_checks.regression_flags(store, runs, metric="val/acc")
        out.append((time.perf_counter() - start, time.process_time() - cpu, len(flags)))
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with isolated("mlpm-bench-run-checks-") as root:
        path = root / "bench.db"
        started = time.perf_counter()
        seed(path, args.runs, args.groups)
        took = time.perf_counter() - started
        print(f"seeded {args.runs} runs in {args.groups} groups in {took:.2f} s")
        for i, (wall, cpu, flagged) in enumerate(measure(path, max(1, args.repeats))):
            which = "first call" if i == 0 else f"call {i + 1}"
            print(
                f"regression flags, {which:<10}: {wall:.3f} s wall, {cpu:.3f} s CPU,"
                f" {flagged} runs flagged"
            )
        print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
