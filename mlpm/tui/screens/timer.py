"""Timer mode: a big countdown bound to a task, today's count, and what comes next.

Nothing here keeps time: every tick asks `mlpm.services.timer` for the status, which compares
the database with the clock. So the screen shows the truth after a restart, and a session
started or stopped from the CLI appears within a tick. At the end of a session the terminal
bell rings, a desktop notification goes out when `notify-send` exists, and the break is
offered, never forced: keeping on counts the overtime.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Digits, ProgressBar, Static

from mlpm.errors import MlpmError
from mlpm.services import focus_task, timer
from mlpm.services.timer import Status
from mlpm.services.timer_session import KIND_NAMES, Session, fmt_seconds
from mlpm.store import Store
from mlpm.text import clean
from mlpm.tui.widgets.keybar import KeyBar

TICK_SECONDS = 0.5


def desktop_notify(title: str, body: str) -> None:
    """Send a desktop notification through `notify-send` when it exists: an argument list,
    never a shell; the body's markup characters escaped (some servers read a little HTML)."""
    path = shutil.which("notify-send")
    if path is None:
        return
    body = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A notification is a courtesy (the bell already rang): failures are ignored.
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            [path, "--app-name=mlpm", title, body],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=5,
            check=False,
        )


class ServiceScreen(Screen[None]):
    """A screen that reaches the services through the mlpm app's database thread when it is
    hosted there, else through a store of its own (given, or opened from a path)."""

    def __init__(self, store: Store | Path | str | None = None) -> None:
        super().__init__()
        self._source = store
        self._own: Store | None = None

    @property
    def _hosted(self) -> bool:
        return self._source is None and hasattr(self.app, "db") and hasattr(self.app, "perform")

    def _store(self) -> Store:
        if isinstance(self._source, Store):
            return self._source
        if self._own is None:
            self._own = Store.open(self._source)
        return self._own

    async def read(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a service that only reads (or settles) and return its result."""
        if self._hosted:
            return await self.app.db(fn, *args, **kwargs)  # type: ignore[attr-defined]
        return fn(self._store(), *args, **kwargs)

    async def change(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a service that changes data; errors and warnings become notices (None on
        failure)."""
        if self._hosted:
            from mlpm.tui.app import FAILED

            result = await self.app.perform(fn, *args, **kwargs)  # type: ignore[attr-defined]
            return None if result is FAILED else result
        try:
            result = fn(self._store(), *args, **kwargs)
        except MlpmError as exc:
            self.notify(str(exc), title="Error", severity="error", markup=False, timeout=8)
            return None
        for warning in getattr(result, "warnings", None) or []:
            self.notify(warning, title="Note", severity="warning", markup=False)
        return result

    def nav_bar(self, name: str) -> ComposeResult:
        """The app's navigation line, when hosted in the mlpm app."""
        if hasattr(self.app, "screens_available"):
            from mlpm.tui.widgets.navbar import NavBar

            yield NavBar(name)

    def on_unmount(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None


def _task_text(session: Session) -> Text:
    text = Text()
    text.append(f"#{session.task_id} ", style="dim")
    text.append(clean(session.task_title or ""), style="bold")
    if session.project:
        text.append(f"  · {clean(session.project)}", style="dim")
    return text


class TimerScreen(ServiceScreen):
    """The countdown of the running focus session or break, bound to its task."""

    CSS_PATH = "timer.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "start_focus", "Focus", id="timer.focus", tooltip="Focus on the next task"),
        Binding("t", "pick_task", "Task…", id="timer.pick", tooltip="Focus on a chosen task"),
        Binding("b", "take_break", "Break", id="timer.break", tooltip="Start the break due"),
        Binding("l", "take_break(True)", "Long break", id="timer.long_break"),
        Binding("o", "keep_going", "Keep going", id="timer.keep_going", tooltip="Overtime counts"),
        Binding("s", "stop", "Stop", id="timer.stop", tooltip="Stop now (early: interrupted)"),
    ]

    def __init__(self, store: Store | Path | str | None = None) -> None:
        super().__init__(store)
        self.state: Status | None = None
        self._watching: int | None = None  # the running session shown at the last tick
        self._ended: Session | None = None  # a session that ran out while on screen
        self._ticking = False

    def compose(self) -> ComposeResult:
        yield from self.nav_bar("timer")
        with Vertical(id="timer-body"):
            yield Static(id="timer-kind")
            yield Static(id="timer-task")
            with Center():
                yield Digits("--:--", id="timer-clock")
            with Center():
                yield ProgressBar(
                    total=1, show_eta=False, show_percentage=False, id="timer-progress"
                )
            yield Static(id="timer-today")
            yield Static(id="timer-next")
            yield Static(id="timer-offer")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self.tick)
        self.call_after_refresh(self.tick)

    # -- reading ---------------------------------------------------------------------------

    async def tick(self) -> None:
        """Read the status (settling a session that ran out) and show it."""
        if self._ticking:
            return
        self._ticking = True
        try:
            state = await self.read(timer.status)
        except MlpmError as exc:
            self.query_one("#timer-offer", Static).update(Text(f"error: {exc}", style="red"))
            return
        finally:
            self._ticking = False
        self._notice_end(state)
        self.state = state
        self._show(state)
        self.refresh_bindings()

    def _notice_end(self, state: Status) -> None:
        """Ring when the session on screen ran out by itself (not when it was stopped)."""
        watching = self._watching
        self._watching = state.running.id if state.running else None
        last = state.last
        if (
            watching is None
            or (state.running is not None and state.running.id == watching)
            or last is None
            or last.id != watching
            or last.outcome != "finished"
            or last.ended_at != last.planned_end
        ):
            return
        self._ended = last
        if last.is_focus:
            title = "Focus session done"
            task = clean(last.task_title or "")
            body = f"#{last.task_id} {task}: time for a {KIND_NAMES[state.next_kind]}"
        else:
            title = "Break over"
            body = "ready for the next focus session"
        self.app.bell()
        self.notify(body, title=title, markup=False, timeout=10)
        self.run_worker(partial(desktop_notify, title, body), thread=True, exit_on_error=False)

    def _show(self, state: Status) -> None:
        kind = self.query_one("#timer-kind", Static)
        task = self.query_one("#timer-task", Static)
        digits = self.query_one("#timer-clock", Digits)
        bar = self.query_one("#timer-progress", ProgressBar)
        session = state.running
        now = state.now
        overtime = session is not None and session.keep_going and now >= session.planned_end
        self.set_class(session is None, "-idle")
        self.set_class(session is not None and not session.is_focus, "-break")
        self.set_class(overtime, "-overtime")
        if session is None:
            kind.update(Text("READY" if self._ended is None else "TIME'S UP", style="bold"))
            digits.update(fmt_seconds(state.next_minutes * 60))
            bar.update(total=1, progress=0)
        else:
            label = "OVERTIME" if overtime else session.name.upper()
            kind.update(Text(label, style="bold"))
            if overtime:
                digits.update("+" + fmt_seconds(session.overtime(now)))
            else:
                digits.update(fmt_seconds(session.remaining(now)))
            bar.update(
                total=session.planned_seconds,
                progress=min(session.planned_seconds, session.elapsed(now)),
            )
        task.update(self._task_line(state))
        self.query_one("#timer-today", Static).update(self._today_line(state))
        self.query_one("#timer-next", Static).update(self._next_line(state))
        self.query_one("#timer-offer", Static).update(self._offer_line(state))

    def _task_line(self, state: Status) -> Text:
        session = state.running
        if session is not None and session.is_focus:
            return _task_text(session)
        if state.next_task is None:
            return Text("no task in Doing or in today's plan", style="dim")
        text = Text("next task  ", style="dim")
        text.append(f"#{state.next_task.id} ", style="dim")
        text.append(clean(state.next_task.title), style="bold")
        return text

    def _today_line(self, state: Status) -> Text:
        text = Text()
        filled = state.cycle_done
        text.append("●" * filled + "○" * max(0, state.cycle_length - filled), style="bold")
        hours, minutes = divmod(state.focus_minutes_today, 60)
        spent = f"{hours}h{minutes:02d}" if hours else f"{minutes} min"
        plural = "" if state.focus_done_today == 1 else "s"
        text.append(f"  today: {state.focus_done_today} focus session{plural}, {spent}")
        return text

    def _next_line(self, state: Status) -> Text:
        what = KIND_NAMES[state.next_kind]
        text = Text("next: ", style="dim")
        text.append(f"{what} ({state.next_minutes} min)")
        if state.next_kind == "focus" and state.next_task is not None:
            text.append(f" on #{state.next_task.id}")
        return text

    def _offer_line(self, state: Status) -> Text:
        session = state.running
        if session is None:
            if state.next_kind != "focus":
                due = "b" if state.next_kind == "short_break" else "l"
                keep = " · o: keep going (overtime counts)" if state.can_keep_going else ""
                return Text(
                    f"{due}: take the {KIND_NAMES[state.next_kind]}{keep}"
                    " · f: another focus session"
                )
            return Text("f: start a focus session")
        if not session.is_focus:
            return Text("f: back to focus (ends the break) · s: end the break")
        if session.keep_going:
            return Text("b: break (finishes this session) · s: stop")
        return Text("s: stop early (counts as an interruption)")

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim the keys that do nothing in the current state."""
        state = self.state
        if state is None:
            return True
        session = state.running
        if action == "stop":
            return True if session is not None else None
        if action in ("start_focus", "pick_task"):
            return True if session is None or not session.is_focus else None
        if action == "take_break":
            return True if session is None or (session.is_focus and session.keep_going) else None
        if action == "keep_going":
            return True if state.can_keep_going else None
        return True

    async def _after_change(self) -> None:
        self._watching = None  # the user acted: no bell for what they ended themselves
        self._ended = None
        await self.tick()

    async def action_start_focus(self) -> None:
        if await self.change(timer.start) is not None:
            await self._after_change()

    @work(exclusive=True, group="timer-pick")
    async def action_pick_task(self) -> None:
        try:
            from mlpm.tui.screens.modals import PickScreen
        except ImportError:
            return
        choices = await self.read(focus_task.candidates)
        if not choices:
            self.notify("no task in Doing or in today's plan", markup=False)
            return
        options = []
        for task in choices:
            label = Text(f"#{task.id} ", style="dim")
            label.append(clean(task.title))
            label.append(f"  {task.column} · {clean(task.project)}", style="dim")
            options.append((str(task.id), label))
        picked = await self.app.push_screen_wait(PickScreen("Focus on which task?", options))
        if picked is not None and await self.change(timer.start, int(picked)) is not None:
            await self._after_change()

    async def action_take_break(self, long: bool | None = None) -> None:
        if await self.change(timer.start_break, long=long) is not None:
            await self._after_change()

    async def action_keep_going(self) -> None:
        if await self.change(timer.keep_going) is not None:
            await self._after_change()

    @work(exclusive=True, group="timer-stop")
    async def action_stop(self) -> None:
        session = self.state.running if self.state else None
        if session is None:
            return
        reason: str | None = None
        early = session.is_focus and not session.keep_going
        if early:
            try:
                from mlpm.tui.screens.modals import PromptScreen
            except ImportError:
                pass
            else:
                answer = await self.app.push_screen_wait(
                    PromptScreen("Why stop early? (optional; enter to confirm)", allow_empty=True)
                )
                if answer is None:  # cancelled: keep going
                    return
                reason = answer
        if await self.change(timer.stop, reason) is not None:
            await self._after_change()
