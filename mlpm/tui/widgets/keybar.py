"""A one-line footer of the keys that matter on the current screen.

Textual's `Footer` mounts a widget per key and recomposes on every focus change; with twenty
bindings that costs more than painting a board of 10,000 cards. This draws one `Text`."""

from __future__ import annotations

from textual.app import App
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self._bindings_changed(self.screen)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        keys: list[tuple[list[tuple[str, str]], bool]] = []  # (parts, global)
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            if binding.action.startswith("show("):  # the NavBar lists the screens
                continue
            seen.add(binding.action)
            part = [
                (f" {self.app.get_key_display(binding)}", "bold $accent"),
                (f" {binding.description}", "$text" if active.enabled else "dim"),
            ]
            keys.append((part, isinstance(active.node, App)))
        keys.append(([("  ^p", "bold $accent"), (" palette", "$text")], False))
        # Too narrow: the screen's last keys go first; undo, help and quit always show.
        width = self.size.width or self.app.size.width
        while sum(len(t) for part, _ in keys for t, _ in part) > width:
            drop = next((i for i in range(len(keys) - 1, -1, -1) if not keys[i][1]), None)
            if drop is None:
                break
            del keys[drop]
        parts = [item for part, _ in keys for item in part]
        if parts != getattr(self, "_parts", None):  # focus moves rarely change the keys
            self._parts = parts
            self.update(Content.assemble(*parts), layout=False)  # one line, always
