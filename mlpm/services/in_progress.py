"""Which task is in progress: the running focus session's task, else a project's task in Doing
started last. Read only, never writes: the commit hook asks on every commit."""

from __future__ import annotations

from datetime import datetime

from mlpm.models import Project
from mlpm.services.timer_session import now_or_clock, open_row
from mlpm.store import Store


def of_timer(store: Store, now: datetime | None = None) -> int | None:
    """The task of the focus session running now, else None (a session whose time ran out
    no longer counts, settled or not)."""
    session = open_row(store)
    if session is None or not session.is_focus or now_or_clock(now) >= session.expiry():
        return None
    return session.task_id


def of_project(store: Store, project: Project) -> int | None:
    """The task a commit made now in the project's repository belongs to: the running timer's
    task if it is this project's (the one place where the timer takes precedence over the
    Doing column), else the task in Doing that was started last."""
    task_id = of_timer(store)
    if task_id is not None:
        owner = store.scalar("SELECT project_id FROM task WHERE id = ?", (task_id,))
        if owner == project.id:
            return task_id
    return store.scalar(
        "SELECT id FROM task WHERE project_id = ? AND \"column\" = 'doing'"
        " ORDER BY started_at DESC, updated_at DESC, id DESC LIMIT 1",
        (project.id,),
    )
