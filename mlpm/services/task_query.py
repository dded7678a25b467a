"""Reading tasks: one by id, or a board-ordered list filtered by project, column and tag."""

from __future__ import annotations

from mlpm.errors import NotFound
from mlpm.models import Project, Task, column_name
from mlpm.services.task_ids import shorts
from mlpm.store import Store

_SELECT = (
    "SELECT task.*, project.slug AS project FROM task JOIN project ON project.id = task.project_id"
)


def get(store: Store, task_id: int) -> Task:
    row = store.one(_SELECT + " WHERE task.id = ?", (task_id,))
    if row is None:
        raise NotFound(f"no task with id {task_id}")
    return _with_short_ids(store, [Task.from_row(row)])[0]


def _with_short_ids(store: Store, tasks: list[Task]) -> list[Task]:
    short = shorts(store, [t.gid for t in tasks])
    for t in tasks:
        t.short_id = short.get(t.gid, "")
    return tasks


def list_tasks(
    store: Store,
    *,
    project: Project | None = None,
    column: str | None = None,
    tag: str | None = None,
    limit: int | None = None,
) -> list[Task]:
    """Tasks in board order (column, then rank), optionally filtered."""
    where: list[str] = []
    params: list[object] = []
    if project is not None:
        where.append("task.project_id = ?")
        params.append(project.id)
    if column:
        where.append('task."column" = ?')
        params.append(column_name(column))
    if tag:
        where.append("EXISTS (SELECT 1 FROM json_each(task.tags) WHERE value = ?)")
        params.append(tag)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += (
        " ORDER BY CASE task.\"column\" WHEN 'backlog' THEN 0 WHEN 'today' THEN 1"
        " WHEN 'doing' THEN 2 WHEN 'done' THEN 3 ELSE 4 END, task.rank, task.id"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    return _with_short_ids(store, [Task.from_row(r) for r in store.query(sql, params)])
