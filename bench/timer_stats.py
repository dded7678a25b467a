"""How fast the timer's status (read every tick by timer mode) and the focus statistics are
on a year of sessions. Prints numbers; run: python bench/timer_stats.py [--days 365] [--tasks 200]

Runs in a temporary mlpm of its own (isolated.py): MLPM_DB and MLPM_HOME are ignored."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta

from isolated import isolated

SESSIONS_PER_DAY = 10
DAYS = 365
TASKS = 200


def timed(fn, runs: int) -> float:
    """Median milliseconds of `runs` calls."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=DAYS, help="Days of focus sessions.")
    parser.add_argument("--tasks", type=int, default=TASKS, help="Tasks the sessions are on.")
    parser.add_argument("--runs", type=int, default=200, help="Calls per timed function.")
    args = parser.parse_args()
    with isolated("mlpm-bench-timer-"):
        os.environ["MLPM_NOW"] = "2026-03-02T10:00:00+01:00"
        measure(args.days, args.tasks, args.runs)


def measure(days: int, n_tasks: int, runs: int) -> None:
    from mlpm.services import focus_stats, in_progress, projects, tasks, timer
    from mlpm.store import Store

    store = Store.open()
    projects.add(store, "bench")
    ids = [tasks.add(store, f"task {n}", estimate=n % 5 + 1).task.id for n in range(n_tasks)]
    first = datetime.fromisoformat("2026-03-01T09:00:00+01:00") - timedelta(days=days)
    rows = []
    for day in range(days):
        for n in range(SESSIONS_PER_DAY):
            start = first + timedelta(days=day, minutes=30 * n)
            interrupted = n % 7 == 3
            end = start + timedelta(minutes=10 if interrupted else 25)
            rows.append(
                (
                    ids[(day * SESSIONS_PER_DAY + n) % n_tasks],
                    "focus",
                    start.isoformat(),
                    1500,
                    end.isoformat(),
                    "interrupted" if interrupted else "finished",
                    "slack" if interrupted else None,
                )
            )
    with store.write("bench import", undoable=False) as tx:
        tx.insert_many(
            "focus_session",
            ("task_id", "kind", "started_at", "planned_seconds", "ended_at", "outcome", "reason"),
            rows,
        )
    timer.start(store, ids[0])
    print(f"{len(rows):,} ended focus sessions over {days} days, {n_tasks} tasks, one running")
    status_ms = timed(lambda: timer.status(store), runs)
    print(f"timer.status (one timer-mode tick):  {status_ms:6.2f} ms")
    progress_ms = timed(lambda: in_progress.of_timer(store), runs)
    print(f"in_progress.of_timer:                {progress_ms:6.2f} ms")
    for span in (14, 90, 365):
        ms = timed(lambda d=span: focus_stats.summary(store, d), max(1, runs // 10))
        print(f"focus_stats.summary({span:>3} days):       {ms:6.2f} ms")
    store.close()
    cli_runs = max(1, min(5, runs))
    for argv in (["timer", "status"], ["stats"], ["stats", "--days", "365", "--json"]):
        ms = timed(
            lambda a=argv: subprocess.run(
                [sys.executable, "-m", "mlpm", *a], capture_output=True, check=True
            ),
            cli_runs,
        )
        print(f"mlpm {' '.join(argv):<28} {ms:6.0f} ms wall (subprocess, median of {cli_runs})")


if __name__ == "__main__":
    main()
