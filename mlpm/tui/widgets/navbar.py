"""The top line of every screen: current project and the screens with their keys; a click on
a screen's tab shows it."""

from __future__ import annotations

from rich.text import Text
from textual.events import Click
from textual.widgets import Static

from mlpm.text import clean

SHORT = {"Lessons": "Less", "Projects": "Proj", "Compare": "Cmp"}  # when even cut names don't fit


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
        self.tabs: list[tuple[int, int, str]] = []
        """Where each screen's tab is drawn: (first cell, end cell, screen name)."""

    def on_mount(self) -> None:
        self.watch(self.app, "project", self._update)

    def on_resize(self) -> None:
        self._update(getattr(self.app, "project", ""))

    def _update(self, project: str = "") -> None:
        width = self.size.width or self.app.size.width
        # Narrower: drop "mlpm ·", then cut the project's name (the board's status line has
        # it whole), then shorten the screens' names.
        for compact, room, short in ((False, 0, False), (True, 0, False), (True, 8, False)):
            text, tabs = self._text(project, compact=compact, room=room, short=short)
            if text.cell_len <= width:
                break
        else:
            text, tabs = self._text(project, compact=True, room=8, short=True)
        self.tabs = tabs
        self.update(text)

    def on_click(self, event: Click) -> None:
        from mlpm.tui.app import MlpmApp

        for start, end, name in self.tabs:
            if start <= event.x < end and isinstance(self.app, MlpmApp):
                self.app.action_show(name)

    def _text(
        self, project: str, *, compact: bool, room: int, short: bool
    ) -> tuple[Text, list[tuple[int, int, str]]]:
        from mlpm.tui.app import MlpmApp

        tabs: list[tuple[int, int, str]] = []
        text = Text()
        text.append(" mlpm · " if not compact else " ", style="bold")
        shown = Text(clean(project) if project else "no project", style="bold cyan")
        if room:
            shown.truncate(room, overflow="ellipsis")
        text.append_text(shown)
        text.append(" ")
        if isinstance(self.app, MlpmApp):
            for name, entry in self.app.screens_available.items():
                current = name == self.current
                title = (
                    SHORT.get(entry.title, entry.title) if short and not current else entry.title
                )
                text.append(" ")
                start = text.cell_len
                text.append(f"{entry.key} {title}", style="bold reverse" if current else "dim")
                tabs.append((start, text.cell_len, name))
        return text, tabs
