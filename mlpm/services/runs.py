"""Tracker runs: queries, links to tasks, history, regression flags and display helpers.

A run joins its tasks two ways, both resolved at query time: through its git commit and the
git area's `task_commit` rows (no manual step), and through manual `task_run` links. Importing
runs (local W&B directories or the W&B API) is `mlpm.services.run_sync`.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlpm import clock
from mlpm.errors import MlpmError, NotFound, UsageError

if TYPE_CHECKING:
    from mlpm.store import Store

STATES = ("finished", "crashed", "running")
REMOTE_PREFIX = "wandb://"
_FS_PREFIX = "fsb64:"  # a path whose bytes are not UTF-8, stored reversibly


@dataclass(slots=True)
class Run:
    """One imported tracker run, with the tasks it is linked to."""

    id: str
    source: str
    project: str | None  # the W&B project
    entity: str | None
    name: str | None
    group: str | None
    job_type: str | None
    tags: list[str]
    state: str
    start_time: str | None
    runtime: float | None
    config: dict[str, Any]
    summary: dict[str, Any]
    commit: str | None
    remote: str | None
    host: str | None
    program: str | None
    args: list[str]
    notes: str | None = None
    exit_code: int | None = None
    wandb_version: str | None = None
    path: str | None = None
    project_id: int | None = None
    task_ids: list[int] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: dict[str, Any], task_ids: list[int] | None = None) -> Run:
        return cls(
            id=row["id"],
            source=row["source"],
            project=row["wandb_project"],
            entity=row["entity"],
            name=row["name"],
            group=row["group_name"],
            job_type=row["job_type"],
            tags=json.loads(row["tags"] or "[]"),
            state=row["state"],
            start_time=row["start_time"],
            runtime=row["runtime"],
            config=json.loads(row["config"] or "{}"),
            summary=json.loads(row["summary"] or "{}"),
            commit=row["commit_sha"],
            remote=row["git_remote"],
            host=row["host"],
            program=row["program"],
            args=json.loads(row["args"] or "[]"),
            notes=row["notes"],
            exit_code=row["exit_code"],
            wandb_version=row["wandb_version"],
            path=row["path"],
            project_id=row["project_id"],
            task_ids=sorted(task_ids or []),
        )

    @property
    def label(self) -> str:
        """The run's name, or its id when it has none."""
        return self.name or self.id

    def metric(self, key: str) -> Any:
        """A summary value by dotted key (`val.loss` reads summary["val"]["loss"])."""
        return lookup(self.summary, key)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = display_path(self.path) if self.path else None
        return data


def lookup(data: dict[str, Any], key: str) -> Any:
    if key in data:
        return data[key]
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# -- paths that may not be UTF-8 -----------------------------------------------------------


def db_path(path: Path | str) -> str:
    """A filesystem path as stored: itself, or its raw bytes in base64 when not UTF-8."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _FS_PREFIX + base64.b64encode(os.fsencode(text)).decode()
    return text


def fs_path(stored: str) -> Path:
    """The filesystem path behind a stored path (inverse of `db_path`)."""
    if stored.startswith(_FS_PREFIX):
        return Path(os.fsdecode(base64.b64decode(stored[len(_FS_PREFIX) :])))
    return Path(stored)


def display_path(stored: str) -> str:
    """A stored path for people: bytes that are not UTF-8 shown as U+FFFD."""
    return os.fsencode(fs_path(stored)).decode("utf-8", "replace")


# -- queries -------------------------------------------------------------------------------


def _has_table(store: Store, name: str) -> bool:
    return bool(
        store.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    )


def _links_sql(store: Store) -> str:
    """(run_id, task_id, source) for every link: manual rows, plus commits of linked tasks."""
    manual = "SELECT run_id, task_id, source FROM task_run"
    if not _has_table(store, "task_commit"):
        return manual
    return (
        manual + " UNION SELECT r.id, tc.task_id, 'commit' FROM run r"
        " JOIN task_commit tc ON tc.sha = r.commit_sha"
    )


def _task_ids(store: Store, run_ids: Iterable[str] | None = None) -> dict[str, list[int]]:
    links: dict[str, set[int]] = {}
    for row in store.query(f"SELECT DISTINCT run_id, task_id FROM ({_links_sql(store)})"):
        links.setdefault(row["run_id"], set()).add(row["task_id"])
    return {k: sorted(v) for k, v in links.items()}


def list_runs(
    store: Store,
    *,
    task_id: int | None = None,
    group: str | None = None,
    tag: str | None = None,
    project_id: int | None = None,
) -> list[Run]:
    """Runs matching every filter given, oldest first."""
    where, params = [], []
    if task_id is not None:
        where.append(f"id IN (SELECT run_id FROM ({_links_sql(store)}) WHERE task_id = ?)")
        params.append(task_id)
    if group is not None:
        where.append("group_name = ?")
        params.append(group)
    if tag is not None:
        where.append("EXISTS (SELECT 1 FROM json_each(run.tags) WHERE value = ?)")
        params.append(tag)
    if project_id is not None:
        where.append("project_id = ?")
        params.append(project_id)
    sql = "SELECT * FROM run"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY start_time IS NULL, start_time, id"
    links = _task_ids(store)
    return [Run.from_row(row, links.get(row["id"])) for row in store.query(sql, params)]


def get_run(store: Store, run_id_or_name: str) -> Run:
    """A run by id, by name (when unique) or by unique id prefix."""
    ref = run_id_or_name.strip()
    row = store.one("SELECT * FROM run WHERE id = ?", (ref,))
    if row is None:
        rows = store.query("SELECT * FROM run WHERE name = ?", (ref,))
        if len(rows) > 1:
            ids = ", ".join(r["id"] for r in rows[:5])
            raise UsageError(f"{len(rows)} runs are named {ref!r} ({ids}): give the run id")
        if not rows and ref:
            escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = store.query("SELECT * FROM run WHERE id LIKE ? ESCAPE '\\'", (escaped + "%",))
            if len(rows) > 1:
                raise UsageError(f"{ref!r} matches {len(rows)} run ids: give more of it")
        if not rows:
            raise NotFound(f"no run {ref!r} (import runs with `mlpm runs sync`)")
        row = rows[0]
    return Run.from_row(row, _task_ids(store).get(row["id"]))


def runs_for_task(store: Store, task_id: int) -> list[Run]:
    """The task's runs: through its commits and through manual links."""
    return list_runs(store, task_id=task_id)


def group_runs(store: Store, group: str) -> list[Run]:
    """The runs of one W&B group, oldest first."""
    return list_runs(store, group=group)


def link(store: Store, run_ref: str, task_id: int) -> Run:
    """Link a run to a task by hand (undoable)."""
    run = get_run(store, run_ref)
    if store.one("SELECT 1 FROM task WHERE id = ?", (task_id,)) is None:
        raise NotFound(f"no task {task_id}")
    if task_id in run.task_ids:
        raise MlpmError(f"run {run.id} is already linked to task {task_id}")
    with store.write(f"runs link {run.id} {task_id}") as tx:
        tx.insert(
            "task_run",
            {"task_id": task_id, "run_id": run.id, "source": "manual", "created_at": clock.stamp()},
        )
    return get_run(store, run.id)


def unlink(store: Store, run_ref: str, task_id: int) -> Run:
    """Remove a manual link (links through commits follow the commits)."""
    run = get_run(store, run_ref)
    row = store.one("SELECT id FROM task_run WHERE run_id = ? AND task_id = ?", (run.id, task_id))
    if row is None:
        raise NotFound(f"run {run.id} has no manual link to task {task_id}")
    with store.write(f"runs unlink {run.id} {task_id}") as tx:
        tx.delete("task_run", row["id"])
    return get_run(store, run.id)


# -- history -------------------------------------------------------------------------------


def _cached(store: Store, path: str, size: int, mtime_ns: int) -> dict[str, Any] | None:
    index = store.one(
        "SELECT points FROM run_history_cache WHERE path = ? AND metric = ''"
        " AND size = ? AND mtime_ns = ?",
        (path, size, mtime_ns),
    )
    return None if index is None else {"keys": json.loads(index["points"])}


def _store_cache(
    store: Store, path: str, size: int, mtime_ns: int, series: dict[str, list[Any]]
) -> None:
    rows = [(path, size, mtime_ns, "", json.dumps(sorted(series)))]
    rows += [(path, size, mtime_ns, k, json.dumps(v)) for k, v in series.items()]
    try:
        with store.write("runs history cache", undoable=False) as tx:
            tx.store.conn.execute("DELETE FROM run_history_cache WHERE path = ?", (path,))
            tx.store.conn.executemany(
                "INSERT INTO run_history_cache (path, size, mtime_ns, metric, points)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )
    except sqlite3.OperationalError:
        pass  # a busy database only costs the cache; the points are still returned


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
    check_metric_names(keys)
    run = get_run(store, run_id)
    if not run.path:
        raise MlpmError(f"run {run.id} has no history source")
    if run.path.startswith(REMOTE_PREFIX):
        return _remote_history(store, run, keys, api=api)
    from mlpm.integrations import wandb_history

    file = fs_path(run.path)
    try:
        stat = os.stat(file)
    except OSError:
        cached = _from_cache(store, run.path, keys)
        if cached:
            return cached
        raise MlpmError(f"the file of run {run.id} is gone: {display_path(run.path)}") from None
    if _cached(store, run.path, stat.st_size, stat.st_mtime_ns) is None:
        try:
            series, _problems = wandb_history.read_history(file)
        except wandb_history.WandbFileError as exc:
            raise MlpmError(f"cannot read the history of run {run.id}: {exc}") from None
        _store_cache(store, run.path, stat.st_size, stat.st_mtime_ns, series)
        return {k: series[k] for k in keys if k in series}
    return _from_cache(store, run.path, keys)


def _remote_history(
    store: Store, run: Run, keys: Sequence[str], *, api: Any
) -> dict[str, list[tuple[int, float]]]:
    from mlpm.integrations import wandb_api

    path = run.path or ""
    # A remote run's cache is keyed by its last step: a run that logged more is fetched again.
    size = int(_number(run.metric("_step")) or -1)
    index = _cached(store, path, size, 0) if run.state != "running" else None
    known = set(index["keys"]) if index else set()
    out = _from_cache(store, path, [k for k in keys if k in known])
    missing = [k for k in keys if k not in known]
    if missing:
        address = path[len(REMOTE_PREFIX) :]
        if api is None:
            fetched = wandb_api.history_in_subprocess(address, missing)
        else:
            fetched = wandb_api.remote_history(address, missing, api=api)
        fresh = {k: fetched.get(k, []) for k in missing}
        _store_cache(store, path, size, 0, {**_from_cache(store, path, sorted(known)), **fresh})
        out.update(fresh)
    return {k: v for k, v in out.items() if v}


# -- regressions ---------------------------------------------------------------------------

THROUGHPUT_KEYS = ("throughput", "samples_per_sec", "samples_per_second", "examples_per_sec")


def run_measures(run: Run, metric: str | None = None) -> dict[str, tuple[float, bool]]:
    """The numbers a regression is checked on: name -> (value, higher_is_better)."""
    out: dict[str, tuple[float, bool]] = {}
    epochs = _number(run.metric("epoch"))
    steps = _number(run.metric("_step"))
    if run.runtime and epochs is not None and epochs >= 1:
        out["runtime/epoch"] = (run.runtime / epochs, False)
    elif run.runtime and steps is not None and steps >= 1:
        out["runtime/step"] = (run.runtime / steps, False)
    for key in THROUGHPUT_KEYS:
        value = _number(run.metric(key))
        if value is not None:
            out[key] = (value, True)
            break
    if metric:
        value = _number(run.metric(metric))
        if value is not None:
            out[metric] = (value, False)
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def regression_flags(
    store: Store,
    runs: Sequence[Run],
    *,
    metric: str | None = None,
    higher_is_better: bool = False,
    alpha: float = 0.05,
) -> dict[str, str]:
    """run id -> a short message, for each run worse than its group's earlier runs.

    Checked: runtime per epoch (lower is better), throughput (higher is better) and `metric`
    (`higher_is_better` says which way), each against the same number in the group's runs
    that started before it. The test itself belongs to `mlpm.stats.regression`.
    """
    from mlpm.stats.regression import regression_check

    flags: dict[str, str] = {}
    groups: dict[str, list[Run]] = {}
    for run in runs:
        if run.group and run.group not in groups:
            groups[run.group] = group_runs(store, run.group)
    for run in runs:
        if not run.group or run.state == "running":
            continue
        earlier = [
            r
            for r in groups[run.group]
            if r.id != run.id
            and r.state == "finished"
            and r.start_time
            and run.start_time
            and r.start_time < run.start_time
        ]
        if not earlier:
            continue
        mine = run_measures(run, metric)
        messages = []
        for name, (value, higher) in mine.items():
            if name == metric:
                higher = higher_is_better
            baseline = [m[name][0] for r in earlier if name in (m := run_measures(r, metric))]
            if not baseline:
                continue
            result = regression_check(baseline, value, higher_is_better=higher, alpha=alpha)
            if result.flagged:
                messages.append(f"{name}: {result.message}")
        if messages:
            flags[run.id] = "; ".join(messages)
    return flags


# -- display helpers (shared by the CLI and the TUI) ---------------------------------------

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int = 40) -> str:
    """Values as a line of block characters, averaged into at most `width` cells."""
    finite = [v for v in values if v == v and v not in (float("inf"), float("-inf"))]
    if not finite:
        return ""
    if len(finite) > width:
        cells = []
        for i in range(width):
            lo, hi = i * len(finite) // width, (i + 1) * len(finite) // width
            chunk = finite[lo:hi] or finite[lo : lo + 1]
            cells.append(sum(chunk) / len(chunk))
        finite = cells
    low, high = min(finite), max(finite)
    if high == low:
        return SPARKS[3] * len(finite)
    scale = (len(SPARKS) - 1) / (high - low)
    return "".join(SPARKS[round((v - low) * scale)] for v in finite)


def flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dicts as sorted (dotted key, value) pairs."""
    out: list[tuple[str, Any]] = []
    for key in sorted(data, key=str):
        value = data[key]
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out += flatten(value, f"{name}.")
        else:
            out.append((name, value))
    return out


def default_metrics(run: Run, limit: int = 4) -> list[str]:
    """Numeric summary keys worth a sparkline when none were chosen."""
    return [
        key
        for key, value in flatten(run.summary)
        if not key.startswith("_") and _number(value) is not None
    ][:limit]


_QUALITY = ("acc", "f1", "wer", "cer", "bleu", "auc", "map", "iou", "loss", "error", "score")
_SPLIT = ("val", "valid", "eval", "test", "dev")
_BOOKKEEPING = ("epoch", "step", "runtime", "seconds", "time", "lr", "learning_rate", "throughput")


def key_metric(run: Run) -> tuple[str, float] | None:
    """The summary number that best says how a run did (a validation/test quality metric
    before anything else; never epoch, step, timing or learning rate), or None."""
    best: tuple[int, str, float] | None = None
    for key, value in flatten(run.summary):
        number = _number(value)
        if number is None or key.startswith("_"):
            continue
        lowered = key.lower()
        score = 3 * any(w in lowered for w in _QUALITY) + 2 * any(w in lowered for w in _SPLIT)
        score -= 10 * any(w in lowered for w in _BOOKKEEPING)
        if best is None or score > best[0]:
            best = (score, key, number)
    return None if best is None or best[0] < 0 else (best[1], best[2])


def format_runtime(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def metric_keys(runs: Sequence[Run]) -> list[str]:
    """Numeric summary keys found in any of `runs` (dotted, internal `_` keys left out):
    the columns a runs table can offer."""
    keys: set[str] = set()
    for run in runs:
        keys.update(
            k for k, v in flatten(run.summary) if not k.startswith("_") and _number(v) is not None
        )
    return sorted(keys)


def metric_values(runs: Sequence[Run], key: str) -> list[float]:
    """The finite numeric values of summary `key` across `runs` (for a group comparison)."""
    values = [_number(run.metric(key)) for run in runs]
    return [v for v in values if v is not None and v == v and abs(v) != float("inf")]
