"""The board's Today column, read from the day plan (its only order): today's open entries
not in Doing, in plan order; the tasks left from earlier days apart, waiting for review."""

from __future__ import annotations

from dataclasses import dataclass

from mlpm.models import Project, Task
from mlpm.services import day_plan
from mlpm.services.task_query import list_tasks
from mlpm.store import Store


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


def board_order(
    store: Store,
    *,
    project: Project | None = None,
    column: str | None = None,
    tag: str | None = None,
) -> tuple[list[Task], list[Task]]:
    """Tasks in board order, the Today part in plan order; and apart, the Today column's
    tasks waiting for review (they belong to no day's order until reviewed)."""
    if column is not None and column != "today":
        return list_tasks(store, project=project, column=column, tag=tag), []
    today = read(store, project, tag=tag)
    if column == "today":
        return today.tasks, today.waiting
    rest = [t for t in list_tasks(store, project=project, tag=tag) if t.column != "today"]
    backlog = [t for t in rest if t.column == "backlog"]
    later = [t for t in rest if t.column != "backlog"]
    return backlog + today.tasks + later, today.waiting


def ids_in_order(store: Store, project_id: int) -> list[int]:
    """The ids of a project's Today column in plan order (for reordering on the board)."""
    entries = day_plan.open_entries(store)
    return [
        e.task.id for e in entries if e.task.column == "today" and e.task.project_id == project_id
    ]
