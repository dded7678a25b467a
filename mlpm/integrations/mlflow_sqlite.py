"""Read an MLflow SQLite tracking store (`mlflow.db`, MLflow's default store since 3.7).

The store is opened read-only (`mode=ro`: nothing is ever written, not even a journal) and
read with plain queries over the tables MLflow's SQLAlchemy store keeps: experiments, runs,
params, tags and latest_metrics for a run; metrics for its history, on demand.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from mlpm.integrations.mlflow_run import MlflowRun, MlflowStoreError, Points, build_all
from mlpm.integrations.wandb_run import RunInfo

SQLITE_MAGIC = b"SQLite format 3\x00"
NEEDED = ("experiments", "runs", "params", "tags", "metrics", "latest_metrics")
BUSY_TIMEOUT_S = 2.0


def is_sqlite(path: Path) -> bool:
    """Whether the file starts like an SQLite database."""
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _problem(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "the store is locked by another process; try again when it is done"
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return "not a readable SQLite database (damaged?)"
    return f"cannot read the store: {text}"


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to an MLflow store; MlflowStoreError when it is not one."""
    if not is_sqlite(path):
        raise MlflowStoreError("not an SQLite database")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise MlflowStoreError(_problem(exc)) from None
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        missing = [t for t in NEEDED if t not in tables]
        if missing:
            raise MlflowStoreError(
                f"not an MLflow tracking store (no {', '.join(missing)} table"
                f"{'' if len(missing) == 1 else 's'})"
            )
        yield db
    except sqlite3.Error as exc:
        raise MlflowStoreError(_problem(exc)) from None
    finally:
        db.close()


def _runs(db: sqlite3.Connection, location: str) -> dict[str, MlflowRun]:
    runs: dict[str, MlflowRun] = {}
    for uuid, exp, name, status, start, end, user in db.execute(
        "SELECT run_uuid, experiment_id, name, status, start_time, end_time, user_id FROM runs"
        " WHERE lifecycle_stage IS NOT 'deleted'"
    ):
        runs[uuid] = MlflowRun(
            uuid=uuid,
            experiment_id=str(exp),
            name=name or None,
            status=status,
            start_ms=start,
            end_ms=end,
            user=user or None,
            path=f"{location}#{uuid}",
        )
    return runs


def read_runs(path: Path, location: str | None = None) -> list[RunInfo]:
    """Every run of the store (deleted ones left out), oldest first. `location` is how the
    store's path is written into each run's `path` (`<location>#<run uuid>`)."""
    location = location or str(path)
    with connect(path) as db:
        experiments = {
            str(exp): name
            for exp, name in db.execute(
                "SELECT experiment_id, name FROM experiments WHERE lifecycle_stage IS NOT 'deleted'"
            )
        }
        runs = _runs(db, location)
        for uuid, key, value in db.execute("SELECT run_uuid, key, value FROM params"):
            if (run := runs.get(uuid)) is not None:
                run.params[key] = value
        for uuid, key, value in db.execute("SELECT run_uuid, key, value FROM tags"):
            if (run := runs.get(uuid)) is not None:
                run.tags[key] = value
        for uuid, key, value, is_nan in db.execute(
            "SELECT run_uuid, key, value, is_nan FROM latest_metrics"
        ):
            if (run := runs.get(uuid)) is not None:
                run.latest[key] = math.nan if is_nan else value
    live = [r for r in runs.values() if r.experiment_id in experiments]
    live.sort(key=lambda r: (r.start_ms or 0, r.uuid))
    return build_all(live, experiments)


def read_history(path: Path, uuid: str, keys: Sequence[str]) -> Points:
    """Metric -> [(step, value, timestamp ms)] of one run, for the `keys` it logged, in step
    order (NaN values left out)."""
    out: Points = {}
    if not keys:
        return out
    marks = ", ".join("?" * len(keys))
    with connect(path) as db:
        for key, step, value, stamp in db.execute(
            f"SELECT key, step, value, timestamp FROM metrics WHERE run_uuid = ?"
            f" AND key IN ({marks}) AND NOT is_nan ORDER BY key, step, timestamp",
            (uuid, *keys),
        ):
            out.setdefault(key, []).append((int(step), float(value), int(stamp)))
    return out
