"""The task form (`a` adds, `e` edits): title, estimate, tags, project. Enter saves through the
service; a bad value's message stays in the form and nothing is saved; escape cancels."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from mlpm.models import Task
from mlpm.services import tasks
from mlpm.tui.screens.modals import Modal, split_tags

if TYPE_CHECKING:
    from mlpm.tui.app import MlpmApp


@dataclass(frozen=True, slots=True)
class TaskValues:
    """The form's fields as typed."""

    title: str = ""
    estimate: str = ""
    tags: str = ""
    project: str = ""

    @classmethod
    def of(cls, task: Task) -> TaskValues:
        estimate = "" if task.estimate is None else str(task.estimate)
        return cls(task.title, estimate, " ".join(task.tags), task.project or "")

    def estimate_value(self) -> int | None:
        """The estimate as a number (None when blank); ValueError when not a number."""
        text = self.estimate.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"the estimate {text!r} is not a number of pomodoros") from None


Save = Callable[[TaskValues], Awaitable[str | None]]
"""Saves the values; returns the error to show in the form, or None when done."""


class TaskForm(Modal):
    """One form for adding and editing a task."""

    DEFAULT_CSS = """
    TaskForm .row { height: auto; }
    TaskForm .row Input { width: 1fr; }
    TaskForm #form-error { color: $error; height: auto; }
    """
    AUTO_FOCUS = "#title"

    def __init__(self, heading: str, values: TaskValues, save: Save, *, verb: str = "save"):
        super().__init__()
        self.heading = heading
        self.values = values
        self.save = save
        self.verb = verb
        self._saving = False

    def compose(self) -> ComposeResult:
        values = self.values
        with Vertical():
            yield Static(Text(self.heading), classes="title")
            yield Input(value=values.title, placeholder="title", id="title")
            with Horizontal(classes="row"):
                yield Input(
                    value=values.estimate,
                    placeholder="estimate (pomodoros)",
                    id="estimate",
                    type="integer",
                )
                yield Input(value=values.tags, placeholder="tags: data eval", id="tags")
                yield Input(value=values.project, placeholder="project", id="project")
            yield Static(id="form-error")
            yield Label(Text(f"enter to {self.verb} · escape to cancel"))

    def typed(self) -> TaskValues:
        def field(name: str) -> str:
            return self.query_one(f"#{name}", Input).value

        return TaskValues(field("title"), field("estimate"), field("tags"), field("project"))

    def show_error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(Text(message))

    @on(Input.Submitted)
    async def submitted(self) -> None:
        if self._saving:
            return
        self._saving = True
        try:
            error = await self.save(self.typed())
        finally:
            self._saving = False
        if error:
            self.show_error(error)
        else:
            self.dismiss(True)


async def _attempt(app: MlpmApp, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> str | None:
    """Call the service; its error message when a value was bad."""
    errors: list[str] = []
    await app.perform(fn, *args, invalid=errors.append, **kwargs)
    return errors[0] if errors else None


def edit_changes(task: Task, values: TaskValues) -> dict[str, Any]:
    """The `tasks.edit` arguments for what the form changed (ValueError: not a number)."""
    changes: dict[str, Any] = {}
    if values.title != task.title:
        changes["title"] = values.title
    estimate = values.estimate_value()
    if estimate is None and task.estimate is not None:
        changes["clear_estimate"] = True
    elif estimate is not None and estimate != task.estimate:
        changes["estimate"] = estimate
    if (tags := split_tags(values.tags)) != task.tags:
        changes["tags"] = tags
    if (project := values.project.strip()) and project != task.project:
        changes["project"] = project
    return changes


def edit_form(app: MlpmApp, task: Task) -> TaskForm:
    """`e`: the task's fields, saved with `tasks.edit` (one undoable change)."""

    async def save(values: TaskValues) -> str | None:
        try:
            changes = edit_changes(task, values)
        except ValueError as exc:
            return str(exc)
        if not changes:
            return None  # nothing changed: the form just closes
        return await _attempt(app, tasks.edit, task.id, success=f"edited #{task.id}", **changes)

    return TaskForm(f"Edit task #{task.id}", TaskValues.of(task), save)


def add_form(app: MlpmApp, heading: str, *, project: str | None, today: bool) -> TaskForm:
    """`a`: a new task, added with `tasks.add` (to today's plan when `today`)."""

    async def save(values: TaskValues) -> str | None:
        try:
            estimate = values.estimate_value()
        except ValueError as exc:
            return str(exc)
        return await _attempt(
            app,
            tasks.add,
            values.title,
            estimate=estimate,
            tags=split_tags(values.tags),
            project=values.project.strip() or None,
            today=today,
        )

    return TaskForm(heading, TaskValues(project=project or ""), save, verb="add")
