"""How fast the timer's status (read every tick by timer mode) and the focus statistics are
on a year of sessions. Prints numbers; run: /work/venv/bin/python bench/timer_stats.py"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

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
    home = Path(tempfile.mkdtemp(prefix="mlpm-bench-timer-"))
    os.environ["MLPM_HOME"] = str(home)
    os.environ["MLPM_NOW"] = "2026-03-02T10:00:00+01:00"
    from mlpm.services import focus_stats, in_progress, projects, tasks, timer
    from mlpm.store import Store

    store = Store.open()
    projects.add(store, "bench")
    ids = [tasks.add(store, f"task {n}", estimate=n % 5 + 1).task.id for n in range(TASKS)]
    first = datetime.fromisoformat("2026-03-01T09:00:00+01:00") - timedelta(days=DAYS)
    rows = []
    for day in range(DAYS):
        for n in range(SESSIONS_PER_DAY):
            start = first + timedelta(days=day, minutes=30 * n)
            interrupted = n % 7 == 3
            end = start + timedelta(minutes=10 if interrupted else 25)
            rows.append(
                (
                    ids[(day * SESSIONS_PER_DAY + n) % TASKS],
                    start.isoformat(),
                    1500,
                    end.isoformat(),
                    "interrupted" if interrupted else "finished",
                    "slack" if interrupted else None,
                )
            )
    with store.write("bench import", undoable=False) as tx:
        store.conn.executemany(
            "INSERT INTO focus_session (task_id, kind, started_at, planned_seconds, ended_at,"
            " outcome, reason) VALUES (?, 'focus', ?, ?, ?, ?, ?)",
            rows,
        )
        tx.note("focus_session", "bench", {"rows": len(rows)})
    timer.start(store, ids[0])
    print(f"{len(rows):,} ended focus sessions over {DAYS} days, {TASKS} tasks, one running")
    status_ms = timed(lambda: timer.status(store), 200)
    print(f"timer.status (one timer-mode tick):  {status_ms:6.2f} ms")
    progress_ms = timed(lambda: in_progress.of_timer(store), 200)
    print(f"in_progress.of_timer:               {progress_ms:6.2f} ms")
    for days in (14, 90, 365):
        ms = timed(lambda d=days: focus_stats.summary(store, d), 20)
        print(f"focus_stats.summary({days:>3} days):       {ms:6.2f} ms")
    store.close()
    for argv in (["timer", "status"], ["stats"], ["stats", "--days", "365", "--json"]):
        ms = timed(
            lambda a=argv: subprocess.run(
                [sys.executable, "-m", "mlpm", *a], capture_output=True, check=True
            ),
            5,
        )
        print(f"mlpm {' '.join(argv):<28} {ms:6.0f} ms wall (subprocess, median of 5)")
    shutil.rmtree(home)


if __name__ == "__main__":
    main()
