"""`mlpm today`: what today's plan shows (with the capacity learned from what was actually
done), and the commands on it: add, reorder, remove, review what earlier days left."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from mlpm import clock
from mlpm.errors import MlpmError, UsageError
from mlpm.models import Task
from mlpm.services import day_plan, moves, task_query, tasks
from mlpm.services.day_plan import Capacity, Entry
from mlpm.store import Store

REVIEW_ACTIONS = ("keep", "backlog", "drop")
LEARN_DAYS = 14


@dataclass(slots=True)
class LearnedCapacity:
    median: float
    days: int


@dataclass(slots=True)
class DayPlan:
    day: str
    entries: list[Entry]
    done: list[Task]
    capacity: Capacity
    to_review: int
    learned: LearnedCapacity | None = None
    dropped: list[Task] = field(default_factory=list)


def learned_capacity(store: Store) -> LearnedCapacity | None:
    """Median number of tasks done per worked day, over the last 14 worked days before today."""
    rows = store.query(
        "SELECT substr(done_at, 1, 10) AS day, COUNT(*) AS n FROM task"
        " WHERE done_at IS NOT NULL AND substr(done_at, 1, 10) < ?"
        " GROUP BY day ORDER BY day DESC LIMIT ?",
        (clock.today().isoformat(), LEARN_DAYS),
    )
    if not rows:
        return None
    return LearnedCapacity(statistics.median(r["n"] for r in rows), len(rows))


def plan(store: Store) -> DayPlan:
    """Everything `mlpm today` shows."""
    day = clock.today().isoformat()
    entries = day_plan.open_entries(store)
    return DayPlan(
        day=day,
        entries=entries,
        done=day_plan.closed_on(store, day, "done"),
        capacity=day_plan.capacity(store, entries),
        to_review=len(day_plan.stale_entries(store)),
        learned=learned_capacity(store),
        dropped=day_plan.closed_on(store, day, "dropped"),
    )


# -- commands -------------------------------------------------------------------------------


def _position_of(store: Store, task_id: int) -> int | None:
    for entry in day_plan.open_entries(store):
        if entry.task.id == task_id:
            return entry.position
    return None


def add(store: Store, task_id: int, *, at: int | None = None, force: bool = False) -> list[str]:
    """Plan a task for today (at the end, or at position `at`)."""
    task = task_query.get(store, task_id)
    if task.column in ("done", "dropped"):
        raise MlpmError(f"task {task_id} is {task.column}; move it back first")
    if _position_of(store, task_id) is not None and at is None:
        raise MlpmError(f"task {task_id} is already in today's plan")
    warnings: list[str] = []
    with store.write(f"today add {task_id}") as tx:
        if task.column == "backlog":
            warnings = moves.move(tx, task, "today", force=force)
        else:
            warnings = day_plan.plan_task(tx, task, force=force, check_capacity=True)
        if at is not None:
            day_plan.reposition(tx, task_id, at)
    return warnings


def move_to(store: Store, task_id: int, position: int) -> int:
    """Move a planned task to `position` (1 = top; past the end means last); return where it
    now is."""
    if _position_of(store, task_id) is None:
        raise MlpmError(f"task {task_id} is not in today's plan (add it with `mlpm today add`)")
    with store.write(f"today move {task_id} {position}") as tx:
        day_plan.reposition(tx, task_id, position)
    return _position_of(store, task_id) or position


def remove(store: Store, task_id: int) -> None:
    """Take a task out of today's plan, back to the backlog."""
    if _position_of(store, task_id) is None:
        raise MlpmError(f"task {task_id} is not in today's plan")
    tasks.move(store, task_id, "backlog", command=f"today remove {task_id}")


def review(
    store: Store, task_id: int, action: str, *, reason: str | None = None, force: bool = False
) -> list[str]:
    """Decide on a task left from an earlier day: keep it today, send it back, or drop it."""
    if action not in REVIEW_ACTIONS:
        raise UsageError(f"unknown review action {action!r}; use keep, backlog or drop")
    stale = {e.task.id: e for e in day_plan.stale_entries(store)}
    if task_id not in stale:
        raise MlpmError(f"task {task_id} is not waiting for review")
    task = stale[task_id].task
    with store.write(f"today review {task_id} {action}") as tx:
        if action == "keep":
            return day_plan.plan_task(tx, task, force=force, check_capacity=True)
        if action == "backlog":
            return moves.move(tx, task, "backlog")
        return moves.move(tx, task, "dropped", reason=reason, force=force)


def history(store: Store, days: int = 14) -> list[dict[str, Any]]:
    """Each day's plan and what became of it, most recent first."""
    since = (clock.today() - timedelta(days=days)).isoformat()
    rows = store.query(
        "SELECT day, COUNT(*) AS planned,"
        " SUM(outcome = 'done') AS done, SUM(outcome = 'dropped') AS dropped,"
        " SUM(outcome = 'rolled_over') AS rolled_over, SUM(outcome = 'returned') AS returned,"
        " SUM(outcome IS NULL) AS open, SUM(forced) AS forced"
        " FROM day_plan WHERE day >= ? GROUP BY day ORDER BY day DESC",
        (since,),
    )
    return [{k: (v or 0) if k != "day" else v for k, v in r.items()} for r in rows]
