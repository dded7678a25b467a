"""Imported tracker runs: the `Run` record, how its path is stored, queries and task links.

A run joins its tasks two ways, both resolved at query time: through its git commit and the
git area's `task_commit` rows (no manual step), and through manual `task_run` links. Importing
runs (local W&B directories or the W&B API) is `mlpm.services.run_sync`; their history is
`run_history`, regression flags `run_checks`, which metric matters and which way is better
`metric_rules`, and display helpers `run_display`.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlpm import clock
from mlpm.errors import MlpmError, NotFound, UsageError

if TYPE_CHECKING:
    from mlpm.store import Store

# As `wandb_run.STATES` (and the run table's CHECK): a run that ended any way but finished.
STATES = ("finished", "failed", "killed", "crashed", "preempted", "running")
ENDED_BADLY = ("failed", "killed", "crashed", "preempted")
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
    """A value by key, or by dotted path into nested dicts (None when absent)."""
    if key in data:
        return data[key]
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


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


def number(value: Any) -> float | None:
    """A summary value as a float, or None when it is not a number (booleans are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def numeric_summary(run: Run) -> list[tuple[str, float]]:
    """The run's numeric summary values by dotted key, W&B's own `_` keys left out."""
    return [
        (key, value)
        for key, raw in flatten(run.summary)
        if not key.startswith("_") and (value := number(raw)) is not None
    ]


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
    states: Sequence[str] = (),
) -> list[Run]:
    """Runs matching every filter given (`states`: any of them), oldest first."""
    where: list[str] = []
    params: list[Any] = []
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
    if states:
        where.append(f"state IN ({', '.join('?' * len(states))})")
        params.extend(states)
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
