"""`?`: every key active on the current screen, with what it does and its id for remapping."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def bindings_table(active: dict[str, ActiveBinding], app: App[Any]) -> Table:
    """Keys grouped by action: `up, k  Up  list.up`."""
    rows: dict[tuple[int, str], list[Any]] = {}
    for item in active.values():
        binding = item.binding
        if binding.action in ("help_quit",) or not binding.description:
            continue
        slot = rows.setdefault((id(item.node), binding.action), [[], binding, item.node])
        # A letter shows as itself: "⇧←, H", not the shared display twice.
        shown = binding.key if len(binding.key) == 1 else app.get_key_display(binding)
        slot[0].append(shown)
    table = Table(box=None, expand=True, show_header=True, header_style="bold")
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("does")
    table.add_column("where", style="dim", no_wrap=True)
    table.add_column("id (for keymap.json)", style="dim", no_wrap=True)
    for keys, binding, node in rows.values():
        where = "global" if isinstance(node, App) else type(node).__name__.removesuffix("Screen")
        table.add_row(
            Text(", ".join(dict.fromkeys(keys))),
            Text(binding.description),
            Text(where),
            Text(binding.id or ""),
        )
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 100; max-width: 98%; height: auto; max-height: 95%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    HelpScreen VerticalScroll { height: auto; max-height: 40; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, active: dict[str, ActiveBinding], app: App[Any]) -> None:
        super().__init__()
        self.table = bindings_table(active, app)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Keys (ctrl+p: command palette · escape: close)", style="bold"))
            with VerticalScroll():
                yield Static(self.table)

    def action_close(self) -> None:
        self.dismiss(None)
