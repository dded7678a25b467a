"""Stats: focus time and finished work as charts: sparklines per day, bars per project, and
each task's estimate against its actual pomodoros."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Sparkline, Static

from mlpm.errors import MlpmError
from mlpm.services import focus_stats
from mlpm.services.focus_stats import FocusStats
from mlpm.store import Store
from mlpm.text import clean
from mlpm.tui.screens.timer import ServiceScreen
from mlpm.tui.widgets.keybar import KeyBar
from mlpm.wording import counted

WINDOWS = (7, 14, 30, 90)
BAR_CELLS = 30
TITLE_MIN = 20  # cells a task's title keeps however narrow the screen
BESIDE_TITLE = 50  # cells the other per-task columns (and padding) need, the project cut


def hours(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60}h{whole % 60:02d}" if whole >= 60 else f"{whole}m"


def bar(value: float, top: float, cells: int = BAR_CELLS) -> str:
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * cells * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (" ▏▎▍▌▋▊▉"[rest] if rest else "")


class StatsScreen(ServiceScreen):
    """Where the focused time went, and how much got finished each day."""

    CSS_PATH = "stats.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "next_window", "Days", id="stats.days", tooltip="7, 14, 30 or 90 days"),
        Binding("r", "reload", "Reload", show=False, id="stats.reload"),
    ]

    def __init__(self, store: Store | Path | str | None = None, *, days: int = 14) -> None:
        super().__init__(store)
        self.days = days
        self.data: FocusStats | None = None

    def compose(self) -> ComposeResult:
        yield from self.nav_bar("stats")
        with VerticalScroll(id="stats-body"):
            yield Static(id="stats-summary")
            with Horizontal(id="stats-charts"):
                with Vertical(classes="chart"):
                    yield Static(id="stats-focus-title", classes="chart-title")
                    yield Sparkline([], id="stats-focus-chart")
                    with Horizontal(classes="axis"):
                        yield Static(id="stats-focus-from")
                        yield Static(id="stats-focus-to", classes="axis-to")
                with Vertical(classes="chart"):
                    yield Static(id="stats-done-title", classes="chart-title")
                    yield Sparkline([], id="stats-done-chart")
                    with Horizontal(classes="axis"):
                        yield Static(id="stats-done-from")
                        yield Static(id="stats-done-to", classes="axis-to")
            yield Static(Text("Per project", style="bold"), classes="section")
            yield Static(id="stats-projects")
            yield Static(
                Text("Per task: estimate against actual pomodoros", style="bold"),
                classes="section",
            )
            yield DataTable(id="stats-tasks", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Interruptions", style="bold"), classes="section")
            yield Static(id="stats-interruptions")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#stats-tasks", DataTable)
        # Estimate against actual beside the task, on 80 columns too: the project goes last.
        table.add_columns("Task", "Est.", "Actual", "Focus", "Interrupted", "Project")
        if hasattr(self.app, "generation"):  # the mlpm app: reload when the data changes
            self.watch(self.app, "generation", lambda _: self.reload(), init=False)
        self.reload()

    def on_resize(self) -> None:
        if self.data is not None:  # the task titles are cut to the new width
            self._show(self.data)

    def on_screen_resume(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_next_window(self) -> None:
        index = WINDOWS.index(self.days) if self.days in WINDOWS else -1
        self.days = WINDOWS[(index + 1) % len(WINDOWS)]
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(exclusive=True, group="stats-load")
    async def _load(self) -> None:
        try:
            data = await self.read(focus_stats.summary, self.days)
        except MlpmError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.data = data
        self._show(data)

    def _show(self, data: FocusStats) -> None:
        median = data.median_done_per_worked_day
        summary = Text()
        summary.append(f"Last {counted(len(data.per_day), 'day')} ", style="bold")
        summary.append(f"({data.first} … {data.last})  ", style="dim")
        summary.append(
            f"{hours(data.focus_minutes)} focused · {counted(data.sessions, 'pomodoro')}"
            f" · {data.interrupted} interrupted · {counted(data.tasks_done, 'task')} finished"
        )
        if median is not None:
            summary.append(f" · capacity ≈ {counted(median, 'task')} per worked day", style="dim")
        self.query_one("#stats-summary", Static).update(summary)

        focus = [d.focus_minutes for d in data.per_day]
        done = [float(d.tasks_done) for d in data.per_day]
        self.query_one("#stats-focus-chart", Sparkline).data = focus
        self.query_one("#stats-done-chart", Sparkline).data = done
        self.query_one("#stats-focus-title", Static).update(
            Text(f"Focus per day (most {hours(max(focus, default=0))})", style="bold")
        )
        self.query_one("#stats-done-title", Static).update(
            Text(f"Tasks finished per day (most {max(done, default=0):g})", style="bold")
        )
        for name in ("focus", "done"):
            self.query_one(f"#stats-{name}-from", Static).update(Text(data.first, style="dim"))
            self.query_one(f"#stats-{name}-to", Static).update(Text(data.last, style="dim"))

        projects = Text()
        top = max((p.focus_minutes for p in data.per_project), default=0)
        for p in data.per_project:
            projects.append(f"{clean(p.project)[:18]:<18} ", style="bold")
            projects.append(f"{bar(p.focus_minutes, top):<{BAR_CELLS}}", style="cyan")
            projects.append(f" {hours(p.focus_minutes):>6}  {counted(p.sessions, 'pomodoro')}")
            if p.interrupted:
                projects.append(f", {p.interrupted} interrupted", style="yellow")
            projects.append("\n")
        if not data.per_project:
            projects.append("no focus sessions in this window", style="dim")
        projects.rstrip()
        self.query_one("#stats-projects", Static).update(projects)

        table = self.query_one("#stats-tasks", DataTable)
        table.clear()
        room = max(TITLE_MIN, self.size.width - BESIDE_TITLE)
        for t in data.per_task:
            title = Text(f"#{t.task_id} ", style="dim")
            title.append(clean(t.title).splitlines()[0] if t.title else "")
            title.truncate(room, overflow="ellipsis")
            actual = Text(str(t.pomodoros_total), style="bold yellow" if t.over_estimate else "")
            table.add_row(
                title,
                "–" if t.estimate is None else str(t.estimate),
                actual,
                hours(t.focus_minutes),
                str(t.interrupted),
                Text(clean(t.project)),
                key=str(t.task_id),
            )

        reasons = Text()
        for reason, count in data.interruption_reasons[:8]:
            reasons.append(f"{count:>3}  ", style="bold")
            reasons.append(clean(reason)[:80] + "\n")
        if not data.interruption_reasons:
            reasons.append("none", style="dim")
        reasons.rstrip()
        self.query_one("#stats-interruptions", Static).update(reasons)
