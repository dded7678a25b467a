"""Choosing the task a focus session is for: the one named, else the task in Doing, else the
first open task of today's plan."""

from __future__ import annotations

from mlpm.errors import MlpmError
from mlpm.models import Task
from mlpm.services import day_plan, projects, task_query
from mlpm.store import Store


def default(store: Store) -> Task | None:
    """The task a focus session starts on when none is named: the task in Doing (the current
    project's first), else the first open task of today's plan."""
    current = projects.current_or_none(store)
    doing = task_query.list_tasks(store, project=current, column="doing") if current else []
    doing = doing or task_query.list_tasks(store, column="doing")
    if doing:
        return doing[0]
    for entry in day_plan.open_entries(store):
        if entry.task.is_open:
            return entry.task
    return None


def candidates(store: Store) -> list[Task]:
    """Tasks worth focusing on, in the order offered: Doing, then today's open plan."""
    found = {t.id: t for t in task_query.list_tasks(store, column="doing")}
    for entry in day_plan.open_entries(store):
        if entry.task.is_open:
            found.setdefault(entry.task.id, entry.task)
    return list(found.values())


def pick(store: Store, task_id: int | None) -> Task:
    """The task to focus on: `task_id` if it is open, else the default; MlpmError if none."""
    if task_id is None:
        task = default(store)
        if task is None:
            raise MlpmError(
                "no task to focus on: name one (mlpm timer start ID), start one"
                " (mlpm task start ID) or plan one (mlpm today add ID)"
            )
        return task
    task = task_query.get(store, task_id)
    if not task.is_open:
        raise MlpmError(f"task {task_id} is {task.column}; focus on an open task")
    return task
