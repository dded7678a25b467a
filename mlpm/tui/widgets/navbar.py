"""The top line of every screen: current project and the screens with their keys."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mlpm.cli.output import clean


class NavBar(Static):
    """`mlpm · asr   1 Today  2 Board  3 Lessons  4 Projects`, the current screen lit."""

    DEFAULT_CSS = """
    NavBar {
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def __init__(self, current: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.current = current

    def on_mount(self) -> None:
        self.watch(self.app, "project", self._update)

    def _update(self, project: str = "") -> None:
        from mlpm.tui.app import MlpmApp

        app = self.app
        text = Text()
        text.append(" mlpm", style="bold")
        text.append(" · ")
        text.append(clean(project) if project else "no project", style="bold cyan")
        text.append("  ")
        if isinstance(app, MlpmApp):
            for name, entry in app.screens_available.items():
                style = "bold reverse" if name == self.current else "dim"
                text.append(" ")
                text.append(f"{entry.key} {entry.title}", style=style)
        self.update(text)
