"""Tasks: adding, editing, and moving them across the board under its rules."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mlpm import clock
from mlpm.errors import MlpmError, UsageError
from mlpm.models import Task, column_name
from mlpm.services import code_state, day_plan, moves, projects, today_column
from mlpm.services.ranks import between, end_rank
from mlpm.services.task_query import get
from mlpm.store import Store

MAX_TITLE = 10_000
MAX_NOTES = 100_000
MAX_TAG = 50
MAX_ESTIMATE = 100


@dataclass(slots=True)
class Change:
    """What a change did, with any warnings (soft limits, recorded overrides) to show."""

    task: Task
    warnings: list[str] = field(default_factory=list)
    moved: bool = True  # False when the task was already where it was asked to go


def clean_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise UsageError("a task title cannot be empty")
    if len(title) > MAX_TITLE:
        raise UsageError(f"a task title is at most {MAX_TITLE:,} characters (got {len(title):,})")
    return title


def clean_tags(tags: list[str] | tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        tag = tag.strip().lstrip("+#")
        if not tag or any(ch.isspace() for ch in tag) or "," in tag:
            raise UsageError(f"invalid tag {tag!r}: one word, no spaces or commas")
        if len(tag) > MAX_TAG:
            raise UsageError(f"a tag is at most {MAX_TAG} characters")
        if tag not in out:
            out.append(tag)
    return out


def clean_estimate(estimate: int | None) -> int | None:
    if estimate is not None and not 1 <= estimate <= MAX_ESTIMATE:
        raise UsageError(f"an estimate is a number of pomodoros from 1 to {MAX_ESTIMATE}")
    return estimate


def add(
    store: Store,
    title: str,
    *,
    project: str | None = None,
    estimate: int | None = None,
    tags: list[str] | tuple[str, ...] = (),
    notes: str = "",
    today: bool = False,
    force: bool = False,
) -> Change:
    """Add a task to the backlog (or straight to today's plan with `today=True`)."""
    title = clean_title(title)
    tags = clean_tags(tags)
    estimate = clean_estimate(estimate)
    if len(notes) > MAX_NOTES:
        raise UsageError(f"notes are at most {MAX_NOTES:,} characters")
    target = projects.resolve(store, project)
    if target.status == "archived":
        raise MlpmError(
            f"project {target.slug} is archived; activate it first (mlpm project activate)"
        )
    now = clock.stamp()
    with store.write("task add") as tx:
        key = tx.insert(
            "task",
            {
                "project_id": target.id,
                "title": title,
                "notes": notes,
                "column": "backlog",
                "rank": end_rank(store, target.id, "backlog"),
                "estimate": estimate,
                "tags": json.dumps(tags),
                "created_at": now,
                "updated_at": now,
            },
        )
        warnings: list[str] = []
        if today:
            warnings = moves.move(tx, get(store, key), "today", force=force)
    return Change(get(store, key), warnings)


def edit(
    store: Store,
    task_id: int,
    *,
    title: str | None = None,
    notes: str | None = None,
    estimate: int | None = None,
    clear_estimate: bool = False,
    add_tags: tuple[str, ...] = (),
    remove_tags: tuple[str, ...] = (),
    tags: list[str] | tuple[str, ...] | None = None,
    project: str | None = None,
) -> Task:
    """Change what is given; `tags` replaces the whole list (a form's field), `add_tags` and
    `remove_tags` change it one tag at a time (the CLI's options)."""
    task = get(store, task_id)
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = clean_title(title)
    if notes is not None:
        if len(notes) > MAX_NOTES:
            raise UsageError(f"notes are at most {MAX_NOTES:,} characters")
        changes["notes"] = notes
    if clear_estimate:
        changes["estimate"] = None
    elif estimate is not None:
        changes["estimate"] = clean_estimate(estimate)
    if tags is not None:
        changes["tags"] = json.dumps(clean_tags(tags))
    elif add_tags or remove_tags:
        gone = set(clean_tags(remove_tags))
        changes["tags"] = json.dumps(
            [t for t in clean_tags([*task.tags, *add_tags]) if t not in gone]
        )
    if project is not None:
        changes["project_id"] = projects.get(store, project).id
    if not changes:
        raise UsageError("nothing to change: give --title, --notes, --estimate, --tag, ...")
    changes["updated_at"] = clock.stamp()
    with store.write(f"task edit {task_id}") as tx:
        tx.update("task", task_id, changes)
    return get(store, task_id)


def move(
    store: Store,
    task_id: int,
    column: str,
    *,
    force: bool = False,
    reason: str | None = None,
    command: str | None = None,
) -> Change:
    """Move a task to a column under the board's rules (WIP limits, today's capacity)."""
    column = column_name(column)
    task = get(store, task_id)
    # Where this person's board shows it: a task on a teammate's Today is in their Backlog.
    theirs = task.column == "today" and not day_plan.is_planned(store, task_id)
    if ("backlog" if theirs else task.column) == column:
        return Change(task, moved=False)
    with store.write(command or f"task move {task_id} {column}") as tx:
        warnings = moves.move(tx, task, column, force=force, reason=reason)
    return Change(get(store, task_id), warnings)


def start(store: Store, task_id: int, *, force: bool = False) -> Change:
    change = move(store, task_id, "doing", force=force, command=f"task start {task_id}")
    if change.moved:  # note HEAD and a dirty tree, so a result traces to its code state
        code_state.record(store, task_id, "task start")
    return change


def done(store: Store, task_id: int, *, force: bool = False) -> Change:
    return move(store, task_id, "done", force=force, command=f"task done {task_id}")


def drop(store: Store, task_id: int, reason: str, *, force: bool = False) -> Change:
    return move(
        store, task_id, "dropped", force=force, reason=reason, command=f"task drop {task_id}"
    )


def reorder(store: Store, task_id: int, position: int) -> Task:
    """Put a task at `position` (1 = top) within its board column. Today's order is the day
    plan's: a Today card moves in the plan (among its project's Today cards)."""
    task = get(store, task_id)
    if task.column == "today":
        return _reorder_today(store, task, position)
    ranks = {
        r["id"]: r["rank"]
        for r in store.query(
            'SELECT id, rank FROM task WHERE project_id = ? AND "column" = ? ORDER BY rank, id',
            (task.project_id, task.column),
        )
    }
    ids = list(ranks)
    others = [i for i in ids if i != task_id]
    index = max(0, min(position - 1, len(others)))
    before = ranks[others[index - 1]] if index > 0 else None
    after = ranks[others[index]] if index < len(others) else None
    rank = between(before, after)
    with store.write(f"task reorder {task_id} {position}") as tx:
        tx.update("task", task_id, {"rank": rank, "updated_at": clock.stamp()})
    return get(store, task_id)


def _reorder_today(store: Store, task: Task, position: int) -> Task:
    among = today_column.ids_in_order(store, task.project_id)
    if task.id not in among and not day_plan.is_planned(store, task.id):
        raise MlpmError(
            f"task {task.id} is on a teammate's Today, not yours; plan it first (mlpm today add)"
        )
    if task.id not in among:
        raise MlpmError(
            f"task {task.id} was planned on an earlier day and waits for review;"
            " review it first (mlpm today review)"
        )
    with store.write(f"task reorder {task.id} {position}") as tx:
        day_plan.reposition(tx, task.id, max(1, position), among)
    return get(store, task.id)


def history(store: Store, task_id: int) -> list[dict[str, Any]]:
    """The task's moves between columns, oldest first, from the event log."""
    rows = store.query(
        "SELECT at, command, action, before, after, forced FROM event"
        " WHERE entity = 'task' AND entity_id = ? ORDER BY id",
        (str(task_id),),
    )
    moves = []
    for row in rows:
        before = json.loads(row["before"]) if row["before"] else None
        after = json.loads(row["after"]) if row["after"] else None
        old = before["column"] if before else None
        new = after["column"] if after else None
        if old != new:
            moves.append(
                {
                    "at": row["at"],
                    "command": row["command"],
                    "from": old,
                    "to": new,
                    "forced": bool(row["forced"]),
                }
            )
    return moves
