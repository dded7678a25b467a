"""Today: the day's ordered plan with estimates and a capacity meter."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from mlpm.errors import MlpmError
from mlpm.models import Task
from mlpm.services import task_query, tasks
from mlpm.services import today as day
from mlpm.services.day_plan import Entry
from mlpm.services.today import DayPlan
from mlpm.store import Store
from mlpm.tui import editing
from mlpm.tui.render import estimate, literal, meter
from mlpm.tui.screens.base import DataScreen, changed_task
from mlpm.tui.widgets.keybar import KeyBar
from mlpm.tui.widgets.navbar import NavBar
from mlpm.tui.widgets.rowlist import RowList
from mlpm.wording import counted


def entry_line(entry: Entry, width: int) -> Text:
    """`  1. #12  2p  title   doing`"""
    task = entry.task
    text = Text()
    text.append(f"{entry.position:>3}. ", style="bold")
    text.append(f"#{task.id:<5}", style="dim")
    text.append(f"{estimate(task):>3}  ", style="cyan")
    text.append_text(literal(task.title.splitlines()[0] if task.title else ""))
    if task.column == "doing":
        text.append("  ▶ doing", style="bold yellow")
    if entry.forced:
        text.append("  (over capacity)", style="red")
    return text


PLAN_CHOICES = 200  # backlog tasks offered by `p` (the top of the backlog, in its order)


def backlog_tasks(store: Store) -> list[Task]:
    """The top of the current project's backlog."""
    from mlpm.services import projects

    current = projects.current_or_none(store)
    if current is None:
        return []
    return task_query.list_tasks(store, project=current, column="backlog", limit=PLAN_CHOICES)


def backlog_line(task: Task) -> Text:
    text = Text()
    text.append(f"#{task.id:<5}", style="dim")
    text.append(f"{estimate(task):>3}  ", style="cyan")
    text.append_text(literal(task.title.splitlines()[0] if task.title else ""))
    return text


class PlanList(RowList[Entry]):
    def render_row(self, item: Entry, width: int) -> Text:
        return entry_line(item, width)


def capacity_text(plan: DayPlan) -> Text:
    cap = plan.capacity
    text = Text()
    text.append(f" Today {plan.day}  ", style="bold")
    text.append_text(meter("tasks", cap.tasks, cap.task_cap))
    text.append("   ")
    text.append_text(meter("pomodoros", cap.pomodoros, cap.pomodoro_cap))
    if cap.unestimated:
        text.append(
            f"   {cap.unestimated} unestimated counted as {cap.per_unestimated}", style="dim"
        )
    return text


def closed_text(plan: DayPlan) -> Text:
    """What today already finished or dropped, and what waits for review."""
    text = Text()
    for task in plan.done:
        text.append(f" ✓ #{task.id} ", style="green")
        text.append_text(literal(task.title, "dim"))
        text.append("\n")
    for task in plan.dropped:
        text.append(f" ✗ #{task.id} ", style="red")
        text.append_text(literal(task.title, "dim"))
        text.append(" — ", style="dim")
        text.append_text(literal(task.drop_reason or "", "dim italic"))
        text.append("\n")
    if plan.learned:
        text.append(
            f" suggested capacity: {counted(plan.learned.median, 'task')} a day "
            f"(median over the last {counted(plan.learned.days, 'worked day')})\n",
            style="dim",
        )
    if plan.to_review:
        text.append(
            f" {counted(plan.to_review, 'task')} from earlier days waiting for review: press r\n",
            style="yellow",
        )
    text.rstrip()
    return text


class TodayScreen(DataScreen):
    """The plan, most important first. shift+↑/↓ (or K/J) reorders."""

    CSS_PATH = Path(__file__).with_name("today.tcss")
    AUTO_FOCUS = "#plan"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("shift+up,K", "shift(-1)", "Up", id="today.move_up", key_display="⇧↑"),
        Binding("shift+down,J", "shift(1)", "Down", id="today.move_down", key_display="⇧↓"),
        Binding("s", "start", "Start", id="today.start"),
        Binding("f", "finish", "Finish", id="today.finish"),
        Binding("x", "drop", "Drop", id="today.drop"),
        Binding("b", "backlog", "Backlog", show=False, id="today.backlog"),
        Binding("a", "add", "Add", id="today.add", tooltip="Add a new task to today"),
        Binding("e", "edit", "Edit", id="today.edit", tooltip="Edit title, estimate, tags"),
        Binding("E", "edit_notes", "Notes", show=False, id="today.edit_notes"),
        Binding("p", "plan", "Plan", id="today.plan", tooltip="Plan a backlog task for today"),
        Binding("r", "review", "Review", id="today.review", tooltip="Review earlier days' tasks"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.plan: DayPlan | None = None
        self.follow: int | None = None
        self._acting_on: int | None = None
        self._offered: object = None  # the day the review was last offered

    def compose(self) -> ComposeResult:
        yield NavBar("today")
        yield Static(id="capacity")
        yield PlanList(
            id="plan", key=lambda e: e.task.id, empty="nothing planned: press a to add a task"
        )
        yield Static(id="closed")
        yield KeyBar()

    def reload(self) -> None:
        self._load()

    @work(exclusive=True, group="today-load")
    async def _load(self) -> None:
        try:
            plan = await self.mlpm.db(day.plan)
        except MlpmError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.plan = plan
        self.query_one("#capacity", Static).update(capacity_text(plan))
        closed = self.query_one("#closed", Static)
        closed.update(closed_text(plan))
        closed.display = bool(closed_text(plan).plain)
        plan_list = self.query_one(PlanList)
        plan_list.set_items(plan.entries, select=self.follow)
        self.follow = None
        if plan.to_review and self._offered != plan.day:  # the first open of a new day
            self._offered = plan.day
            self.notify(
                f"{counted(plan.to_review, 'task')} from earlier days waiting: press r to review",
                title="Morning review",
                markup=False,
                timeout=10,
            )

    @property
    def selected(self) -> Entry | None:
        return self.query_one(PlanList).current

    async def _change(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        entry = self.selected
        if entry is not None:
            self._acting_on = entry.task.id
            await self.perform(fn, entry.task.id, *args, **kwargs)

    def performed(self, result: object) -> None:
        task = changed_task(result)
        self.follow = task.id if task is not None else self._acting_on

    async def action_shift(self, step: int) -> None:
        entry = self.selected
        if entry is None:
            return
        target = entry.position + step
        if 1 <= target <= len(self.query_one(PlanList).items):
            await self._change(day.move_to, target)

    async def action_start(self) -> None:
        await self._change(tasks.start)

    async def action_finish(self) -> None:
        await self._change(tasks.done)

    async def action_backlog(self) -> None:
        await self._change(day.remove)

    def action_drop(self) -> None:
        from mlpm.tui.screens.modals import PromptScreen

        entry = self.selected
        if entry is None:
            return

        async def dropped(reason: str | None) -> None:
            if reason:
                await self.perform(tasks.drop, entry.task.id, reason)

        self.app.push_screen(
            PromptScreen(f"Why drop #{entry.task.id}?", placeholder="reason (required)"),
            dropped,
        )

    def action_add(self) -> None:
        from mlpm.tui.screens.task_form import add_form

        form = add_form(self.mlpm, "Add a task to today", project=self.mlpm.project, today=True)
        self.app.push_screen(form)

    async def action_edit(self) -> None:
        if (entry := self.selected) is not None:
            await editing.open_edit_form(self.mlpm, entry.task.id)

    async def action_edit_notes(self) -> None:
        if (entry := self.selected) is not None:
            self._acting_on = entry.task.id
            await editing.edit_task_notes(self.mlpm, entry.task.id)

    def action_review(self) -> None:
        from mlpm.tui.screens.review import ReviewScreen

        def reviewed(line: str | None) -> None:
            if line:
                self.notify(line, title="Review", markup=False, timeout=8)

        self.app.push_screen(ReviewScreen(), reviewed)

    @work(exclusive=True, group="today-plan")
    async def action_plan(self) -> None:
        from mlpm.tui.screens.modals import PickScreen

        backlog = await self.mlpm.db(backlog_tasks)
        if not backlog:
            self.notify("the backlog is empty", markup=False, timeout=3)
            return
        choices = [(str(task.id), backlog_line(task)) for task in backlog]
        chosen = await self.app.push_screen_wait(PickScreen("Plan for today", choices))
        if chosen:
            self._acting_on = int(chosen)
            await self.perform(day.add, int(chosen))

    @on(RowList.Selected)
    def _open(self, event: RowList.Selected) -> None:
        from mlpm.tui.screens.modals import TaskReadScreen
        from mlpm.tui.widgets.detail import details_text

        entry: Entry = event.item
        self._show_details(entry.task.id, TaskReadScreen, details_text)

    @work(group="today-detail")
    async def _show_details(self, task_id: int, reader: Any, render: Any) -> None:
        from mlpm.services import task_details

        details = await self.mlpm.db(task_details.gather, task_id)

        async def then(what: str | None) -> None:
            if what == "edit":
                await editing.open_edit_form(self.mlpm, task_id)
            elif what == "edit_notes":
                await editing.edit_task_notes(self.mlpm, task_id)

        self.app.push_screen(reader(Text(f"Task #{task_id}"), render(details)), then)
