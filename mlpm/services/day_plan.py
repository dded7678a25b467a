"""The day plan: which tasks are planned for which day, in what order, under today's capacity;
planning a task and closing its entry (with the outcome) as it moves on the board."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from mlpm import clock
from mlpm.errors import Refused, UsageError
from mlpm.models import Task
from mlpm.services import settings
from mlpm.services.ranks import between
from mlpm.store import Store, Tx
from mlpm.store.ids import LETTERS
from mlpm.store.ops import DELETED, replica_id_of
from mlpm.wording import counted


@dataclass(slots=True)
class Entry:
    """A task in a day's plan."""

    position: int  # 1 = most important
    task: Task
    day: str
    forced: bool


@dataclass(slots=True)
class Capacity:
    tasks: int
    task_cap: int
    pomodoros: int
    pomodoro_cap: int
    unestimated: int
    per_unestimated: int = 1

    @property
    def line(self) -> str:
        text = (
            f"{self.tasks} of {counted(self.task_cap, 'task')} · "
            f"{self.pomodoros} of {counted(self.pomodoro_cap, 'pomodoro')}"
        )
        if self.unestimated:
            text += f" ({self.unestimated} unestimated counted as {self.per_unestimated})"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "task_cap": self.task_cap,
            "pomodoros": self.pomodoros,
            "pomodoro_cap": self.pomodoro_cap,
            "unestimated": self.unestimated,
        }


def _task_rows(
    store: Store, where: str, params: tuple[Any, ...], order: str = "day_plan.position"
) -> list[dict[str, Any]]:
    return store.query(
        "SELECT day_plan.day AS plan_day, day_plan.position AS plan_position,"
        " day_plan.forced AS plan_forced, task.*, project.slug AS project FROM day_plan"
        " JOIN task ON task.id = day_plan.task_id JOIN project ON project.id = task.project_id"
        f" WHERE {where} ORDER BY {order}, day_plan.gid",  # gid: the same tie-break on every
        # replica (two of a person's machines can plan at the same position before a sync)
        params,
    )


def _split(row: dict[str, Any]) -> tuple[dict[str, Any], Task]:
    plan = {k: row.pop(k) for k in ("plan_day", "plan_position", "plan_forced")}
    return plan, Task.from_row(row)


def open_entries(store: Store, day: date | None = None) -> list[Entry]:
    """Today's open (not yet done or dropped) entries, in order."""
    day_text = (day or clock.today()).isoformat()
    entries = []
    rows = _task_rows(store, "day_plan.day = ? AND day_plan.outcome IS NULL", (day_text,))
    for index, row in enumerate(rows, start=1):
        plan, task = _split(row)
        entries.append(Entry(index, task, plan["plan_day"], bool(plan["plan_forced"])))
    return entries


def closed_on(store: Store, day: str, outcome: str) -> list[Task]:
    """The tasks whose entry for `day` closed with `outcome` (done, dropped, ...), in order."""
    rows = _task_rows(store, "day_plan.day = ? AND outcome = ?", (day, outcome))
    return [_split(r)[1] for r in rows]


def capacity(store: Store, entries: list[Entry] | None = None) -> Capacity:
    entries = open_entries(store) if entries is None else entries
    per = int(settings.get(store, "unestimated_pomodoros"))
    return Capacity(
        tasks=len(entries),
        task_cap=int(settings.get(store, "capacity_tasks")),
        pomodoros=sum(e.task.estimate if e.task.estimate is not None else per for e in entries),
        pomodoro_cap=int(settings.get(store, "capacity_pomodoros")),
        unestimated=sum(1 for e in entries if e.task.estimate is None),
        per_unestimated=per,
    )


def stale_entries(store: Store) -> list[Entry]:
    """Tasks planned on an earlier day and never closed, oldest day first: they wait for
    `today review`."""
    rows = _task_rows(
        store,
        "day_plan.day < ? AND day_plan.outcome IS NULL",
        (clock.today().isoformat(),),
        order="day_plan.day, day_plan.position",
    )
    out = []
    for index, row in enumerate(rows, start=1):
        plan, task = _split(row)
        out.append(Entry(index, task, plan["plan_day"], bool(plan["plan_forced"])))
    return out


# -- changes (inside a transaction) ---------------------------------------------------------


def is_planned(store: Store, task_id: int) -> bool:
    """Whether this person's plan holds the task (today, or left from an earlier day)."""
    return _open_entry(store, task_id) is not None


def _open_entry(store: Store, task_id: int) -> dict[str, Any] | None:
    return store.one(
        "SELECT * FROM day_plan WHERE task_id = ? AND outcome IS NULL ORDER BY day DESC LIMIT 1",
        (task_id,),
    )


def _short(title: str, size: int = 40) -> str:
    return title if len(title) <= size else title[: size - 1] + "…"


def _check_capacity(store: Store, task: Task, entries: list[Entry]) -> str | None:
    """None if `task` fits today; else a message naming what could be deferred."""
    cap = capacity(store, entries)
    per = cap.per_unestimated
    need = task.estimate if task.estimate is not None else per
    over_tasks = cap.tasks + 1 - cap.task_cap
    over_pomodoros = cap.pomodoros + need - cap.pomodoro_cap
    if over_tasks <= 0 and over_pomodoros <= 0:
        return None
    deferrable: list[str] = []
    freed_pomodoros = 0
    for entry in reversed(entries):  # least important first
        if len(deferrable) >= over_tasks and freed_pomodoros >= over_pomodoros:
            break
        est = entry.task.estimate if entry.task.estimate is not None else per
        deferrable.append(f"#{entry.task.id} {_short(entry.task.title)!r} ({est} pom.)")
        freed_pomodoros += est
    defer = "; could defer: " + ", ".join(deferrable) if deferrable else ""
    return f"today is full ({cap.line}); #{task.id} needs {counted(need, 'pomodoro')}{defer}"


def plan_task(tx: Tx, task: Task, *, force: bool, check_capacity: bool) -> list[str]:
    """Put `task` at the end of today's plan (closing an entry left from an earlier day)."""
    store = tx.store
    today_text = clock.today().isoformat()
    entry = _open_entry(store, task.id)
    if entry and entry["day"] == today_text:
        return []
    warnings: list[str] = []
    entries = open_entries(store)
    forced = False
    if check_capacity and (problem := _check_capacity(store, task, entries)):
        if not force:
            raise Refused(problem, hint="use --force to add it anyway")
        warnings.append(problem + " (override recorded)")
        forced = tx.forced = True
    if entry:
        tx.update("day_plan", entry["id"], {"outcome": "rolled_over", "closed_at": clock.stamp()})
    last = store.scalar(
        "SELECT MAX(position) FROM day_plan WHERE day = ? AND outcome IS NULL", (today_text,)
    )
    old = store.one("SELECT id FROM day_plan WHERE day = ? AND task_id = ?", (today_text, task.id))
    values = {"position": (last or 0) + 1, "outcome": None, "forced": int(forced)}
    if old:  # planned earlier today, returned, and planned again
        tx.update("day_plan", old["id"], {**values, "closed_at": None})
    else:
        gid = entry_gid(store, task, today_text)
        tx.insert(
            "day_plan",
            {
                "day": today_text,
                "task_id": task.id,
                **values,
                "added_at": clock.stamp(),
                "gid": gid,
            },
        )
        if tx.emit_ops and store.scalar(_DELETED_BEFORE, (gid,)):  # undone once, planned again
            tx.ops.write("day_plan", gid, [(DELETED, False)])
    return warnings


_DELETED_BEFORE = (
    "SELECT 1 FROM op WHERE kind = 'day_plan' AND gid = ? AND field = '_deleted' LIMIT 1"
)


def entry_gid(store: Store, task: Task, day: str) -> str:
    """The gid of a person's plan entry for `task` on `day`: the same on each of their
    machines, so planning a task on two of them before a sync makes one entry, not two that
    clash (a task is planned once a day). The person is the author sync was set up with, or
    this replica until it is."""
    person = str(settings.get(store, "sync.author") or "") or replica_id_of(store)
    digest = hashlib.sha256("\0".join(("day_plan", person, day, task.gid)).encode()).hexdigest()
    return LETTERS[int(digest[0], 16)] + digest[1:33]


def close_entry(tx: Tx, task_id: int, outcome: str) -> None:
    entry = _open_entry(tx.store, task_id)
    if entry:
        tx.update("day_plan", entry["id"], {"outcome": outcome, "closed_at": clock.stamp()})


def reclose_today(tx: Tx, task_id: int, old: str, new: str) -> None:
    """A task closed today as `old` (done, dropped) moved on: its entry now says `new`."""
    row = tx.store.one(
        "SELECT id FROM day_plan WHERE task_id = ? AND day = ? AND outcome = ?",
        (task_id, clock.today().isoformat(), old),
    )
    if row:
        tx.update("day_plan", row["id"], {"outcome": new, "closed_at": clock.stamp()})


def reposition(tx: Tx, task_id: int, position: int, among: list[int] | None = None) -> None:
    """Put a task planned today at `position` (1 = top; past the end means last) among the
    entries `among` (task ids in plan order; default: all of today's open entries). The
    other entries keep their places, so a project's Today column reorders the whole plan."""
    if position < 1:
        raise UsageError("positions start at 1 (the most important task)")
    rows = tx.store.query(
        "SELECT id, task_id, position FROM day_plan WHERE day = ? AND outcome IS NULL"
        " ORDER BY position, id",
        (clock.today().isoformat(),),
    )
    mine = next(r for r in rows if r["task_id"] == task_id)
    scope = set(among) if among is not None else None
    others = [
        r for r in rows if r["task_id"] != task_id and (scope is None or r["task_id"] in scope)
    ]
    index = min(position - 1, len(others))
    before = others[index - 1]["position"] if index > 0 else None
    after = others[index]["position"] if index < len(others) else None
    if before is None and after is None:
        return
    tx.update("day_plan", mine["id"], {"position": between(before, after)})
