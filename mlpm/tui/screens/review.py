"""The morning review (`r` on Today): the tasks left from earlier days, one at a time, oldest
first; `k` keeps one for today, `b` sends it back to the backlog, `d` drops it (asks why).
Each answer is one `today.review` call, the service `mlpm today review` uses."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, Static

from mlpm.errors import MlpmError
from mlpm.services import day_plan
from mlpm.services import today as day
from mlpm.services.day_plan import Entry
from mlpm.store import Store
from mlpm.tui.render import estimate, literal
from mlpm.tui.screens.modals import Modal, PromptScreen

if TYPE_CHECKING:
    from mlpm.tui.app import MlpmApp

DONE_WORDS = (("keep", "kept"), ("backlog", "back to backlog"), ("drop", "dropped"))


def leftovers(store: Store) -> list[Entry]:
    """Tasks waiting for review, oldest plan day first (then in that day's order)."""
    return sorted(day_plan.stale_entries(store), key=lambda e: (e.day, e.position))


def summary(counts: Counter[str], left: int) -> str:
    """`kept 1, back to backlog 1, dropped 1` (and what still waits, when stopped early)."""
    text = ", ".join(f"{word} {counts[action]}" for action, word in DONE_WORDS)
    if not sum(counts.values()):
        text = "nothing reviewed"
    return f"{text}; {left} still waiting (press r)" if left else text


def leftover_text(entry: Entry, left: int) -> Text:
    task = entry.task
    text = Text()
    text.append(f"#{task.id} ", style="dim")
    text.append_text(literal(task.title, "bold", multiline=True))
    text.append(f"\nplanned for {entry.day} · {task.column} · est {estimate(task)}", style="dim")
    if task.project:
        text.append(" · ", style="dim")
        text.append_text(literal(task.project, "dim"))
    text.append(f"\n\n{left} left to review", style="dim")
    return text


class ReviewScreen(Modal):
    """One leftover at a time; dismisses with the one-line summary."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "decide('keep')", "Keep for today", id="review.keep"),
        Binding("b", "decide('backlog')", "Back to backlog", id="review.backlog"),
        Binding("d,x", "drop", "Drop…", id="review.drop"),
        Binding("F", "force", "Force", show=False, id="review.force"),
        Binding("escape", "stop", "Stop", id="review.stop"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()
        self.entry: Entry | None = None
        self.left = 0
        self._acting: str | None = None

    @property
    def mlpm(self) -> MlpmApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Morning review: tasks left from earlier days"), classes="title")
            yield Static(id="review-task")
            yield Label(Text("k keep for today · b back to backlog · d drop · escape to stop"))

    def on_mount(self) -> None:
        self._next()

    @work(exclusive=True, group="review-next")
    async def _next(self) -> None:
        try:
            waiting = await self.mlpm.db(leftovers)
        except MlpmError as exc:
            self.notify(str(exc), severity="error", markup=False)
            waiting = []
        if not waiting:
            self.entry = None
            self.dismiss(summary(self.counts, 0))
            return
        self.entry, self.left = waiting[0], len(waiting)
        self.query_one("#review-task", Static).update(leftover_text(self.entry, self.left))

    async def _answer(self, action: str, reason: str | None = None) -> None:
        if self.entry is None:
            return
        self._acting = action
        await self.mlpm.perform(day.review, self.entry.task.id, action, reason=reason)

    def performed(self, result: Any) -> None:
        """An answer was taken (maybe after F forced it): count it and show the next one."""
        if self._acting is not None:
            self.counts[self._acting] += 1
            self._acting = None
        self._next()

    async def action_decide(self, action: str) -> None:
        await self._answer(action)

    def action_drop(self) -> None:
        entry = self.entry
        if entry is None:
            return

        async def dropped(reason: str | None) -> None:
            if reason:  # escape: back to the same leftover
                await self._answer("drop", reason)

        self.app.push_screen(
            PromptScreen(f"Why drop #{entry.task.id}?", placeholder="reason (required)"), dropped
        )

    async def action_force(self) -> None:
        await self.mlpm.action_force()

    def action_stop(self) -> None:
        self.dismiss(summary(self.counts, self.left if self.entry else 0))
