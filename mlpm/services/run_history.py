"""A run's logged history (metric -> [(step, value)]), read from its file or the W&B API once
and then served from the `run_history_cache` table."""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlpm.errors import MlpmError, UsageError
from mlpm.services import mlflow_stores, run_segments
from mlpm.services.runs import REMOTE_PREFIX, Run, display_path, fs_path, get_run, number

if TYPE_CHECKING:
    from mlpm.store import Store, Tx


Points = list[tuple[int, float]]
MLFLOW_PREFIX = "mlflow+"  # a remote MLflow run's path (`mlflow_api.PATH_PREFIX`)


@dataclass(slots=True)
class HistoryRead:
    """A run's history for some metrics, and what damage to its file cost."""

    series: dict[str, Points]
    problems: list[str] = field(default_factory=list)  # about the whole file
    lost: dict[str, int] = field(default_factory=dict)  # metric -> points lost to damage


def _cached(store: Store, path: str, size: int, mtime_ns: int) -> dict[str, Any] | None:
    """The cache's index row of `path`: {"keys": [...], "problems": [...], "lost": {...}}."""
    index = store.one(
        "SELECT points FROM run_history_cache WHERE path = ? AND metric = ''"
        " AND size = ? AND mtime_ns = ?",
        (path, size, mtime_ns),
    )
    if index is None:
        return None
    data = json.loads(index["points"])
    return data if isinstance(data, dict) else {"keys": data}  # a bare key list: older rows


def _store_cache(
    store: Store,
    path: str,
    size: int,
    mtime_ns: int,
    series: dict[str, list[Any]],
    problems: Sequence[str] = (),
    lost: dict[str, int] | None = None,
) -> None:
    index = {"keys": sorted(series), "problems": list(problems), "lost": lost or {}}
    rows = [(path, size, mtime_ns, "", json.dumps(index))]
    rows += [(path, size, mtime_ns, k, json.dumps(v)) for k, v in series.items()]
    try:
        with store.write("runs history cache", undoable=False) as tx:
            _store_history_cache(tx, path, rows)
    except sqlite3.OperationalError:
        pass  # a busy database only costs the cache; the points are still returned


def _store_history_cache(tx: Tx, path: str, rows: list[tuple[Any, ...]]) -> None:
    """Replace the cached rows of `path`."""
    tx.delete_where("run_history_cache", "path = ?", (path,))
    tx.insert_many("run_history_cache", ("path", "size", "mtime_ns", "metric", "points"), rows)


def _from_cache(store: Store, path: str, keys: Sequence[str]) -> dict[str, list[tuple[int, float]]]:
    out: dict[str, list[tuple[int, float]]] = {}
    for key in keys:
        row = store.one(
            "SELECT points FROM run_history_cache WHERE path = ? AND metric = ?", (path, key)
        )
        if row is not None:
            out[key] = [(int(s), float(v)) for s, v in json.loads(row["points"])]
    return out


MAX_METRIC_NAME = 1_000


def check_metric_names(keys: Iterable[str]) -> None:
    """Refuse metric names no run can have logged (an empty name is also the cache's index)."""
    for key in keys:
        if not key.strip():
            raise UsageError("a metric name cannot be empty")
        if len(key) > MAX_METRIC_NAME:
            raise UsageError(f"a metric name is at most {MAX_METRIC_NAME:,} characters")


def history(
    store: Store, run_id: str, keys: Sequence[str], *, api: Any = None
) -> dict[str, list[tuple[int, float]]]:
    """Numeric history of a run: key -> [(step, value)], only for `keys` the run logged.

    Read from the run's file on first use and cached (all numeric keys at once, keyed by
    path, size and mtime), so later calls for any key are a query. Remote runs are read
    through the W&B API in a subprocess (or `api`, in tests).
    """
    return read(store, run_id, keys, api=api).series


def read(store: Store, run_id: str, keys: Sequence[str], *, api: Any = None) -> HistoryRead:
    """As `history`, with the damage the file's history had (kept in the cache too)."""
    check_metric_names(keys)
    run = get_run(store, run_id)
    if not run.path:
        raise MlpmError(f"run {run.id} has no history source")
    if run.path.startswith((REMOTE_PREFIX, MLFLOW_PREFIX)):
        return HistoryRead(_remote_history(store, run, keys, api=api))
    if mlflow_stores.is_mlflow(run):  # read from its store each time: a query, no file scan
        return HistoryRead(_mlflow_history(run, keys))
    from mlpm.integrations import wandb_history

    files = run_segments.files_of(store, run.id, run.path)
    try:
        stats = [os.stat(fs_path(path)) for path in files]
    except OSError:
        cached = _from_cache(store, run.path, keys)
        if cached:
            return HistoryRead(cached)
        raise MlpmError(f"the file of run {run.id} is gone: {display_path(run.path)}") from None
    # a resumed run's cache is keyed by its segments' sizes summed and their latest mtime
    size, mtime = sum(s.st_size for s in stats), max(s.st_mtime_ns for s in stats)
    index = _cached(store, run.path, size, mtime)
    if index is None:
        try:
            series, problems, lost = wandb_history.read_segments([fs_path(f) for f in files])
        except wandb_history.WandbFileError as exc:
            raise MlpmError(f"cannot read the history of run {run.id}: {exc}") from None
        _store_cache(store, run.path, size, mtime, series, problems, lost)
        return HistoryRead(
            {k: series[k] for k in keys if k in series},
            problems,
            {k: lost[k] for k in keys if k in lost},
        )
    lost = index.get("lost") or {}
    return HistoryRead(
        _from_cache(store, run.path, keys),
        list(index.get("problems") or []),
        {k: int(lost[k]) for k in keys if k in lost},
    )


def _mlflow_history(run: Run, keys: Sequence[str]) -> dict[str, Points]:
    """An MLflow run's history; `_timestamp` (seconds, per step, as W&B logs it) is taken from
    the wall-clock times of the metrics' points, which MLflow keeps with each value."""
    if "_timestamp" not in keys:
        return mlflow_stores.history(run, list(keys))
    points = mlflow_stores.history_points(run, list(keys))
    series = {k: [(s, v) for s, v, _ in p] for k, p in points.items()}
    if "_timestamp" not in series:
        times: dict[int, int] = {}
        for logged in points.values():
            for step, _, ms in logged:
                times[step] = min(times.get(step, ms), ms)
        if times:
            series["_timestamp"] = [(s, ms / 1000) for s, ms in sorted(times.items())]
    return series


def _fetch_remote(path: str, keys: list[str], *, api: Any) -> dict[str, list[tuple[int, float]]]:
    """History from the run's tracker, in a subprocess (this process never imports wandb or
    mlflow) unless `api` stands in for its client."""
    from mlpm.integrations import mlflow_api, wandb_api

    if path.startswith(MLFLOW_PREFIX):
        uri, _, uuid = path[len(MLFLOW_PREFIX) :].rpartition("#")
        if api is None:
            return mlflow_api.history_in_subprocess(uri, uuid, keys)
        return mlflow_api.remote_history(uri, uuid, keys, client=api)
    address = path[len(REMOTE_PREFIX) :]
    if api is None:
        return wandb_api.history_in_subprocess(address, keys)
    return wandb_api.remote_history(address, keys, api=api)


def _remote_history(
    store: Store, run: Run, keys: Sequence[str], *, api: Any
) -> dict[str, list[tuple[int, float]]]:
    path = run.path or ""
    # A remote run's cache is keyed by its last step: a run that logged more is fetched again.
    # (an MLflow run has no `_step`: by a digest of its latest values)
    size = int(number(run.metric("_step")) or -1)
    if path.startswith(MLFLOW_PREFIX):
        size = zlib.crc32(json.dumps(run.summary, sort_keys=True, default=str).encode())
    index = _cached(store, path, size, 0) if run.state != "running" else None
    known = set(index["keys"]) if index else set()
    out = _from_cache(store, path, [k for k in keys if k in known])
    missing = [k for k in keys if k not in known]
    if missing:
        fetched = _fetch_remote(path, missing, api=api)
        fresh = {k: fetched.get(k, []) for k in missing}
        _store_cache(store, path, size, 0, {**_from_cache(store, path, sorted(known)), **fresh})
        out.update(fresh)
    return {k: v for k, v in out.items() if v}
