"""Board rules: the five columns, WIP limits per project and column (soft or hard), and each
person's own Doing limit (the personal setting `wip.doing`).

Today is personal: the Today column holds this person's day plan only; a task a teammate
planned (its column is "today", but no plan of this person's holds it) is in Backlog here."""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass, field

from mlpm.errors import Refused, UsageError
from mlpm.models import COLUMNS, Project, Task, column_name
from mlpm.services import people, projects, settings, today_column
from mlpm.services.task_query import list_tasks
from mlpm.store import Store
from mlpm.wording import counted


@dataclass(slots=True, frozen=True)
class Limit:
    limit: int
    hard: bool


@dataclass(slots=True)
class Column:
    """A column's cards in order. Today's are today's plan; `waiting` holds the Today cards
    planned on an earlier day and not yet reviewed, apart from that order."""

    name: str
    tasks: list[Task]
    count: int  # cards in `tasks` as a whole (a window may read fewer)
    limit: Limit | None
    waiting: list[Task] = field(default_factory=list)
    tag: str | None = None  # the filter `tasks`, `count` and `waiting` were read with
    whole: int | None = None  # with a filter: every card the column holds, filtered or not
    mine: int | None = None  # Doing, with a personal limit: this person's cards in it
    my_limit: int | None = None  # this person's Doing limit (`wip.doing`), if set

    @property
    def held(self) -> int:
        """Every card in the column, leftovers included (what a WIP limit counts), whatever
        the filter shows."""
        return self.whole if self.whole is not None else self.count + len(self.waiting)

    @property
    def header(self) -> str:
        """ "Doing 2/2" when limited, "Backlog 14" otherwise; "Today 4 (1 to review)"; with a
        tag filter, the whole column still counts against the limit: "Doing 2/2 (0 #data)"."""
        label = self.name.capitalize()
        text = f"{label} {self.held}/{self.limit.limit}" if self.limit else f"{label} {self.held}"
        if self.tag is not None:
            text += f" ({self.count + len(self.waiting)} #{self.tag})"
        if self.my_limit is not None:
            text += f" (mine {self.mine}/{self.my_limit})"
        return text + (f" ({len(self.waiting)} to review)" if self.waiting else "")

    @property
    def headers(self) -> tuple[str, ...]:
        """The header, then shorter forms for narrower columns, longest first: "Today 3 (1 to
        review)", "Today 3 (1 review)", "Today 3 (1)"; "Doing 2/2 (mine 1/1)", "Doing 2/2 me 1/1".
        """
        label = self.name.capitalize()
        text = f"{label} {self.held}/{self.limit.limit}" if self.limit else f"{label} {self.held}"
        if self.my_limit is not None:
            text += f" me {self.mine}/{self.my_limit}"
        if not self.waiting:
            return (self.header, text)
        waiting = len(self.waiting)
        return (self.header, f"{text} ({waiting} review)", f"{text} ({waiting})")

    @property
    def at_limit(self) -> bool:
        mine_full = self.my_limit is not None and (self.mine or 0) >= self.my_limit
        return mine_full or (self.limit is not None and self.held >= self.limit.limit)


def limits(project: Project) -> dict[str, Limit]:
    raw = project.settings.get("wip", {})
    return {col: Limit(int(v["limit"]), bool(v.get("hard", False))) for col, v in raw.items()}


def set_limit(store: Store, project: Project, column: str, limit: int | None, *, hard: bool) -> str:
    """Set (or with `limit=None` remove) a column's WIP limit for a project. Returns a warning
    when the column already holds more than the new limit ("" otherwise): nothing moves, but
    no task can enter it until it is back under."""
    column = column_name(column)
    if limit is not None and not 1 <= limit <= 10_000:
        raise UsageError("a WIP limit is a whole number from 1 to 10000")
    new = copy.deepcopy(project.settings)
    wip = new.setdefault("wip", {})
    if limit is None:
        wip.pop(column, None)
    else:
        wip[column] = {"limit": limit, "hard": hard}
    projects.update_settings(store, project, new, command=f"board limit {column}")
    held = count(store, project.id, column)
    if limit is not None and held > limit:
        holds = f"{column.capitalize()} already holds {counted(held, 'task')}"
        return f"{holds}, over the new limit of {limit}"
    return ""


def count(store: Store, project_id: int, column: str, *, tag: str | None = None) -> int:
    """Tasks in a project's column as this person's board shows it (with `tag`, if given):
    Today counts this person's plan, Backlog also the tasks on a teammate's Today."""
    sql = f"SELECT COUNT(*) FROM task WHERE project_id = ? AND {today_column.shown_in(column)}"
    params: list[object] = [project_id]
    if tag:
        sql += " AND EXISTS (SELECT 1 FROM json_each(task.tags) WHERE value = ?)"
        params.append(tag)
    return store.scalar(sql, params)


def check_wip(store: Store, project: Project, column: str, *, force: bool) -> tuple[str, bool]:
    """Check one more task entering `column`: ("", False) within the limit; a warning past a
    soft limit; a refusal past a hard one unless `force`, then (warning, True): an override."""
    limit = limits(project).get(column)
    if limit is None:
        return "", False
    current = count(store, project.id, column)
    if current + 1 <= limit.limit:
        return "", False
    message = f"{column.capitalize()} is at its WIP limit ({current}/{limit.limit})"
    message += f" in {project.slug}"
    if not limit.hard:
        return message, False
    if not force:
        raise Refused(message, hint="finish or move a task first, or use --force")
    return message + " (override recorded)", True


def my_doing_limit(store: Store) -> int | None:
    """This person's Doing limit (`wip.doing`), None when unset."""
    return int(settings.get(store, "wip.doing") or 0) or None


def my_doing(store: Store, project_id: int) -> int:
    """This person's cards in a project's Doing: assigned to them, or to nobody (a lone
    user's, or anyone's to claim). With no person known, every card in Doing."""
    who = people.owner(store)
    sql = "SELECT COUNT(*) FROM task WHERE project_id = ? AND \"column\" = 'doing'"
    if not who:
        return store.scalar(sql, (project_id,))
    sql += " AND (assignee IS NULL OR lower(assignee) = lower(?))"
    return store.scalar(sql, (project_id, who))


def check_my_doing(store: Store, project: Project, task: Task, *, force: bool) -> tuple[str, bool]:
    """Check `task` entering Doing against this person's own limit (a task assigned to a
    teammate counts against theirs, checked where they make a change): like a hard limit,
    refused unless `force`. A merge never checks it: a synced Doing may be over it."""
    limit = my_doing_limit(store)
    who = people.owner(store)
    if limit is None or (task.assignee and who and not people.same(task.assignee, who)):
        return "", False
    current = my_doing(store, project.id)
    if current + 1 <= limit:
        return "", False
    message = f"your Doing is at your WIP limit ({current}/{limit}) in {project.slug}"
    if not force:
        raise Refused(message, hint="finish a task first, or use --force")
    return message + " (override recorded)", True


def columns(
    store: Store,
    project: Project,
    *,
    tag: str | None = None,
    windows: dict[str, int] | None = None,
    only: Collection[str] | None = None,
) -> list[Column]:
    """The board of a project: each column's tasks in rank order with counts and limits.

    `windows` caps how many cards a column reads (a view of 10,000 cards reads what it shows;
    the count is still the whole column's); `only` names the columns to read."""
    wip = limits(project)
    result = []
    for name in COLUMNS:
        if only is not None and name not in only:
            continue
        cap = (windows or {}).get(name)
        whole = count(store, project.id, name) if tag else None
        if name == "today":  # the day plan's order, leftovers apart
            today = today_column.read(store, project, tag=tag)
            shown = today.tasks[:cap] if cap else today.tasks
            column = Column(name, shown, len(today.tasks), wip.get(name), today.waiting)
        elif name == "backlog":  # then the tasks on a teammate's Today
            tasks = list_tasks(store, project=project, column=name, tag=tag, limit=cap)
            theirs = today_column.theirs(store, project, tag=tag)
            total = count(store, project.id, name, tag=tag)
            shown = (tasks + theirs)[:cap] if cap else tasks + theirs
            column = Column(name, shown, total, wip.get(name))
        else:
            tasks = list_tasks(store, project=project, column=name, tag=tag, limit=cap)
            total = len(tasks) if cap is None else count(store, project.id, name, tag=tag)
            column = Column(name, tasks, total, wip.get(name))
        column.tag, column.whole = tag, whole
        if name == "doing" and (mine := my_doing_limit(store)) is not None:
            column.mine, column.my_limit = my_doing(store, project.id), mine
        result.append(column)
    return result
