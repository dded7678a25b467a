"""What every data screen shares: reload when the data changes (now if visible, else when
shown again), and a short way to reach the app's services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from mlpm.models import Task

if TYPE_CHECKING:
    from mlpm.tui.app import MlpmApp


class DataScreen(Screen[None]):
    """A top-level screen showing data from the store."""

    _stale = False

    @property
    def mlpm(self) -> MlpmApp:
        return self.app  # type: ignore[return-value]

    async def on_mount(self) -> None:
        # Subclasses override `first_load`, not `on_mount` (Textual calls both).
        self.watch(self.app, "generation", self._data_changed, init=False)
        await self.first_load()

    async def first_load(self) -> None:
        """Load the data for the first time (by default in a worker, like any reload)."""
        self.reload()

    def _data_changed(self, _generation: int) -> None:
        if self.is_current:
            self.reload()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    def reload(self) -> None:
        """Fetch the data again (in a worker) and show it."""

    def performed(self, result: Any) -> None:
        """A service call made from this screen succeeded (called before the reload)."""

    async def perform(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await self.mlpm.perform(fn, *args, **kwargs)


def changed_task(result: Any) -> Task | None:
    """The task a service returned (`Change.task`, or a `Task`), if any."""
    task = getattr(result, "task", result)
    return task if isinstance(task, Task) else None
