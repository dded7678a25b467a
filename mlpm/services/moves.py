"""Moving a task between columns: the board's rules (drop reasons, WIP limits) and the day
plan that follows the board, inside the caller's transaction. Every column change goes here."""

from __future__ import annotations

from typing import Any

from mlpm import clock
from mlpm.errors import UsageError
from mlpm.models import Task
from mlpm.services import board, day_plan, projects
from mlpm.services.ranks import end_rank
from mlpm.store import Tx

MAX_REASON = 10_000
OUTCOMES = {"backlog": "returned", "done": "done", "dropped": "dropped"}  # a plan entry's end


def move(
    tx: Tx, task: Task, column: str, *, force: bool = False, reason: str | None = None
) -> list[str]:
    """Move `task` to `column` (a normalised name) inside `tx`; return warnings to show (soft
    limits, recorded overrides). Refused past a hard WIP limit or today's capacity unless
    `force`; a drop needs a reason."""
    store = tx.store
    if column == task.column == "today" and not day_plan.is_planned(store, task.id):
        # On a teammate's Today (in Backlog on this board): put it on this person's too.
        return day_plan.plan_task(tx, task, force=force, check_capacity=True)
    if column == task.column:
        return []
    if column == "dropped":
        reason = (reason or "").strip()
        if not reason:
            raise UsageError('dropping a task needs a reason (--reason "...")')
        if len(reason) > MAX_REASON:
            raise UsageError(f"a reason is at most {MAX_REASON:,} characters")
    project = projects.by_id(store, task.project_id)
    warnings: list[str] = []
    warning, overridden = board.check_wip(store, project, column, force=force)
    if warning:
        warnings.append(warning)
    tx.forced = tx.forced or overridden
    if column == "doing":
        warning, overridden = board.check_my_doing(store, project, task, force=force)
        warnings += [warning] if warning else []
        tx.forced = tx.forced or overridden
    now = clock.stamp()
    changes: dict[str, Any] = {
        "column": column,
        "rank": end_rank(store, task.project_id, column),
        "updated_at": now,
    }
    if task.column in ("done", "dropped"):
        changes.update(done_at=None, dropped_at=None, drop_reason=None)
    if column == "doing" and not task.started_at:
        changes["started_at"] = now
    elif column == "done":
        changes["done_at"] = now
    elif column == "dropped":
        changes.update(dropped_at=now, drop_reason=reason)
    # The day plan follows the board: entering Today/Doing plans the task for today;
    # leaving them records the outcome.
    if column == "today":
        warnings += day_plan.plan_task(tx, task, force=force, check_capacity=True)
    elif column == "doing":
        day_plan.plan_task(tx, task, force=force, check_capacity=False)
    elif outcome := OUTCOMES.get(column):
        day_plan.close_entry(tx, task.id, outcome)
        if task.column in ("done", "dropped"):  # reopened: today's plan says so no more
            day_plan.reclose_today(tx, task.id, task.column, outcome)
    tx.update("task", task.id, changes)
    return warnings
