"""How fast the terminal UI opens on a big database, and how fast a card move repaints.

    python bench/tui_startup.py [--tasks 10000] [--lessons 5000] [--moves 50] [--runs 3]

Seeds a fresh database (bulk insert, one logged note), then:
1. starts `python -c "...run the app, exit once the Board is painted..."` in a new process
   (headless, then in a 160x45 pseudo-terminal), and prints the wall time from just before the
   process is spawned to the moment the Board with its data has been painted (the child
   writes a timestamp after that refresh), and the CPU time the whole child used;
2. in this process, opens the app with Pilot and presses shift+right / shift+left on a card 50
   times, timing each key press until the moved card is repainted; prints the median.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from isolated import isolated

CHILD = r"""
import sys, time
from mlpm.tui.app import MlpmApp

class BenchApp(MlpmApp):
    def on_board_screen_loaded(self, message):
        self.call_after_refresh(self._painted)
    def _painted(self):
        with open(sys.argv[3], "w") as out:
            out.write(f"{time.time():.6f}")
        self.exit()

app = BenchApp(sys.argv[1], screen="board")
if sys.argv[2] == "pty":
    app.run()
else:
    app.run(headless=True, size=(160, 45))
"""

WORDS = [
    "tune",
    "baseline",
    "augment",
    "dataset",
    "eval",
    "sweep",
    "ablate",
    "learning",
    "rate",
    "warmup",
    "tokenizer",
]
WORDS += [
    "checkpoint",
    "shard",
    "gradient",
    "clipping",
    "mixed",
    "precision",
    "label",
    "noise",
    "calibration",
]
WORDS += [
    "beam",
    "search",
    "vocabulary",
    "dropout",
    "schedule",
    "seed",
    "variance",
    "plot",
    "report",
]


def seed(path: Path, n_tasks: int, n_lessons: int) -> None:
    """A project with `n_tasks` tasks spread over the columns and `n_lessons` lessons."""
    from mlpm import clock
    from mlpm.services import projects
    from mlpm.store import Store

    store = Store.open(path)
    project = projects.add(store, "bench")
    now = clock.stamp()
    spread = ["backlog"] * 90 + ["done"] * 8 + ["dropped"] * 2
    task_rows = []
    for i in range(n_tasks):
        column = spread[i % len(spread)]
        title = " ".join(WORDS[(i * k) % len(WORDS)] for k in (1, 3, 7, 11)) + f" {i}"
        tags = json.dumps([WORDS[i % 7]])
        task_rows.append((project.id, title, "", column, float(i), 1 + i % 4, tags, now, now))
    lesson_rows = []
    for i in range(n_lessons):
        text = " ".join(WORDS[(i * k) % len(WORDS)] for k in (2, 5, 9, 13, 17)) + f" lesson {i}"
        lesson_rows.append((text, "general", json.dumps([WORDS[i % 5]]), project.id, now))
    with store.write("bench seed", undoable=False) as tx:
        task_columns = ("project_id", "title", "notes", "column", "rank", "estimate", "tags")
        tx.insert_many("task", (*task_columns, "created_at", "updated_at"), task_rows)
        lesson_columns = ("text", "category", "tags", "project_id", "created_at")
        tx.insert_many("lesson", lesson_columns, lesson_rows)
    store.close()


def first_paint(path: Path, mode: str) -> tuple[float, float]:
    """(wall seconds to the first painted Board, CPU seconds the whole child used).

    `mode` "headless" renders without a terminal; "pty" runs in a 160x45 pseudo-terminal
    whose output this process reads (so writing the frame to a terminal is counted)."""
    import resource

    marker = path.with_suffix(".painted")
    marker.unlink(missing_ok=True)
    command = [sys.executable, "-c", CHILD, str(path), mode, str(marker)]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    if mode == "pty":
        _run_in_pty(command)
    else:
        subprocess.run(command, capture_output=True, timeout=120, env=os.environ, check=True)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    if not marker.exists():
        raise SystemExit("the app did not report a paint")
    return float(marker.read_text()) - start, cpu


def _run_in_pty(command: list[str]) -> None:
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    try:
        while True:  # drain the terminal output, as a terminal would
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break
    finally:
        proc.wait(timeout=60)
        os.close(master)


async def move_times(path: Path, moves: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (this process, all threads) seconds from each key press to the repaint."""
    from mlpm.tui.app import MlpmApp
    from mlpm.tui.screens.board import BoardScreen
    from mlpm.tui.screens.board_columns import CardList

    class TimedApp(MlpmApp):
        loaded = asyncio.Event()

        painted_at = (0.0, 0.0)

        def on_board_screen_loaded(self) -> None:
            self.call_after_refresh(self._painted)

        def _painted(self) -> None:  # the frame with the moved card has been drawn
            self.painted_at = (time.perf_counter(), time.process_time())
            self.loaded.set()

    app = TimedApp(path, screen="board")
    times: list[float] = []
    cpu: list[float] = []
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        while not screen.data.columns:
            await asyncio.sleep(0.01)
        await pilot.pause()
        for i in range(moves):
            cards = screen.active_cards
            assert cards.current is not None
            task_id = cards.current.id
            target = "today" if i % 2 == 0 else "backlog"
            app.loaded.clear()
            start = time.perf_counter()
            cpu_start = time.process_time()
            await pilot.press("shift+right" if target == "today" else "shift+left")
            await asyncio.wait_for(app.loaded.wait(), 5)
            times.append(app.painted_at[0] - start)
            cpu.append(app.painted_at[1] - cpu_start)
            await pilot.pause()  # let the detail pane catch up before the next move
            today = screen.query_one("#cards-today", CardList)
            landed = any(t.id == task_id for t in today.items) == (target == "today")
            assert landed, f"move {i} did not land"
    return times, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--lessons", type=int, default=5_000)
    parser.add_argument("--moves", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3, help="first-paint repetitions")
    args = parser.parse_args()
    with isolated("mlpm-bench-tui-") as root:
        path = root / "bench.db"
        started = time.perf_counter()
        seed(path, args.tasks, args.lessons)
        print(
            f"seeded {args.tasks} tasks, {args.lessons} lessons in "
            f"{time.perf_counter() - started:.2f} s"
        )
        for mode in ("headless", "pty"):
            results = [first_paint(path, mode) for _ in range(args.runs)]
            walls = [wall for wall, _ in results]
            print(
                f"first painted Board (process start -> paint, {mode} 160x45): "
                f"median {statistics.median(walls):.3f} s wall "
                f"(runs {', '.join(f'{w:.3f}' for w in walls)}); "
                f"whole child process {statistics.median(c for _, c in results):.3f} s CPU"
            )
        times, cpu = asyncio.run(move_times(path, args.moves))
        print(
            f"card move, key press -> repaint, over {len(times)} moves: "
            f"median {statistics.median(times) * 1000:.1f} ms wall "
            f"(p90 {sorted(times)[int(len(times) * 0.9) - 1] * 1000:.1f} ms), "
            f"median {statistics.median(cpu) * 1000:.1f} ms CPU"
        )
        print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
