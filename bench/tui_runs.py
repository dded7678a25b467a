"""How fast the Runs screen repaints after a filter or a re-sort, on 10,000 runs.

    python bench/tui_runs.py [--runs 10000] [--repeats 20] [--profile N]

Seeds a fresh database with `--runs` imported runs (bulk insert: 100 W&B groups, a config of
lr, model, seed and batch, a summary of val/acc, loss and epoch, every state; lr, model,
batch, val/acc and loss chosen as the project's columns), opens the real
app with Pilot at 160x45 on the Runs screen, then times, from the key press to the repaint of
the table (the screen's `Filled` message, then the next refresh):
1. re-sorting: `S` (reverse the order), and sorting by a config column through a header click;
2. filtering: pressing enter on an expression typed in the `/` box (alternating one that
   keeps a sixteenth of the runs and one that keeps all), and on a text search.
Prints the median, p90 and first wall time (the first sort by a key and the first filter
find the order and the matches; later ones reuse a known order) and the median CPU time
(this process) of each, the bar (issue 14: ≤ 50 ms) and the load average. `--profile N`
prints the N costliest functions (cProfile, on only while an action is timed; about 3x slower).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from isolated import isolated

BAR_MS = 50.0
MODELS = ("conformer", "transformer", "lstm", "cnn")
COLUMNS = ["lr", "model", "batch", "val/acc", "loss"]  # the project's chosen columns
STATES = ["finished"] * 16 + ["failed", "crashed", "killed", "preempted", "running"]


def seed(path: Path, n_runs: int) -> None:
    """A project and `n_runs` runs, as `runs sync` would store them."""
    from mlpm import clock
    from mlpm.services import projects, run_columns
    from mlpm.store import Store

    store = Store.open(path)
    project = projects.add(store, "bench")
    run_columns.save(store, project, COLUMNS)
    now = clock.stamp()
    rows = []
    for i in range(n_runs):
        group = f"sweep-{i % 100:02d}"
        config = {
            "lr": [1e-4, 3e-4, 1e-3, 3e-3][i % 4],
            "model": MODELS[(i // 4) % len(MODELS)],
            "seed": i % 5,
            "batch": 32 * (1 + i % 3),
        }
        acc = 0.5 + (i * 7919 % 1000) / 2000
        summary = {"val/acc": acc, "loss": 1 - acc, "epoch": 10 + i % 7, "_runtime": 600 + i}
        state = STATES[i % len(STATES)]
        start = f"2026-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+00:00"
        rows.append(
            (
                f"r{i:05d}",
                "offline",
                "asr",
                f"{group}-{i}",
                group,
                "train",
                json.dumps(["bench", MODELS[i % len(MODELS)]]),
                state,
                None if state in ("finished", "running") else 1,
                start,
                600.0 + i,
                json.dumps(config),
                json.dumps(summary),
                f"{i:040x}",
                now,
                now,
            )
        )
    columns = (
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
    with store.write("bench seed", undoable=False) as tx:
        tx.insert_many("run", columns, rows)
    store.close()


Timed = tuple[list[float], list[float]]


async def measure(path: Path, repeats: int, profile: Any = None) -> dict[str, Timed]:
    """Wall and CPU seconds from each action to the repaint of the table, by action
    (`profile`: a `cProfile.Profile` enabled only while an action is timed)."""
    from textual.widgets import Input

    from mlpm.tui.app import MlpmApp
    from mlpm.tui.screens.runs import RunsScreen
    from mlpm.tui.widgets.line_table import LineTable

    class TimedApp(MlpmApp):
        filled = asyncio.Event()
        painted_at = (0.0, 0.0)
        filled_at = 0.0

        def on_runs_table_screen_filled(self) -> None:
            self.filled_at = time.perf_counter()
            self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            self.painted_at = (time.perf_counter(), time.process_time())
            self.filled.set()

    app = TimedApp(path, screen="runs")
    results: dict[str, Timed] = {}
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        for _ in range(600):
            if screen.table.row_count:
                break
            await asyncio.sleep(0.05)
        assert screen.table.row_count == len(screen.data.runs) > 0, "no runs shown"
        # The regression flags of 10,000 runs take a while (statistics, on the database
        # thread): measured beside them, every repaint would wait for the GIL.
        started = time.perf_counter()
        while any(not w.is_finished for w in app.workers if w.group.startswith("runs-")):
            await asyncio.sleep(0.1)
        flags_wait = time.perf_counter() - started
        await pilot.pause()

        async def timed(name: str, act: Callable[[], Awaitable[Any]]) -> None:
            app.filled.clear()
            if profile is not None:
                profile.enable()
            start, cpu = time.perf_counter(), time.process_time()
            await act()
            await asyncio.wait_for(app.filled.wait(), 10)
            if profile is not None:
                profile.disable()
            wall, cpu_used = app.painted_at[0] - start, app.painted_at[1] - cpu
            walls, cpus = results.setdefault(name, ([], []))
            walls.append(wall)
            cpus.append(cpu_used)
            results.setdefault(f"{name} [rows ready]", ([], []))[0].append(app.filled_at - start)
            await pilot.pause(0.05)

        async def header(title: str) -> None:
            table = screen.query_one("#runs-table", LineTable)
            index = [str(c.label) for c in table.ordered_columns].index(title)
            table.post_message(LineTable.HeaderSelected(table, index))

        async def open_filter(text: str) -> None:
            """Open the box and type the text (not timed: the table waits for enter)."""
            await pilot.press("slash")
            await pilot.pause()
            app.screen.query_one("#runs-filter", Input).value = text
            await pilot.pause()

        for i in range(repeats):
            await timed("re-sort: S (reverse)", lambda: pilot.press("S"))
            await timed("re-sort: by config column lr", lambda: header("lr"))
            await open_filter("lr < 1e-3 and model = conformer" if i % 2 == 0 else "state != x")
            await timed("filter: expression, enter", lambda: pilot.press("enter"))
            await open_filter("sweep-07" if i % 2 == 0 else "sweep")
            await timed("filter: text search, enter", lambda: pilot.press("enter"))
        shown = screen.table.row_count
        assert 0 < shown <= len(screen.data.runs), "the filter showed nothing"
    results["flags"] = ([flags_wait], [0.0])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--profile", type=int, metavar="N", default=0, help="print the N costliest functions"
    )
    args = parser.parse_args()
    profile = cProfile.Profile() if args.profile else None
    with isolated("mlpm-bench-tui-runs-") as root:
        path = root / "bench.db"
        started = time.perf_counter()
        seed(path, args.runs)
        print(f"seeded {args.runs} runs in {time.perf_counter() - started:.2f} s")
        results = asyncio.run(measure(path, args.repeats, profile))
        (flags_wait,), _ = results.pop("flags")
        print(f"regression flags of the runs, after the table was shown: {flags_wait:.1f} s")
        for name, (walls, cpus) in results.items():
            median = statistics.median(walls) * 1000
            if name.endswith("[rows ready]"):
                print(f"  of which the key to the rows in their new order: median {median:.1f} ms")
                continue
            p90 = sorted(walls)[max(0, int(len(walls) * 0.9) - 1)]
            print(
                f"{name:<30} key -> repaint over {len(walls)}: median {median:.1f} ms wall"
                f" (p90 {p90 * 1000:.1f} ms, first {walls[0] * 1000:.1f} ms),"
                f" median {statistics.median(cpus) * 1000:.1f} ms CPU"
                f"  [{'ok' if median <= BAR_MS else 'over'} the {BAR_MS:.0f} ms bar]"
            )
        if profile is not None:
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
        print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
