"""Benchmark: import 1,000 W&B runs of 1,000 history rows each, cold and unchanged.

The runs are written directly in the `.wandb` format (as wandb 0.22+ writes offline runs:
a history and a summary record per row), which is far faster than running wandb 1,000 times.

    python bench/wandb_import.py [--runs 1000] [--rows 1000] [--keep DIR]

Bars: cold import <= 3 s, re-sync with nothing changed <= 0.2 s (issue 14). A plain sync
reads a long file's head and tail and CRC-checks the chunks between.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from isolated import isolated


def write_runs(root: Path, runs: int, rows: int) -> int:
    from mlpm.integrations.wandb_write import build_run

    total = 0
    start = 1_790_000_000.0
    for i in range(runs):
        run_id = f"r{i:07d}"
        run_dir = root / "wandb" / f"offline-run-20260301_120000-{run_id}"
        (run_dir / "files").mkdir(parents=True)
        history = [
            {
                "loss": 2.0 / (step + 1) + i * 1e-4,
                "acc": min(1.0, step / rows),
                "lr": 1e-3 * (0.99**step),
                "epoch": step // 100,
                "throughput": 1000.0 + (step % 7),
                "val.loss": 2.1 / (step + 1),
            }
            for step in range(rows)
        ]
        data = build_run(
            run_id,
            project="bench",
            entity="team",
            name=f"run-{i}",
            group=f"sweep-{i % 20}",
            job_type="train",
            tags=["bench", f"t{i % 5}"],
            config={"lr": 1e-3, "batch_size": 32 + i % 4, "model.depth": 12},
            commit=f"{i % 50:040x}",
            remote="git@example.com:team/bench.git",
            host="bench-host",
            program="train.py",
            args=["--seed", str(i)],
            start=start + i * 60,
            history=history,
            summary={"best_acc": 0.9},
            runtime=rows // 10,
        )
        (run_dir / f"run-{run_id}.wandb").write_bytes(data)
        total += len(data)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="Write the runs here and keep them.")
    args = parser.parse_args()

    with isolated("mlpm-bench-wandb-", keep=args.keep) as root:
        return measure(root, args.runs, args.rows)


def measure(root: Path, runs: int, rows: int) -> int:
    from mlpm.services import run_history, run_sync
    from mlpm.services import runs as service
    from mlpm.store import Store

    if not (root / "wandb").exists():
        began = time.perf_counter()
        size = write_runs(root, runs, rows)
        print(
            f"wrote {runs} runs x {rows} rows ({size / 1e6:.0f} MB) in"
            f" {time.perf_counter() - began:.1f} s"
        )
    store = Store.open(root / "bench.db")
    began, cpu = time.perf_counter(), time.process_time()
    report = run_sync.sync_local(store, [root / "wandb"])
    cold, cold_cpu = time.perf_counter() - began, time.process_time() - cpu
    warned = len(report.warnings)
    print(
        f"cold import:     {cold:6.2f} s, {cold_cpu:.2f} s CPU"
        f"  ({report.added} added, {warned} warnings)"
    )
    began, cpu = time.perf_counter(), time.process_time()
    report = run_sync.sync_local(store, [root / "wandb"])
    warm, warm_cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"unchanged sync:  {warm:6.2f} s, {warm_cpu:.2f} s CPU  ({report.unchanged} unchanged)")
    first = service.list_runs(store)[0].id
    began = time.perf_counter()
    series = run_history.history(store, first, ["loss", "acc"])
    read = time.perf_counter() - began
    began = time.perf_counter()
    run_history.history(store, first, ["loss", "acc"])
    cached = time.perf_counter() - began
    print(
        f"history of one run: {read * 1000:.0f} ms first read"
        f" ({len(series['loss'])} points), {cached * 1000:.1f} ms cached"
    )
    store.close()
    ok = cold <= 3 and warm <= 0.2
    print("bars (cold <= 3 s, unchanged <= 0.2 s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
