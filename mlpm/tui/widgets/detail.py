"""The card detail pane: notes, tags, estimate, moves, and (when linked) commits and runs."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from mlpm.services.metric_rules import key_metric
from mlpm.services.task_details import TaskDetails
from mlpm.tui.render import estimate, literal, tags
from mlpm.tui.widgets.textview import TextView

EMPTY = Text("no card selected", style="dim italic")


def _short_time(stamp: str | None) -> str:
    return (stamp or "")[:16].replace("T", " ")


def details_text(details: TaskDetails) -> Text:
    """Everything about one task, as literal text."""
    task = details.task
    text = Text()
    text.append_text(literal(task.title, "bold", multiline=True))
    text.append("\n")
    text.append(f"#{task.id} · {task.column} · ", style="dim")
    text.append(literal(task.project, "dim"))
    text.append(f" · est {estimate(task)}", style="dim")
    if task.tags:
        text.append("\n")
        text.append_text(tags(task.tags))
    if task.drop_reason:
        text.append("\ndropped: ", style="red")
        text.append_text(literal(task.drop_reason))
    if task.notes:
        text.append("\n\n")
        text.append_text(literal(task.notes, multiline=True))
    if details.moves:
        text.append("\n\nHistory (newest first)\n", style="bold")
        for move in reversed(details.moves):
            text.append(f"{_short_time(move['at'])} ", style="dim")
            text.append(f"{move['from'] or 'new'} → {move['to'] or 'deleted'}")
            if move["forced"]:
                text.append(" (forced)", style="yellow")
            text.append("\n")
        text.rstrip()
    if details.commits:
        text.append("\n\nCommits\n", style="bold")
        for commit in details.commits:
            text.append(f"{_attr(commit, 'sha')[:8]} ", style="yellow")
            text.append_text(literal(_attr(commit, "summary")))
            if _attr(commit, "reachable", True) is False:
                text.append(" (unreachable)", style="red")
            text.append("\n")
        text.rstrip()
    if details.runs:
        text.append("\n\nRuns\n", style="bold")
        for run in details.runs:
            text.append_text(literal(_attr(run, "name") or _attr(run, "id"), "cyan"))
            text.append(f" {_attr(run, 'state')}", style="dim")
            if found := key_metric(run):
                text.append("  ")
                text.append_text(literal(found[0], "dim"))
                text.append(f" {found[1]:.4g}")
            text.append("\n")
        text.rstrip()
    if details.lessons:
        text.append("\n\nLessons\n", style="bold")
        for lesson in details.lessons:
            text.append("• ")
            text.append_text(literal(" ".join(lesson.text.split())))
            text.append("\n")
        text.rstrip()
    return text


def _attr(obj: Any, name: str, default: Any = "") -> Any:
    value = getattr(obj, name, None)
    if value is None and isinstance(obj, dict):
        value = obj.get(name)
    return default if value is None else value


class DetailPane(TextView):
    """One task's details (or a hint when there is none)."""

    DEFAULT_CSS = """
    DetailPane {
        padding: 0 1;
        background: $surface;
    }
    """
    shown: TaskDetails | None = None

    def on_mount(self) -> None:
        self.set_text(EMPTY)

    def show(self, details: TaskDetails | None) -> None:
        if details == self.shown and details is not None:
            return
        previous, self.shown = self.shown, details
        text = EMPTY if details is None else details_text(details)
        if previous is not None and details is not None and previous.task.id == details.task.id:
            top = self.scroll_offset.y  # same task, new facts: keep the reader's place
            self.set_text(text)
            self.scroll_to(y=top, animate=False, immediate=True)
        else:
            self.set_text(text)
