"""Projects: switch the current one, see which are active, paused or archived."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from mlpm.errors import MlpmError
from mlpm.models import Project
from mlpm.services import projects, settings
from mlpm.store import Store
from mlpm.tui.render import literal
from mlpm.tui.screens.base import DataScreen
from mlpm.tui.widgets.keybar import KeyBar
from mlpm.tui.widgets.navbar import NavBar
from mlpm.tui.widgets.rowlist import RowList

STATUS_STYLE = {"active": "bold green", "paused": "yellow", "archived": "dim"}


@dataclass(slots=True)
class ProjectRow:
    project: Project
    current: bool

    @property
    def id(self) -> int:
        return self.project.id


@dataclass(slots=True)
class ProjectsData:
    rows: list[ProjectRow]
    active_limit: int


def fetch_projects(store: Store) -> ProjectsData:
    current = projects.current_or_none(store)
    rows = [
        ProjectRow(p, current is not None and p.id == current.id)
        for p in projects.list_projects(store)
    ]
    return ProjectsData(rows, int(settings.get(store, "active_projects_limit")))


def project_line(row: ProjectRow, width: int) -> Text:
    project = row.project
    text = Text()
    text.append(" ▶ " if row.current else "   ", style="bold cyan")
    text.append_text(literal(project.slug, "bold"))
    text.append("  ")
    text.append(f"{project.status:<8}", style=STATUS_STYLE.get(project.status, ""))
    if project.name != project.slug:
        text.append("  ")
        text.append_text(literal(project.name))
    if project.repo_path:
        text.append("  ")
        text.append_text(literal(project.repo_path, "dim"))
    return text


class ProjectList(RowList[ProjectRow]):
    def render_row(self, item: ProjectRow, width: int) -> Text:
        return project_line(item, width)


class ProjectsScreen(DataScreen):
    CSS_PATH = Path(__file__).with_name("projects.tcss")
    AUTO_FOCUS = "#project-list"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "use", "Use", id="projects.use", priority=False),
        Binding("a,n", "new", "New", id="projects.add", tooltip="Add a project"),
        Binding("A", "status('active')", "Activate", id="projects.activate"),
        Binding("P", "status('paused')", "Pause", id="projects.pause"),
        Binding("X", "status('archived')", "Archive", id="projects.archive"),
    ]

    def compose(self) -> ComposeResult:
        yield NavBar("projects")
        yield Static(id="projects-summary")
        yield ProjectList(id="project-list", empty="no projects yet: press a to add one")
        yield KeyBar()

    def reload(self) -> None:
        self._load()

    @work(exclusive=True, group="projects-load")
    async def _load(self) -> None:
        try:
            data = await self.mlpm.db(fetch_projects)
        except MlpmError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.query_one(ProjectList).set_items(data.rows)
        active = sum(1 for r in data.rows if r.project.status == "active")
        summary = Text(f" {active} of {data.active_limit} active projects", style="bold")
        summary.append("   enter: make current · A/P/X: activate, pause, archive", style="dim")
        self.query_one("#projects-summary", Static).update(summary)

    @property
    def selected(self) -> Project | None:
        row = self.query_one(ProjectList).current
        return row.project if row else None

    @on(RowList.Selected)
    async def action_use(self) -> None:
        project = self.selected
        if project is not None:
            await self.perform(projects.use, project.slug, success=f"now on {project.slug}")

    async def action_status(self, status: str) -> None:
        project = self.selected
        if project is not None:
            await self.perform(projects.set_status, project.slug, status)

    def action_new(self) -> None:
        from mlpm.tui.screens.modals import PromptScreen

        async def named(name: str | None) -> None:
            if name:
                await self.perform(projects.add, name)

        self.app.push_screen(PromptScreen("New project name"), named)
