"""The board's Today column, read from the day plan (its only order): today's open entries
not in Doing, in plan order; the tasks left from earlier days apart, waiting for review.

A day plan is personal (its rows are only in its person's databases), while a task's column
is shared: a task a teammate planned is in column "today" with no entry of this person's.
Such a task is on their Today, not here: this person's board shows it in Backlog."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mlpm.models import Project, Task, column_name
from mlpm.services import day_plan
from mlpm.services.task_query import list_tasks
from mlpm.store import Store

_PLANNED = (
    "EXISTS (SELECT 1 FROM day_plan WHERE day_plan.task_id = task.id AND day_plan.outcome IS NULL)"
)


def shown_in(column: str) -> str:
    """SQL over `task`: the tasks this person's board shows in `column` (a known column
    name; the column test stays first, so the board index serves it)."""
    if column == "today":
        return f"task.\"column\" = 'today' AND {_PLANNED}"
    if column == "backlog":
        return f"(task.\"column\" = 'backlog' OR (task.\"column\" = 'today' AND NOT {_PLANNED}))"
    return f"task.\"column\" = '{column_name(column)}'"


@dataclass(slots=True)
class TodayColumn:
    tasks: list[Task]  # planned for today, most important first
    waiting: list[Task]  # planned on an earlier day and not reviewed yet, oldest first


def _keep(task: Task, project: Project | None, tag: str | None) -> bool:
    if task.column != "today":
        return False
    if project is not None and task.project_id != project.id:
        return False
    return tag is None or tag in task.tags


def read(store: Store, project: Project | None = None, *, tag: str | None = None) -> TodayColumn:
    """The Today column of `project` (of every project when None), with `tag` if given."""
    planned = [e.task for e in day_plan.open_entries(store) if _keep(e.task, project, tag)]
    waiting = [e.task for e in day_plan.stale_entries(store) if _keep(e.task, project, tag)]
    return TodayColumn(planned, waiting)


def theirs(store: Store, project: Project | None = None, *, tag: str | None = None) -> list[Task]:
    """Tasks on a teammate's Today (column "today", in no plan of this person's), by rank,
    as in Backlog: this person's board shows them at the end of it."""
    planned = {
        r["task_id"]
        for r in store.query("SELECT DISTINCT task_id FROM day_plan WHERE outcome IS NULL")
    }
    in_today = list_tasks(store, project=project, column="today", tag=tag)
    # In this person's column, so `task list`, its JSON and the cards say what the board shows.
    return [replace(t, column="backlog") for t in in_today if t.id not in planned]


def board_order(
    store: Store,
    *,
    project: Project | None = None,
    column: str | None = None,
    tag: str | None = None,
) -> tuple[list[Task], list[Task]]:
    """Tasks in board order, the Today part in plan order; and apart, the Today column's
    tasks waiting for review (they belong to no day's order until reviewed)."""
    if column == "backlog":
        return list_tasks(store, project=project, column=column, tag=tag) + theirs(
            store, project, tag=tag
        ), []
    if column is not None and column != "today":
        return list_tasks(store, project=project, column=column, tag=tag), []
    today = read(store, project, tag=tag)
    if column == "today":
        return today.tasks, today.waiting
    rest = [t for t in list_tasks(store, project=project, tag=tag) if t.column != "today"]
    backlog = [t for t in rest if t.column == "backlog"] + theirs(store, project, tag=tag)
    later = [t for t in rest if t.column != "backlog"]
    return backlog + today.tasks + later, today.waiting


def ids_in_order(store: Store, project_id: int) -> list[int]:
    """The ids of a project's Today column in plan order (for reordering on the board)."""
    entries = day_plan.open_entries(store)
    return [
        e.task.id for e in entries if e.task.column == "today" and e.task.project_id == project_id
    ]
