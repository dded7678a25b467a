"""Benchmark: import 1,000 MLflow runs of 1,000 metric rows each from a SQLite store, cold
and unchanged, beside the floor of reading the same tables bare with sqlite3.

The store is written directly with the schema of a store the real mlflow wrote
(tests/data/mlflow/mlflow.db), far faster than logging through mlflow.

    python bench/mlflow_import.py [--runs 1000] [--rows 1000] [--keep DIR]

Bars: cold import <= 3 s, re-sync with nothing changed <= 0.2 s.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
import uuid
from pathlib import Path

from isolated import isolated

REAL_STORE = Path(__file__).resolve().parent.parent / "tests" / "data" / "mlflow" / "mlflow.db"
T0 = 1_790_000_000_000
# What `runs sync` reads of a SQLite store (the metrics table is read only for a history).
SYNC_READS = (
    "SELECT experiment_id, name FROM experiments",
    "SELECT run_uuid, experiment_id, name, status, start_time, end_time, user_id FROM runs",
    "SELECT run_uuid, key, value FROM params",
    "SELECT run_uuid, key, value FROM tags",
    "SELECT run_uuid, key, value, is_nan FROM latest_metrics",
)


def write_store(path: Path, runs: int, rows: int) -> None:
    """An MLflow-schema store: one experiment, `runs` runs, `rows` metric rows per run."""
    real = sqlite3.connect(f"file:{REAL_STORE}?mode=ro", uri=True)
    schema = [
        sql
        for (sql,) in real.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
            " ORDER BY type = 'index', rowid"
        )
    ]
    real.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = OFF")  # a throwaway file: no journal, no fsync
    db.execute("PRAGMA synchronous = OFF")
    for sql in schema:
        db.execute(sql)
    db.execute(
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage,"
        " creation_time, last_update_time) VALUES (1, 'bench', '', 'active', ?, ?)",
        (T0, T0),
    )
    steps = rows // 2  # two metrics: loss and val/acc
    for i in range(runs):
        run = uuid.UUID(int=i + 1).hex
        start = T0 + i * 60_000
        status = {8: "FAILED", 9: "KILLED"}.get(i % 10, "FINISHED")
        db.execute(
            "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name,"
            " user_id, status, start_time, end_time, source_version, lifecycle_stage,"
            " artifact_uri, experiment_id) VALUES (?, ?, 'LOCAL', 'train.py', '', 'ada', ?,"
            " ?, ?, '', 'active', '', 1)",
            (run, f"run-{i}", status, start, start + 1000 * steps),
        )
        db.executemany(
            "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
            [("lr", "0.001", run), ("model", "conformer", run), ("seed", str(i % 5), run)],
        )
        tags = {
            "mlflow.runName": f"run-{i}",
            "mlflow.source.git.commit": f"{i % 50:040x}",
            "mlflow.user": "ada",
            "group": f"sweep-{i % 20}",
        }
        db.executemany(
            "INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)",
            [(k, v, run) for k, v in tags.items()],
        )
        points = [
            (key, value, start + 1000 * step, run, step, 0)
            for step in range(steps)
            for key, value in (("loss", 2.0 / (step + 1)), ("val/acc", step / steps))
        ]
        db.executemany(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            points,
        )
        db.executemany(
            "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)"
            " VALUES (?, ?, ?, ?, 0, ?)",
            [(k, v, t, s, run) for k, v, t, _, s, _ in points[-2:]],
        )
    db.commit()
    db.close()


def timed(fn: object, *args: object) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)  # type: ignore[operator]
    return result, time.perf_counter() - wall, time.process_time() - cpu


def floor(path: Path) -> int:
    """Read the tables a sync reads, bare: fetch every row, build nothing."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    count = sum(len(db.execute(sql).fetchall()) for sql in SYNC_READS)
    db.close()
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="Write the store here and keep it.")
    args = parser.parse_args()

    with isolated("mlpm-bench-mlflow-", keep=args.keep) as root:
        return measure(root, args.runs, args.rows)


def measure(root: Path, runs: int, rows: int) -> int:
    from mlpm.services import run_history, run_sync
    from mlpm.services import runs as service
    from mlpm.store import Store

    db = root / "mlflow.db"
    if not db.exists():
        began = time.perf_counter()
        write_store(db, runs, rows)
        print(
            f"wrote {runs} runs x {rows} metric rows ({db.stat().st_size / 1e6:.0f} MB) in"
            f" {time.perf_counter() - began:.1f} s"
        )
    store = Store.open(root / "bench.db")
    count, bare, bare_cpu = timed(floor, db)
    print(f"floor (sqlite3): {bare:6.3f} s wall {bare_cpu:6.3f} s CPU  ({count} rows)")
    report, cold, cold_cpu = timed(run_sync.sync_local, store, [db])
    added = report.added  # type: ignore[attr-defined]
    print(f"cold import:     {cold:6.3f} s wall {cold_cpu:6.3f} s CPU  ({added} added)")
    report, warm, warm_cpu = timed(run_sync.sync_local, store, [db])
    same = report.unchanged  # type: ignore[attr-defined]
    print(f"unchanged sync:  {warm:6.3f} s wall {warm_cpu:6.3f} s CPU  ({same} unchanged)")
    con = sqlite3.connect(db)
    with con:
        con.execute(
            "UPDATE tags SET value = 'edited' WHERE key = 'group' AND run_uuid = ?",
            (uuid.UUID(int=1).hex,),
        )
    con.close()
    report, one, one_cpu = timed(run_sync.sync_local, store, [db])
    changed = report.updated  # type: ignore[attr-defined]
    print(f"one run changed: {one:6.3f} s wall {one_cpu:6.3f} s CPU  ({changed} updated)")
    first = service.list_runs(store)[0].id
    series, read, _ = timed(run_history.history, store, first, ["loss", "val/acc"])
    points = len(series["loss"])  # type: ignore[index]
    print(f"history of one run: {read * 1000:.0f} ms ({points} points of loss)")
    store.close()
    ok = cold <= 3 and warm <= 0.2
    print("bars (cold <= 3 s, unchanged <= 0.2 s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
